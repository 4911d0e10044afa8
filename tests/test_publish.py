"""``peerlearn publish``: everything public in one folder, incremental, all or nothing.

The output is read by independent consumers: icalendar for the feeds,
Python's csv module for the logs, an HTML parser for the pages.
"""

from __future__ import annotations

import csv
import io
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import peerlearn_plugins.site
import pytest

import faults
from peerlearn import hookimpl

BASE = "https://events.example.org"


class Links(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")


@pytest.fixture
def site_demo(demo_env):
    demo_env.register(peerlearn_plugins.site, name="site")
    return demo_env


def publish(env, folder: Path, *args: str):
    result = env.run("publish", str(folder), *args)
    return result


def tree(folder: Path) -> dict[str, bytes]:
    return faults.tree(folder)


def mtimes(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def test_publish_writes_feeds_logs_reports_the_change_log_and_the_site(site_demo, tmp_path):
    public, private = tmp_path / "public", tmp_path / "private"
    result = publish(site_demo, public, "--base-url", BASE, "--private-dir", str(private), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary["parts"]) == {"feeds", "logs", "site"}
    assert all(counts["written"] > 0 for counts in summary["parts"].values())
    with site_demo.open() as registry:
        slugs = [row["slug"] for row in registry.query("SELECT slug FROM networks ORDER BY slug")]
        tokens = [row["feed_token"] for row in registry.query("SELECT feed_token FROM members")]
        titles = {row["title"] for row in registry.query("SELECT title FROM activities WHERE status != 'draft'")}
    for slug in slugs:
        calendar = icalendar.Calendar.from_ical((public / "feeds" / "networks" / f"{slug}.ics").read_bytes())
        assert all(str(event["UID"]) for event in calendar.walk("VEVENT"))
        rows = list(csv.DictReader(io.StringIO((public / "logs" / f"{slug}-log.csv").read_text("utf-8"))))
        assert {row["title"] for row in rows} <= titles
        assert "<main" in (public / "logs" / f"{slug}-log.html").read_text("utf-8")
        reports = list((public / "logs").glob(f"{slug}-report-*.html"))
        assert len(reports) == 1, reports
    changes = list(csv.DictReader(io.StringIO((public / "logs" / "changes.csv").read_text("utf-8"))))
    assert len(changes) > 100 and {"id", "entity", "action"} <= set(changes[0])
    # member feeds only in the private folder; nothing public names a token
    assert len(list((private / "feeds" / "members").glob("*.ics"))) == len(tokens)
    assert not (public / "feeds" / "members").exists()
    public_text = b"".join(tree(public).values())
    assert not [token for token in tokens if token.encode() in public_text]
    # pages offer webcal and https subscribe links
    index = (public / "index.html").read_text("utf-8")
    hrefs = Links(index).hrefs
    assert any(href.startswith("webcal://events.example.org/feeds/networks/") for href in hrefs)
    assert "Coming next" in index and "Google Calendar" in index


def test_publish_again_rewrites_nothing_and_after_one_change_only_what_changed(site_demo, tmp_path):
    public = tmp_path / "public"
    assert publish(site_demo, public, "--base-url", BASE).exit_code == 0
    before, times = tree(public), mtimes(public)
    again = publish(site_demo, public, "--base-url", BASE, "--json")
    assert again.exit_code == 0, again.output
    parts = json.loads(again.stdout)["parts"]
    assert sum(counts["written"] + counts["removed"] for counts in parts.values()) == 0
    assert tree(public) == before and mtimes(public) == times

    with site_demo.open() as registry:
        activity = registry.one("SELECT id, title, network FROM activities WHERE status = 'confirmed'"
                                " ORDER BY start_utc DESC LIMIT 1")
    assert site_demo.run("activities", "edit", str(activity["id"]), "--title", "A renamed workshop").exit_code == 0
    changed = publish(site_demo, public, "--base-url", BASE, "--json")
    assert changed.exit_code == 0, changed.output
    after = tree(public)
    moved = {name for name, stamp in mtimes(public).items() if times.get(name) != stamp}
    assert moved == {name for name in after if before.get(name) != after[name]}
    assert f"activities/{activity['id']}.html" in moved
    assert f"feeds/activities/{activity['id']}.ics" in moved
    assert f"logs/{activity['network']}-log.csv" in moved
    assert not any(name.startswith("logs/") and activity["network"] not in name and name != "logs/changes.csv"
                   for name in moved)
    assert len(moved) < len(after) / 4
    # the incremental result is what a fresh publication gives, byte for byte
    fresh = tmp_path / "fresh"
    assert publish(site_demo, fresh, "--base-url", BASE).exit_code == 0
    # (but for the records of when each was built: the manifest, and the feeds' stamp with its window's start)
    bookkeeping = {".peerlearn-publish.db", "feeds/.peerlearn-feeds-stamp.json"}
    assert {k: v for k, v in tree(fresh).items() if k not in bookkeeping} == \
           {k: v for k, v in tree(public).items() if k not in bookkeeping}


def test_a_change_to_another_years_activity_reaches_the_report_of_its_network(site_demo, tmp_path, monkeypatch):
    """Every report of a network says when the network's data last changed: a change, a day later, to an
    activity of the next year renders the published year's report again, as a fresh publication has it."""
    import datetime as dt

    from peerlearn.registry import store

    with site_demo.open() as registry:
        activity = registry.one("SELECT id, network, start_local FROM activities WHERE status = 'confirmed'"
                                " ORDER BY start_utc DESC LIMIT 1")
    year = int(activity["start_local"][:4]) - 1  # the report published: the year before the activity's
    today = ("--today", f"{year}-12-15")
    report = f"logs/{activity['network']}-report-{year}.html"
    public = tmp_path / "public"
    assert site_demo.run(*today, "publish", str(public)).exit_code == 0
    before = (public / report).read_text()
    later = store.now_utc() + dt.timedelta(days=1)
    monkeypatch.setattr(store, "now_utc", lambda: later)
    assert site_demo.run("activities", "edit", str(activity["id"]), "--title", "Retitled a day later").exit_code == 0
    assert site_demo.run(*today, "publish", str(public)).exit_code == 0
    after = (public / report).read_text()
    assert after != before and later.strftime("%Y-%m-%d %H:%M") in after
    fresh = tmp_path / "fresh"
    assert site_demo.run(*today, "publish", str(fresh)).exit_code == 0
    assert (fresh / report).read_bytes() == (public / report).read_bytes()


def test_publish_keeps_files_of_other_origin_and_removes_only_its_own(site_demo, tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    (public / "robots.txt").write_text("User-agent: *\n")
    (public / "logs").mkdir()
    (public / "logs" / "notes.txt").write_text("ours\n")
    assert publish(site_demo, public).exit_code == 0
    with site_demo.open() as registry:
        gone = registry.one("SELECT id FROM activities WHERE status = 'confirmed' ORDER BY id DESC LIMIT 1")["id"]
    assert (public / "activities" / f"{gone}.html").exists()
    deleted = site_demo.run("activities", "delete", str(gone))
    assert deleted.exit_code == 0, deleted.output
    result = publish(site_demo, public, "--json")
    assert result.exit_code == 0, result.output
    assert not (public / "activities" / f"{gone}.html").exists()
    assert not (public / "feeds" / "activities" / f"{gone}.ics").exists()
    assert json.loads(result.stdout)["parts"]["site"]["removed"] >= 1
    assert (public / "robots.txt").read_text() == "User-agent: *\n"
    assert (public / "logs" / "notes.txt").read_text() == "ours\n"


@pytest.mark.parametrize("url", ["ftp://events.example.org", "events.example.org", "webcal://x.example.org"])
def test_publish_refuses_a_base_url_that_is_not_http(site_demo, tmp_path, url):
    result = publish(site_demo, tmp_path / "public", "--base-url", url)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --base-url:") and "http(s)" in lines[0]
    assert not (tmp_path / "public").exists()


def test_publish_refuses_a_private_dir_inside_the_folder(site_demo, tmp_path):
    public = tmp_path / "public"
    for private in (public / "members", public):
        result = publish(site_demo, public, "--private-dir", str(private))
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "inside the public folder" in lines[0]
    assert not public.exists()


def test_peerlearn_publish_lets_a_plugin_add_files_and_a_failing_one_changes_nothing(site_demo, tmp_path):
    public, private = tmp_path / "public", tmp_path / "private"

    class Sitemap:
        @hookimpl
        def peerlearn_publish(self, registry, publication):
            names = sorted(publication.previous("site"))
            publication.write("sitemap", "sitemap.txt", "".join(f"{BASE}/{n}\n" for n in names).encode())

    site_demo.register(Sitemap(), name="sitemap")
    assert publish(site_demo, public, "--base-url", BASE, "--private-dir", str(private)).exit_code == 0
    assert publish(site_demo, public, "--base-url", BASE, "--private-dir", str(private)).exit_code == 0
    assert f"{BASE}/index.html\n" in (public / "sitemap.txt").read_text()
    site_demo.run("activities", "edit", "1", "--title", "Changed before a failed publication")
    before, private_before = tree(public), tree(private)

    class Broken:
        @hookimpl
        def peerlearn_publish(self, registry, publication):
            publication.write("broken", "half.txt", b"never published\n")
            raise RuntimeError("the disk of the sitemap is on fire")

    site_demo.register(Broken(), name="broken")
    result = publish(site_demo, public, "--base-url", BASE, "--private-dir", str(private))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "broken" in lines[0] and "on fire" in lines[0]
    assert tree(public) == before and tree(private) == private_before
    assert faults.leftovers(public) == []
    from peerlearn import plugins

    plugins.unregister("broken")
    plugins.unregister("sitemap")  # publishing works again, and drops what the sitemap published
    assert publish(site_demo, public, "--private-dir", str(private)).exit_code == 0
    assert (public / "sitemap.txt").exists()  # a part that did not run keeps its files


def test_publish_into_a_read_only_folder_mid_way_changes_nothing(site_demo, tmp_path):
    public = tmp_path / "public"
    assert publish(site_demo, public).exit_code == 0
    assert site_demo.run("activities", "edit", "1", "--title", "Changed before a failed publication").exit_code == 0
    before = tree(public)
    # the logs are written first, the site's pages next: the pages' folder refuses
    with faults.read_only_folder(public / "activities"):
        result = publish(site_demo, public)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "cannot write" in lines[0] and "activities" in lines[0]
    assert tree(public) == before
    assert faults.leftovers(public) == []


def test_publish_network_narrows_the_site_logs_and_reports(site_demo, tmp_path):
    public = tmp_path / "public"
    result = publish(site_demo, public, "--network", "pes")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (public / "networks").iterdir()) == ["pes.html"]
    assert {path.name.split("-")[0] for path in (public / "logs").glob("*-log.csv")} == {"pes"}
    assert (public / "feeds" / "networks" / "mutual_learning.ics").exists()  # feeds are every network's
    unknown = publish(site_demo, public, "--network", "nowhere")
    assert unknown.exit_code == 1 and "nowhere" in unknown.stderr


def test_demo_publish_with_a_base_url_offers_webcal_links(env, tmp_path):
    env.register(peerlearn_plugins.site, name="site")
    public = tmp_path / "public"
    result = env.run("demo", "--publish", str(public), "--base-url", BASE)
    assert result.exit_code == 0, result.output
    assert "the event website at" in result.stdout
    pages = [public / "index.html", *sorted((public / "activities").glob("*.html"))[:3]]
    for page in pages:
        assert any(href.startswith("webcal://events.example.org/feeds/") for href in Links(page.read_text()).hrefs), page
    assert (tmp_path / "public-private" / "feeds" / "members").is_dir()
    before = env.fingerprint()
    bad = env.run("demo", "--force", "--publish", str(public), "--base-url", "ftp://x")
    lines = bad.stderr.strip().splitlines()
    assert bad.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: --base-url:") and "http(s)" in lines[0]
    assert env.fingerprint() == before


def test_a_second_publication_into_the_same_folder_is_refused_while_one_runs(site_demo, tmp_path):
    import fcntl
    import os

    public = tmp_path / "public"
    assert publish(site_demo, public).exit_code == 0
    before = tree(public)
    handle = os.open(public / ".peerlearn-publishing", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as a publication under way holds it
        result = publish(site_demo, public)
    finally:
        os.close(handle)
        (public / ".peerlearn-publishing").unlink()
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "another publication into" in lines[0]
    assert tree(public) == before


def test_what_a_killed_publication_left_is_cleared_by_the_next(site_demo, tmp_path):
    public = tmp_path / "public"
    assert publish(site_demo, public).exit_code == 0
    (public / ".peerlearn-publishing").write_bytes(b"")  # its marker, no longer locked by anyone
    leftover = public / "activities" / ".1.html.abcd1234.tmp"
    leftover.write_text("half a page")
    assert publish(site_demo, public).exit_code == 0
    assert not leftover.exists() and not (public / ".peerlearn-publishing").exists()
    # without a killed publication's marker the folder is not walked: a stray file there is not ours to judge
    leftover.write_text("half a page")
    assert publish(site_demo, public).exit_code == 0
    assert leftover.exists()


def test_a_plugin_cannot_publish_into_the_feeds_folder(site_demo, tmp_path):
    class Intruder:
        @hookimpl
        def peerlearn_publish(self, registry, publication):
            publication.write("intruder", "feeds/networks/pes.ics", b"not a calendar")

    site_demo.register(Intruder(), name="intruder")
    result = publish(site_demo, tmp_path / "public")
    assert result.exit_code == 1 and "holds the calendar feeds" in result.stderr
    assert not (tmp_path / "public").exists()


def test_last_years_report_stays_published_and_follows_its_changes(site_demo, tmp_path):
    public = tmp_path / "public"
    with site_demo.open() as registry:
        row = registry.one("SELECT id, network, substr(start_local, 1, 4) AS year FROM activities"
                           " WHERE status = 'completed' ORDER BY id LIMIT 1")
    year = int(row["year"])
    assert site_demo.run("--today", f"{year}-06-01", "publish", str(public)).exit_code == 0
    # a year on: that year's report is last year's now, and stays
    next_year = f"{year + 1}-03-01"
    later = site_demo.run("--today", next_year, "publish", str(public))
    assert later.exit_code == 0, later.output
    for published in (year, year + 1):
        assert (public / "logs" / f"pes-report-{published}.html").exists()
    report = public / "logs" / f"{row['network']}-report-{year}.html"
    before = report.read_bytes()
    added = site_demo.run("outputs", "add", str(row["id"]), "--kind", "final_report", "--title", "A late final report",
                          "--url", "https://example.org/late.pdf", "--date", f"{year}-12-01")
    assert added.exit_code == 0, added.output
    assert site_demo.run("--today", next_year, "publish", str(public)).exit_code == 0
    assert report.read_bytes() != before
    assert site_demo.run("report", "--network", row["network"], "--year", str(year), "--format", "html",
                         "-o", str(tmp_path / "by-hand.html")).exit_code == 0
    assert report.read_bytes() == (tmp_path / "by-hand.html").read_bytes()


def test_the_change_log_grows_by_the_rows_of_the_changes_since(site_demo, tmp_path, monkeypatch):
    """The change log is append-only: a publication copies what it wrote before and writes only the new rows,
    and the file is byte for byte what a fresh publication writes; a file changed since is written afresh."""
    from peerlearn.atomic import files

    public = tmp_path / "public"
    log = public / "logs" / "changes.csv"
    copied = []  # the bytes copied from the change log (the site copies from its pages too)
    original = files.copy_range

    def copy_range(source, target, offset, size):
        if log.exists() and os.fstat(source).st_ino == log.stat().st_ino:
            copied.append(size)
        return original(source, target, offset, size)

    monkeypatch.setattr(files, "copy_range", copy_range)
    assert publish(site_demo, public).exit_code == 0
    first = log.read_bytes()
    with site_demo.open() as registry:
        activity, member = registry.one("SELECT id FROM activities WHERE status = 'confirmed' LIMIT 1")["id"], \
            registry.one("SELECT min(id) AS id FROM members")["id"]
    assert site_demo.run("activities", "edit", str(activity), "--title", "Renamed, with \"quotes\"").exit_code == 0
    assert site_demo.run("members", "edit", str(member), "--name", "Renamed body").exit_code == 0
    assert publish(site_demo, public).exit_code == 0
    assert copied == [len(first)]  # the old rows were copied, not written again
    with site_demo.open() as registry:
        count = registry.one("SELECT count(*) AS n FROM changes")["n"]
    rows = list(csv.reader(io.StringIO(log.read_text("utf-8"))))
    assert len(rows) == count + 1 and rows[-2][4] == "activity" and rows[-1][4] == "member"
    fresh = tmp_path / "fresh"
    assert publish(site_demo, fresh).exit_code == 0
    assert log.read_bytes() == (fresh / "logs" / "changes.csv").read_bytes()
    # edited by hand since: it no longer holds what was written, so it is written afresh
    log.write_bytes(log.read_bytes() + b"edited by hand\n")
    assert site_demo.run("activities", "edit", str(activity), "--title", "Renamed again").exit_code == 0
    assert publish(site_demo, public).exit_code == 0 and len(copied) == 1
    fresh = tmp_path / "fresh-again"
    assert publish(site_demo, fresh).exit_code == 0
    assert log.read_bytes() == (fresh / "logs" / "changes.csv").read_bytes() and b"by hand" not in log.read_bytes()
    assert site_demo.run("activities", "edit", str(activity), "--title", "Renamed once more").exit_code == 0
    assert publish(site_demo, public).exit_code == 0 and len(copied) == 2


def test_a_report_whose_charts_show_the_same_figures_is_written_without_drawing_them(site_demo, tmp_path,
                                                                                     monkeypatch):
    """Drawing a chart loads matplotlib; a report written again for a change its charts do not show (a new
    title) takes them from its last version, and is byte for byte the report a fresh publication draws."""
    from peerlearn.reports import charts

    drawn = []
    for name in ("activities_by_month", "participants_by_country"):
        original = getattr(charts, name)
        monkeypatch.setattr(charts, name, lambda report, *args, _name=name, _original=original, **kwargs: (
            drawn.append(_name), _original(report, *args, **kwargs))[1])
    public = tmp_path / "public"
    year = str(__import__("datetime").date.today().year)
    # the demo dated from the middle of this year: this year's report shows activities that took place (in
    # January, one dated from today would have none yet)
    assert site_demo.run("--today", f"{year}-07-15", "demo", "--force").exit_code == 0
    assert publish(site_demo, public).exit_code == 0
    with site_demo.open() as registry:
        activity = registry.one("SELECT id, network FROM activities WHERE status != 'draft'"
                                " AND rrule = '' AND start_local LIKE ? ORDER BY id LIMIT 1", [f"{year}-%"])
    report = public / "logs" / f"{activity['network']}-report-{year}.html"
    assert b"<svg " in report.read_bytes() and drawn
    before = report.read_bytes()
    drawn.clear()

    def fresh_report(name):
        fresh = tmp_path / name
        assert publish(site_demo, fresh).exit_code == 0
        return (fresh / "logs" / report.name).read_bytes()

    assert site_demo.run("activities", "edit", str(activity["id"]), "--title", "A new title").exit_code == 0
    result = publish(site_demo, public, "--json")
    assert result.exit_code == 0, result.output
    assert report.read_bytes() != before and b"A new title" in report.read_bytes()  # written again
    assert drawn == []  # its charts were not drawn
    assert report.read_bytes() == fresh_report("fresh")
    drawn.clear()
    # one more activity that year: the chart of activities per month shows it, and is drawn again
    added = site_demo.run("activities", "add", "--network", activity["network"], "--kind", "workshop", "--title",
                          "Added", "--start", f"{year}-12-15 09:00", "--end", "12:00")
    assert added.exit_code == 0, added.output
    assert publish(site_demo, public).exit_code == 0
    assert "activities_by_month" in drawn
    drawn.clear()
    assert report.read_bytes() == fresh_report("fresh-again")
    # a report changed by hand since is not read back: its charts are drawn
    report.write_bytes(report.read_bytes().replace(b"<svg ", b"<svg data-edited ", 1))
    assert site_demo.run("activities", "edit", str(activity["id"]), "--title", "Another title").exit_code == 0
    assert publish(site_demo, public).exit_code == 0
    assert "activities_by_month" in drawn and b"data-edited" not in report.read_bytes()


def spliced_logs(monkeypatch) -> list:
    """Keep rows beside every log, however short (the demo's are), and note what each splice of a log returns
    (its rows; None where it could not splice), in order."""
    from peerlearn.publishing import rows

    monkeypatch.setattr(rows, "SPLICE_ROWS", 1)
    spliced: list = []
    original = rows.write_spliced
    monkeypatch.setattr(rows, "write_spliced", lambda *args: spliced.append(original(*args)) or spliced[-1])
    return spliced


def test_a_log_written_again_for_a_few_activities_copies_the_other_rows(site_demo, tmp_path, monkeypatch):
    """Each network's log keeps where its rows are; a change to a few activities renders their rows only, the
    others are copied from the file, and the log is byte for byte what a fresh publication writes."""
    spliced = spliced_logs(monkeypatch)
    public = tmp_path / "public"
    assert publish(site_demo, public).exit_code == 0
    with site_demo.open() as registry:
        first, second = (row["id"] for row in registry.rows(
            "SELECT id FROM activities WHERE network = 'esf_migration' AND rrule = '' ORDER BY start_utc LIMIT 2"))
        member = registry.one("SELECT min(m.member_id) AS id FROM memberships m WHERE m.network = 'esf_migration'"
                              " AND m.member_id NOT IN (SELECT member_id FROM participations WHERE activity_id = ?)",
                              [second])["id"]
    steps = [
        ("activities", "edit", first, "--title", "First, renamed"),
        ("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title", "Added", "--start",
         "2020-01-07 09:00", "--end", "12:00"),  # a row before every other
        ("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title", "Added last",
         "--start", "2031-01-07 09:00", "--end", "12:00"),
        ("participants", "invite", second, member),
        ("activities", "delete", second),
        ("members", "edit", member, "--name", "Renamed body"),  # names no network: every log is written whole
    ]
    for number, step in enumerate(steps):
        result = site_demo.run(*map(str, step))
        assert result.exit_code == 0, (step, result.output)
        assert publish(site_demo, public).exit_code == 0
        fresh = tmp_path / f"fresh-{number}"
        assert publish(site_demo, fresh).exit_code == 0
        for log in ("esf_migration-log.csv", "esf_migration-log.html", "pes-log.csv"):
            assert (public / "logs" / log).read_bytes() == (fresh / "logs" / log).read_bytes(), (step, log)
        if step[0] != "members":
            assert len(spliced) == 2 * (number + 1) and None not in spliced, step  # csv and html, spliced
    assert len(spliced) == 2 * (len(steps) - 1)
    table = list(csv.reader(io.StringIO((public / "logs" / "esf_migration-log.csv").read_text("utf-8"))))
    titles = [row[4] for row in table[1:]]
    assert titles[0] == "Added" and titles[-1] == "Added last" and "First, renamed" in titles


def test_a_log_with_a_start_stored_another_way_is_written_whole_and_keeps_no_rows(site_demo, tmp_path,
                                                                                  monkeypatch):
    """A log's rows keep each start as a number; a start stored before starts were checked, not written as
    the others, cannot be one: that log is written whole, keeps no rows, and still equals a fresh one."""
    from peerlearn.publishing import rows

    spliced = spliced_logs(monkeypatch)
    public = tmp_path / "public"
    kept = rows.rows_path(public / "logs" / "esf_migration-log.csv")
    assert publish(site_demo, public).exit_code == 0 and kept.exists()
    with site_demo.open() as registry:
        odd, other = (row["id"] for row in registry.rows(
            "SELECT id FROM activities WHERE network = 'esf_migration' AND rrule = '' ORDER BY start_utc LIMIT 2"))
        stored = registry.one("SELECT start_utc FROM activities WHERE id = ?", [odd])["start_utc"]
    for number, (start, changed) in enumerate([(stored.replace("T", " ").rstrip("Z"), odd), (stored, other),
                                                (stored, odd)]):
        assert site_demo.run("activities", "edit", str(changed), "--title", f"Renamed {number}").exit_code == 0
        with site_demo.open() as registry:  # (after the edit, which writes the start as it always does)
            registry.db.execute("UPDATE activities SET start_utc = ? WHERE id = ?", [start, odd])
        before = len(spliced)
        assert publish(site_demo, public).exit_code == 0
        fresh = tmp_path / f"fresh-{number}"
        assert publish(site_demo, fresh).exit_code == 0
        for log in ("esf_migration-log.csv", "esf_migration-log.html"):
            assert (public / "logs" / log).read_bytes() == (fresh / "logs" / log).read_bytes(), (number, log)
        if number == 0:  # the odd start: not spliced, and no rows kept for the next publication
            assert spliced[before:] == [None, None] and not kept.exists()
        elif number == 1:  # written whole (nothing kept to splice), with its rows again
            assert spliced[before:] == [] and kept.exists()
        else:
            assert len(spliced) == before + 2 and None not in spliced[before:]


@pytest.mark.parametrize("damage", ["older format", "cut short", "a byte changed", "another file"])
def test_rows_that_do_not_describe_the_log_are_not_used(site_demo, tmp_path, monkeypatch, damage):
    """Rows of an earlier format, cut short, changed by a byte, or kept for the log as it was before are read as
    none: the log is written whole, equal to a fresh publication, and its rows are kept anew."""
    from peerlearn.publishing import rows

    spliced = spliced_logs(monkeypatch)
    public = tmp_path / "public"
    assert publish(site_demo, public).exit_code == 0
    log = public / "logs" / "esf_migration-log.csv"
    kept = rows.rows_path(log)
    data = kept.read_bytes()
    end = data.index(b"\n")
    header = json.loads(data[:end])
    if damage == "older format":
        header["version"] = rows.ROWS_VERSION - 1
        data = json.dumps(header).encode() + data[end:]
    elif damage == "cut short":
        data = data[:-8]
    elif damage == "a byte changed":
        data = data[:end + 9] + bytes([data[end + 9] ^ 1]) + data[end + 10:]
    kept.write_bytes(data)
    if damage == "another file":  # the log changed since, its size kept: the rows no longer describe it
        text = log.read_bytes()
        log.write_bytes(text[:1].swapcase() + text[1:])
    with site_demo.open() as registry:
        first = registry.one("SELECT min(id) AS id FROM activities"
                             " WHERE network = 'esf_migration' AND rrule = ''")["id"]
    assert site_demo.run("activities", "edit", str(first), "--title", "Renamed once more").exit_code == 0
    assert publish(site_demo, public).exit_code == 0
    fresh = tmp_path / "fresh"
    assert publish(site_demo, fresh).exit_code == 0
    assert log.read_bytes() == (fresh / "logs" / log.name).read_bytes()
    assert len(spliced) == 1  # the HTML log, whose rows were left alone; the CSV log was written whole
    renewed = kept.read_bytes()
    assert rows.read(log, json.loads(renewed[:renewed.index(b"\n")])["source"]) is not None  # kept anew
