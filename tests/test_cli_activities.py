"""``peerlearn activities``, ``participants``, ``outputs`` and ``changes``."""

import json

import pytest

ADD = ["activities", "add", "--network", "pes", "--kind", "event"]


def listed(env, *args):
    result = env.run("activities", "list", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def pes(env):
    for name, country in (("VDAB", "BE"), ("Bundesagentur für Arbeit", "DE"), ("NAV", "NO")):
        assert env.run("members", "add", name, "--country", country, "--network", "pes", "--category", "public employment service").exit_code == 0
    return env


def test_add_keeps_local_wall_time_and_zone(pes):
    result = pes.run(*ADD, "--title", "Webinar", "--start", "2026-11-02 09:30", "--end", "11:00",
                     "--tz", "America/New_York", "--json")
    assert result.exit_code == 0, result.stderr
    activity = json.loads(result.stdout)
    assert activity["start"] == "2026-11-02T09:30:00-05:00" and activity["timezone"] == "America/New_York"
    assert activity["uid"].endswith("@peerlearn") and activity["sequence"] == 0
    shown = json.loads(pes.run("activities", "show", str(activity["id"]), "--json").stdout)
    assert shown["start"] == activity["start"] and shown["uid"] == activity["uid"]


def test_whole_day_activities_are_all_day_with_exclusive_end(pes):
    pes.run("activities", "add", "--network", "pes", "--kind", "peer_review", "--title", "Peer review",
            "--start", "2026-09-15", "--end", "2026-09-16", "--city", "Helsinki", "--country", "FI")
    activity = listed(pes)[0]
    assert activity["all_day"] is True
    assert activity["start"] == "2026-09-15T00:00:00+02:00" and activity["end"] == "2026-09-17T00:00:00+02:00"


def test_list_filters(pes):
    pes.run(*ADD, "--title", "June", "--start", "2026-06-10 09:00", "--end", "12:00")
    pes.run(*ADD, "--title", "September", "--start", "2026-09-10 09:00", "--end", "12:00")
    pes.run("activities", "add", "--network", "pes", "--kind", "peer_review", "--title", "Review",
            "--start", "2026-07-01")
    pes.run("activities", "add", "--network", "mutual_learning", "--kind", "conference", "--title", "MLC",
            "--start", "2026-07-02")
    assert [a["title"] for a in listed(pes, "--network", "pes")] == ["June", "Review", "September"]
    assert [a["title"] for a in listed(pes, "--kind", "event")] == ["June", "September"]
    assert [a["title"] for a in listed(pes, "--from", "2026-07-01", "--to", "2026-08-01")] == ["Review", "MLC"]
    pes.run("activities", "cancel", "1")
    assert [a["title"] for a in listed(pes, "--status", "cancelled")] == ["June"]
    table = pes.run("activities", "list").stdout.splitlines()
    assert table[0].split() == ["id", "when", "network", "kind", "status", "title", "where"]


def test_edit_and_reschedule_raise_sequence_only_for_calendar_changes(pes):
    pes.run(*ADD, "--title", "Event", "--start", "2026-06-10 09:00", "--end", "12:00")
    assert pes.run("activities", "edit", "1", "--capacity", "40").exit_code == 0
    assert listed(pes)[0]["sequence"] == 0
    pes.run("activities", "edit", "1", "--city", "Oslo", "--country", "NO")
    assert listed(pes)[0]["sequence"] == 1
    moved = pes.run("activities", "reschedule", "1", "--start", "2026-06-11 14:00")
    assert moved.exit_code == 0, moved.stderr
    activity = listed(pes)[0]
    assert activity["start"] == "2026-06-11T14:00:00+02:00" and activity["end"] == "2026-06-11T17:00:00+02:00"
    assert activity["sequence"] == 2
    pes.run("activities", "reschedule", "1", "--start", "2026-06-12")
    assert listed(pes)[0]["start"] == "2026-06-12T14:00:00+02:00"


def test_cancel_complete_delete(pes):
    pes.run(*ADD, "--title", "Past", "--start", "2020-06-10 09:00", "--end", "12:00")
    pes.run(*ADD, "--title", "Future", "--start", "2099-06-10 09:00", "--end", "12:00")
    assert pes.run("activities", "complete", "1").exit_code == 0
    early = pes.run("activities", "complete", "2")
    assert early.exit_code == 1 and "has not started yet" in early.stderr
    assert pes.run("activities", "cancel", "2").exit_code == 0
    again = pes.run("activities", "cancel", "2")
    assert again.exit_code == 1 and "already cancelled" in again.stderr
    assert [(a["title"], a["status"], a["sequence"]) for a in listed(pes)] == [
        ("Past", "completed", 1), ("Future", "cancelled", 1)]
    assert pes.run("activities", "delete", "2").exit_code == 0
    assert [a["title"] for a in listed(pes)] == ["Past"]


def test_participants_waitlist_beyond_capacity_and_attend(pes):
    pes.run(*ADD, "--title", "Small", "--start", "2020-06-10 09:00", "--end", "12:00", "--capacity", "2")
    assert pes.run("participants", "invite", "1", "VDAB", "NAV", "Bundesagentur für Arbeit").exit_code == 0
    registered = pes.run("participants", "register", "1", "VDAB", "NAV", "Bundesagentur für Arbeit")
    assert registered.exit_code == 0, registered.stderr
    people = json.loads(pes.run("participants", "list", "1", "--json").stdout)
    assert {p["name"]: p["status"] for p in people} == {
        "Bundesagentur für Arbeit": "waitlisted", "NAV": "registered", "VDAB": "registered"}
    assert pes.run("participants", "attend", "1", "VDAB").exit_code == 0
    assert pes.run("participants", "decline", "1", "NAV").exit_code == 0
    people = json.loads(pes.run("participants", "list", "1", "--json").stdout)
    assert {p["name"]: p["status"] for p in people}["VDAB"] == "attended"


def test_outputs_add_and_list(pes):
    pes.run(*ADD, "--title", "Refugees event", "--start", "2020-06-10 09:00", "--end", "12:00")
    added = pes.run("outputs", "add", "1", "--kind", "paper", "--title", "Key considerations",
                    "--url", "https://example.org/paper.pdf", "--date", "2020-07-01", "--json")
    assert added.exit_code == 0, added.stderr
    rows = json.loads(pes.run("outputs", "list", "--network", "pes", "--json").stdout)
    assert [(o["kind"], o["title"], o["date"]) for o in rows] == [("paper", "Key considerations", "2020-07-01")]
    bad = pes.run("outputs", "add", "1", "--kind", "paper", "--title", "X", "--date", "July")
    assert bad.exit_code == 1 and "--date: 'July' is not a date" in bad.stderr


def test_changes_record_who_what_when_with_before_and_after(pes):
    pes.run("--actor", "secretariat@pes", *ADD, "--title", "Event", "--start", "2026-06-10 09:00", "--end", "12:00")
    pes.run("--actor", "secretariat@pes", "activities", "reschedule", "1", "--start", "2026-06-11 09:00")
    changes = json.loads(pes.run("changes", "--network", "pes", "--entity", "activity", "--json").stdout)
    assert [(c["action"], c["actor"]) for c in changes] == [("create", "secretariat@pes"),
                                                            ("reschedule", "secretariat@pes")]
    assert changes[1]["before"]["start"] == "2026-06-10T09:00:00+02:00"
    assert changes[1]["after"]["start"] == "2026-06-11T09:00:00+02:00"
    assert changes[0]["at"].endswith("+00:00")
    assert json.loads(pes.run("changes", "--since", "2999-01-01", "--json").stdout) == []
    member_changes = json.loads(pes.run("changes", "--entity", "member", "--json").stdout)
    assert member_changes and all(c["actor"] == "tester" for c in member_changes)


def test_private_email_never_enters_the_change_log(pes):
    pes.run("members", "add", "Forem", "--country", "BE", "--email", "secret@forem.example")
    log = pes.run("changes", "--json").stdout
    assert "secret@forem.example" not in log and "(private)" in log


def test_info_reports_path_schema_counts_and_plugins(pes):
    info = json.loads(pes.run("info", "--json").stdout)
    assert info["counts"]["members"] == 3 and info["schema_version"].startswith("m0")
    assert "pes" in info["plugins"] and info["database"].endswith("registry.db")
