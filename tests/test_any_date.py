"""Any date: the demo and its checks on days far from today, and the steps after an event rehearsed early.

No faked clock: the CLI takes the day it is told (``--today`` / ``PEERLEARN_TODAY``) and passes it down.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import icalendar
import pytest

NETWORKS = ("esf_migration", "integration_network", "mutual_learning", "pes")
DAYS = ["2027-09-01", "2030-01-01", "2035-06-30"]


def ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("day", DAYS)
def test_the_demo_and_its_checks_run_on_any_day(env, monkeypatch, tmp_path, day):
    env.load(*NETWORKS, "site", "demo")
    monkeypatch.setenv("PEERLEARN_TODAY", day)
    today = dt.date.fromisoformat(day)
    built = ok(env.run("demo"))
    assert "13 activities" in built.stdout
    activities = json.loads(ok(env.run("activities", "list", "--json")).stdout)
    starts = {a["title"]: dt.datetime.fromisoformat(a["start"]).date() for a in activities}
    # two years of activities around the day: a past and a future
    assert min(starts.values()) < today < max(starts.values())
    assert all(abs((start - today).days) < 366 for start in starts.values())
    completed = [a for a in activities if a["status"] == "completed"]
    assert completed and all(starts[a["title"]] < today for a in completed)
    assert {a["status"] for a in activities if starts[a["title"]] > today} == {"confirmed"}
    attended = json.loads(ok(env.run("participants", "list", str(completed[0]["id"]), "--json")).stdout)
    assert {p["status"] for p in attended} == {"attended"}
    # ESF activities after its last programming period are accepted, with a warning, and shown so
    if today.year >= 2028:
        assert "is after the last ESF programming period known" in built.stderr

    conference = next(a["id"] for a in activities if a["kind"] == "conference")
    checked = ok(env.run("agenda", "check", str(conference)))
    assert "0 error(s)" in checked.stderr

    feeds = tmp_path / "feeds"
    ok(env.run("feeds", "build", str(feeds), "--private-dir", str(tmp_path / "private")))
    assert (feeds / "networks" / "esf_migration.ics").exists()
    # every event of the network (a built feed holds the coming months of the real clock, not of --today)
    esf = icalendar.Calendar.from_ical(ok(env.run("export", "ics", "--network", "esf_migration",
                                                  "--from", "2000-01-01")).stdout_bytes)
    periods = {str(event["X-ESF-PROGRAMMING-PERIOD"]) for event in esf.walk("VEVENT")}
    assert periods == ({"no period yet"} if today.year >= 2029 else {"2021-2027", "no period yet"})

    log = ok(env.run("log", "--network", "pes", "--format", "csv", "--from", f"{today.year - 1}-01-01",
                     "--to", f"{today.year + 1}-12-31"))
    rows = list(csv.DictReader(io.StringIO(log.stdout)))
    assert len(rows) == sum(1 for a in activities if a["network"] == "pes")

    report = ok(env.run("report", "--network", "mutual_learning", "--year", str(today.year), "--format", "html"))
    assert report.stdout.count("<svg") >= 1

    site = tmp_path / "site"
    ok(env.run("site", "build", str(site)))
    assert "Mutual Learning Programme" in (site / "index.html").read_text(encoding="utf-8")
    assert any("Mutual Learning Conference" in page.read_text(encoding="utf-8") for page in site.rglob("*.html"))


def test_the_demo_is_dated_from_the_day_it_is_given_not_the_clock(env):
    from peerlearn import plugins
    from peerlearn_plugins.demo.data import MLC_TITLE, build_demo

    env.run("init")
    with env.open() as registry:
        with registry.transaction():
            build_demo(registry, dt.date(2041, 3, 15))
        conference = registry.one("SELECT start_local FROM activities WHERE title = ?", [MLC_TITLE])
        done = {row["end_local"][:10] for row in registry.query(
            "SELECT end_local FROM activities WHERE status = 'completed'")}
        past = registry.one("SELECT count(*) AS n FROM activities WHERE end_local < '2041-03-15'"
                            " AND status != 'cancelled'")["n"]
    assert conference["start_local"].startswith("2041-08-")  # five months after the day, on a Tuesday
    assert dt.date.fromisoformat(conference["start_local"][:10]).weekday() == 1
    assert len(done) == past > 5 and max(done) < "2041-03-15"
    plugins.reset()


def test_a_day_that_is_not_a_date_is_a_usage_error(env):
    result = env.run("--today", "tomorrow", "demo")
    assert result.exit_code == 2 and "'tomorrow' is not a date" in result.stderr
    assert not env.db.exists()
    result = env.run("demo", env={"PEERLEARN_TODAY": "2027-02-30"})
    assert result.exit_code == 2 and "'2027-02-30' is not a valid date" in result.stderr


# -- rehearsing the steps after an event -------------------------------------------------------------------


@pytest.fixture
def upcoming(env):
    """A PES event in 2099 with one registered member."""
    ok(env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category",
               "public employment service"))
    ok(env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Future event",
               "--start", "2099-06-10 09:00", "--end", "17:00"))
    ok(env.run("participants", "register", "1", "VDAB"))
    return env


def status_of(env) -> tuple[str, str]:
    shown = json.loads(env.run("activities", "show", "1", "--json").stdout)
    return shown["status"], shown["participants"][0]["status"]


@pytest.mark.parametrize("args, message", [
    (("participants", "attend", "1", "VDAB"),
     "Error: activity #1 has not started yet; attendance comes after (or is recorded early, to rehearse)\n"),
    (("activities", "complete", "1"),
     "Error: activity #1 has not started yet; it cannot be completed (except early, to rehearse)\n"),
])
def test_after_event_steps_before_the_start_are_refused(upcoming, args, message):
    before = upcoming.fingerprint()
    result = upcoming.run(*args)
    assert result.exit_code == 1 and result.stderr == message
    assert upcoming.fingerprint() == before


def test_after_event_steps_can_be_rehearsed_early_with_a_warning(upcoming):
    attended = ok(upcoming.run("participants", "attend", "1", "VDAB", "--allow-early"))
    assert attended.stderr.splitlines()[0] == (
        "Warning: activity #1 has not started yet (it starts 2099-06-10 09:00 Europe/Brussels); 'VDAB' is marked as"
        " attended early")
    completed = ok(upcoming.run("activities", "complete", "1", "--allow-early"))
    assert completed.stderr.splitlines()[0] == (
        "Warning: activity #1 has not started yet (it starts 2099-06-10 09:00 Europe/Brussels); it is completed early")
    assert status_of(upcoming) == ("completed", "attended")


def test_a_rehearsal_can_be_a_dry_run(upcoming):
    before = upcoming.fingerprint()
    dry = ok(upcoming.run("activities", "complete", "1", "--allow-early", "--dry-run"))
    assert dry.stdout.splitlines()[0] == "Dry run: nothing written; 1 change(s) would be recorded:"
    assert "completed early" in dry.stderr
    assert upcoming.fingerprint() == before


def test_the_day_taken_as_today_decides_whether_an_activity_has_started(upcoming):
    ok(upcoming.run("--today", "2099-06-11", "participants", "attend", "1", "VDAB"))
    completed = ok(upcoming.run("activities", "complete", "1", env={"PEERLEARN_TODAY": "2099-06-11"}))
    assert "Warning" not in completed.stderr
    assert status_of(upcoming) == ("completed", "attended")
    # the change log keeps the real time, not the day taken as today
    changes = json.loads(upcoming.run("changes", "--limit", "1", "--json").stdout)
    assert changes[0]["at"][:4] != "2099"


def test_demo_publish_reports_the_year_of_the_day_it_is_given(env, tmp_path):
    env.load(*NETWORKS, "demo")
    public = tmp_path / "public"
    ok(env.run("--today", "2035-06-30", "demo", "--publish", str(public)))
    assert (public / "logs" / "pes-report-2035.html").is_file()
    assert not (public / "logs" / f"pes-report-{dt.date.today().year}.html").exists()
