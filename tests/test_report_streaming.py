"""The yearly report's long lists (outputs, good practices, cancellations) are read as they are written.

Memory for writing a report stays flat as a year's outputs grow: the lists
are read from the registry while the report is written, never held whole.
Checked by tracemalloc's peak of Python allocations (not time), for a year
of 200 outputs and one of 4,000; and the lists read as lists do.
"""

import tracemalloc

from peerlearn.reports import yearly, yearly_formats
from peerlearn.registry.store import Registry

NOW = "2025-12-31T00:00:00+00:00"


def fill(registry: Registry, outputs: int) -> None:
    conn = registry.conn
    conn.execute("BEGIN")
    conn.execute("INSERT INTO networks (slug, name, timezone) VALUES ('n', 'Network', 'UTC')")
    conn.executemany(
        "INSERT INTO activities (id, uid, network, kind, title, status, start_utc, end_utc, start_local, end_local,"
        " timezone, created_at, updated_at) VALUES (?, ?, 'n', 'workshop', ?, ?, ?, ?, ?, ?, 'UTC', ?, ?)",
        [(i, f"a{i}", f"Activity {i}", "cancelled" if i % 7 == 0 else "completed",
          f"2025-{1 + i % 12:02d}-10T09:00:00Z", f"2025-{1 + i % 12:02d}-10T17:00:00Z",
          f"2025-{1 + i % 12:02d}-10T09:00:00", f"2025-{1 + i % 12:02d}-10T17:00:00", NOW, NOW)
         for i in range(1, outputs + 1)])
    conn.executemany(
        "INSERT INTO outputs (activity_id, kind, title, url, date, country, themes, description)"
        " VALUES (?, ?, ?, '', ?, ?, '[\"inclusion\"]', ?)",
        [(i, "good_practice" if i % 10 == 0 else "final_report", f"Output of activity {i} " + "x" * 200,
          f"2025-{1 + i % 12:02d}-20", "BE" if i % 10 == 0 else None, "A practice " + "y" * 200)
         for i in range(1, outputs + 1)])
    conn.execute("COMMIT")


def peak_while_writing(tmp_path, outputs: int) -> int:
    with Registry.open(tmp_path / f"r{outputs}.db", actor="tester") as registry:
        fill(registry, outputs)
        with open(tmp_path / f"r{outputs}.md", "w", encoding="utf-8") as out:
            yearly_formats.write_markdown(yearly.build(registry, "n", 2025), out)  # warm: imports, caches
            tracemalloc.start()
            yearly_formats.write_markdown(yearly.build(registry, "n", 2025), out)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    text = (tmp_path / f"r{outputs}.md").read_text(encoding="utf-8")
    assert text.count(f"Output of activity {outputs // 10 * 10} ") == 2  # a good practice, written (twice)
    return peak


def test_writing_the_report_holds_no_list_whole(tmp_path):
    small, large = peak_while_writing(tmp_path, 200), peak_while_writing(tmp_path, 4000)
    # 3,800 more outputs of ~450 bytes of text each, held whole, would add well over a megabyte
    assert large - small < 300_000, (small, large)


def test_the_long_lists_read_as_lists(tmp_path):
    with Registry.open(tmp_path / "r.db", actor="tester") as registry:
        fill(registry, 30)
        report = yearly.build(registry, "n", 2025)
        practices = list(report.good_practices)
        assert len(report.good_practices) == len(practices) == 3 and report.good_practices
        assert report.good_practices[0] == practices[0] and practices[0]["country"] == "BE"
        assert practices[0]["themes"] == ["inclusion"] and practices[0]["activity"] == "Activity 30"  # the earliest date: 2025-07-20
        assert report.good_practices == practices
        assert [o["date"] for o in report.outputs] == sorted(o["date"] for o in report.outputs)
        assert len(report.cancellations) == 4  # activities 7, 14, 21, 28
        assert not yearly.build(registry, "n", 2024).outputs
