"""The yearly report's figures against a plain count of the rows, over registries of random activities.

The report counts a network's year in SQL, from an index that holds the
columns it counts. Here a generated registry gets random kinds, statuses,
countries (missing, empty, or one of a few), hosts, attendance and starts
around New Year, and every figure is counted again in Python from the rows
themselves: each year of each network must agree, order included.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from generated import registry_factory

from peerlearn.reports import yearly

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
NETWORKS = ("esf_migration", "integration_network", "mutual_learning", "pes")


def _shuffle(registry, seed: int) -> None:
    """Random figures: what each activity is, where, who hosted it, and who came."""
    rng = random.Random(seed)
    conn = registry.db.conn
    members = [row[0] for row in conn.execute("SELECT id FROM members")]
    countries = (None, "", "BE", "DE", "SE", "FR")
    with registry.transaction():
        conn.executemany("UPDATE members SET country = ? WHERE id = ?",
                         [(rng.choice(("BE", "DE", "SE", "AT")), member) for member in members])
        rows = []
        for (activity,) in conn.execute("SELECT id FROM activities").fetchall():
            day = dt.date(rng.choice((2025, 2026)), 12, 31) + dt.timedelta(days=rng.randint(-40, 40))
            start = f"{day.isoformat()}T{rng.choice(('00:30', '09:30', '23:30'))}:00"
            rows.append((rng.choice(("workshop", "peer_review", "site_visit", "conference")),
                         rng.choice(("tentative", "confirmed", "completed", "completed", "cancelled")),
                         start, rng.choice(countries), rng.choice([None, None, *members[:12]]), activity))
        conn.executemany("UPDATE activities SET kind = ?, status = ?, start_local = ?, country = ?,"
                         " host_member_id = ? WHERE id = ?", rows)
        conn.execute("UPDATE participations SET status = CASE abs(random()) % 3 WHEN 0 THEN 'registered'"
                     " ELSE 'attended' END")


def _expected(registry, network: str, year: int) -> dict:
    """Every figure of the report, counted from the rows in Python."""
    conn = registry.db.conn
    rows = [row for row in conn.execute(
        "SELECT id, kind, status, start_local, country, host_member_id FROM activities WHERE network = ?", [network])
        if row[3][:4] == str(year)]
    ids = {row[0] for row in rows}
    kinds: dict[str, Counter] = {}
    months = {f"{year}-{month:02d}": Counter() for month in range(1, 13)}
    held, hosts = Counter(), Counter()
    for _id, kind, status, start, country, host in rows:
        counted = kinds.setdefault(kind, Counter())
        counted["total"] += 1
        counted[status if status in ("completed", "cancelled") else "planned"] += 1
        if status != "cancelled":
            months[start[:7]][kind] += 1
            held[country] += 1
            if host is not None:
                hosts[host] += 1
    members = {row[0]: row[1:] for row in conn.execute("SELECT id, name, name_key, country FROM members")}
    attended = [(activity, member) for activity, member in conn.execute(
        "SELECT activity_id, member_id FROM participations WHERE status = 'attended'") if activity in ids]
    by_country: dict[str, list] = {}
    for activity, member in attended:
        country = members[member][2]
        entry = by_country.setdefault(country, [0, set(), set()])
        entry[0] += 1
        entry[1].add(member)
        entry[2].add(activity)
    return {
        "by_kind": sorted(((kind, c["total"], c["completed"], c["cancelled"], c["planned"])
                           for kind, c in kinds.items()), key=lambda row: (-row[1], row[0])),
        "by_month": [(month, {kind: counted[kind] for kind in sorted(counted)}) for month, counted in months.items()],
        "host_countries": [(country or "online", count) for country, count in
                           sorted(held.items(), key=lambda item: (-item[1], "~" if item[0] is None else item[0]))],
        "host_members": sorted(((members[host][0], members[host][2], count) for host, count in hosts.items()),
                               key=lambda row: (-row[2], members_key(members, row), )),
        "by_country": sorted(((country, entry[0], len(entry[1]), len(entry[2]))
                              for country, entry in by_country.items()), key=lambda row: (-row[1], row[0])),
        "attendance": {"participations": len(attended), "members": len({member for _a, member in attended}),
                       "countries": len(by_country)},
    }


def members_key(members: dict, row: tuple) -> tuple:
    """(name_key, id) of the host named in ``row``: the report's order among hosts of as many activities."""
    (member,) = [key for key, value in members.items() if value[0] == row[0]]
    return members[member][1], member


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_equals_a_count_of_the_rows(tmp_path, seed):
    registry = registry_factory().make(tmp_path / "registry.db", 600, sessions_per=1, members=40, seed=seed, now=NOW)
    try:
        _shuffle(registry, seed)
        if seed == 3:
            registry.db.execute("ANALYZE")
        checked = 0
        for network in NETWORKS:
            for year in (2024, 2025, 2026, 2027):
                report = yearly.build(registry, network, year)
                expected = _expected(registry, network, year)
                assert [(k.kind, k.total, k.completed, k.cancelled, k.planned) for k in report.by_kind] \
                    == expected["by_kind"]
                assert report.totals["total"] == sum(row[1] for row in expected["by_kind"])
                assert report.totals["cancelled"] == sum(row[3] for row in expected["by_kind"])
                assert [(month, dict(counts)) for month, counts in report.by_month] == expected["by_month"]
                assert [list(counts) for _month, counts in report.by_month] \
                    == [list(counts) for _month, counts in expected["by_month"]]  # each month's kinds in order
                assert report.host_countries == expected["host_countries"]
                assert [(h.name, h.country, h.activities) for h in report.host_members] == expected["host_members"]
                assert [(c.country, c.attended, c.members, c.activities) for c in report.by_country] \
                    == expected["by_country"]
                assert report.attendance == expected["attendance"]
                checked += report.totals["total"]
        assert checked > 500  # (most activities fall in the years looked at)
    finally:
        registry.close()
