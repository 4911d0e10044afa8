"""``peerlearn demo``: a registry built from the seed documents."""

import json


def test_demo_fills_registry_with_all_four_networks(demo_env):
    networks = json.loads(demo_env.run("networks", "list", "--json").stdout)
    assert [n["slug"] for n in networks] == ["esf_migration", "integration_network", "mutual_learning", "pes"]
    activities = json.loads(demo_env.run("activities", "list", "--json").stdout)
    statuses = {a["status"] for a in activities}
    assert {"cancelled", "completed", "confirmed"} <= statuses
    assert {a["kind"] for a in activities} >= {"workshop", "peer_review", "site_visit", "study_visit", "conference"}
    members = json.loads(demo_env.run("members", "list", "--json").stdout)
    assert len(members) >= 30
    assert len({m["country"] for m in members}) >= 10
    outputs = json.loads(demo_env.run("outputs", "list", "--json").stdout)
    completed = {a["id"] for a in activities if a["status"] == "completed"}
    assert completed and {o["activity_id"] for o in outputs} == completed


def test_demo_refuses_to_overwrite_without_force(demo_env):
    before = demo_env.fingerprint()
    result = demo_env.run("demo")
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert demo_env.fingerprint() == before
    assert demo_env.run("demo", "--force").exit_code == 0


def test_demo_publish_writes_feeds_logs_reports_and_the_site(env, tmp_path):
    import datetime as dt

    import icalendar

    env.load("esf_migration", "integration_network", "mutual_learning", "pes", "site", "demo")
    public = tmp_path / "public"
    # dated from the middle of this year: the year's report has activities that took place, whatever today is
    year = dt.date.today().year
    result = env.run("--today", f"{year}-07-15", "demo", "--publish", str(public))
    assert result.exit_code == 0, result.output
    assert "the event website at" in result.stdout
    calendar = icalendar.Calendar.from_ical((public / "feeds" / "networks" / "mutual_learning.ics").read_bytes())
    titles = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert any("Mutual Learning Conference" in title for title in titles)
    assert (public / "logs" / "pes-log.csv").read_text(encoding="utf-8").startswith("id,date,")
    report = (public / "logs" / f"pes-report-{year}.html").read_text(encoding="utf-8")
    assert report.count("<svg") >= 2
    assert "Mutual Learning Programme" in (public / "index.html").read_text(encoding="utf-8")


def test_failed_demo_leaves_the_existing_registry_as_it_was(demo_env):
    from peerlearn import hookimpl

    class Refuse:
        @hookimpl
        def peerlearn_validate_member(self, member):
            if member.country == "NO":
                return ["no members from Norway today"]
            return None

    before = demo_env.fingerprint()
    demo_env.register(Refuse(), name="refuse")
    result = demo_env.run("demo", "--force")
    assert result.exit_code == 1 and "no members from Norway today" in result.stderr
    assert demo_env.fingerprint() == before
    assert [p.name for p in demo_env.db.parent.iterdir() if "building" in p.name] == []
