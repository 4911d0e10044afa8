"""One lifecycle for an activity's status, whatever command changes it; capacity; attendance is final."""

from __future__ import annotations

import json
import re

import feedcheck
import pytest

STATUSES = ("draft", "tentative", "confirmed", "cancelled", "completed")
#: What the lifecycle allows (the issue's rule, written out): draft -> tentative/confirmed -> completed,
#: anything not completed -> cancelled, cancelled -> back only through reinstate.
ALLOWED = {
    ("draft", "tentative"), ("draft", "confirmed"), ("draft", "cancelled"),
    ("tentative", "confirmed"), ("tentative", "completed"), ("tentative", "cancelled"),
    ("confirmed", "tentative"), ("confirmed", "completed"), ("confirmed", "cancelled"),
}
HOW = {"draft": ("edit", "--status", "draft"), "tentative": ("edit", "--status", "tentative"),
       "confirmed": ("edit", "--status", "confirmed"), "cancelled": ("cancel",), "completed": ("complete",)}


@pytest.fixture
def pes(env):
    for name, country in (("VDAB", "BE"), ("Bundesagentur für Arbeit", "DE"), ("NAV", "NO")):
        assert env.run("members", "add", name, "--country", country, "--network", "pes", "--category", "public employment service").exit_code == 0
    return env


def activity_in(env, status: str) -> str:
    """A past pes event in ``status``, reached by the commands a secretariat would use."""
    first = "draft" if status == "draft" else "confirmed"
    result = env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", f"Was {status}",
                     "--start", "2025-06-10 09:00", "--end", "12:00", "--status", first, "--json")
    activity = str(json.loads(result.stdout)["id"])
    if status != first:
        assert env.run("activities", *HOW[status][:1], activity, *HOW[status][1:]).exit_code == 0
    return activity


def shown(env, activity: str) -> dict:
    return json.loads(env.run("activities", "show", activity, "--json").stdout)


CHANGES = [(start, target) for start in STATUSES for target in STATUSES if start != target]


@pytest.mark.parametrize("start,target", CHANGES, ids=[f"{start}->{target}" for start, target in CHANGES])
def test_every_status_change_follows_the_one_lifecycle(pes, start, target):
    activity = activity_in(pes, start)
    before = shown(pes, activity)
    result = pes.run("activities", HOW[target][0], activity, *HOW[target][1:])
    if (start, target) in ALLOWED:
        assert result.exit_code == 0, result.stderr
        after = shown(pes, activity)
        assert after["status"] == target and after["sequence"] == before["sequence"] + 1
    else:
        assert result.exit_code == 1 and re.fullmatch(r"Error: activity #\d+ [^\n]+\n", result.stderr), result.stderr
        assert shown(pes, activity) == before


def test_a_cancelled_activity_never_leaves_the_feed_and_comes_back_by_reinstate(pes):
    activity = activity_in(pes, "cancelled")
    uid = shown(pes, activity)["uid"]

    def in_feed():
        ics = pes.run("export", "ics", "--activity", activity, "--from", "2025-01-01")
        return feedcheck.events(ics.stdout_bytes)[uid]

    cancelled = in_feed()
    assert cancelled["status"] == "CANCELLED"
    for status in ("draft", "tentative", "confirmed"):
        assert pes.run("activities", "edit", activity, "--status", status).exit_code == 1
    assert pes.run("activities", "complete", activity).exit_code == 1
    assert in_feed() == cancelled
    result = pes.run("activities", "reinstate", activity)
    assert result.exit_code == 0 and "as confirmed" in result.stdout
    back = in_feed()
    assert back["status"] == "CONFIRMED" and back["sequence"] == cancelled["sequence"] + 1
    again = pes.run("activities", "reinstate", activity)
    assert again.exit_code == 1 and "not cancelled; there is nothing to reinstate" in again.stderr
    assert pes.run("activities", "cancel", activity).exit_code == 0
    assert pes.run("activities", "reinstate", activity, "--status", "tentative").exit_code == 0
    assert in_feed()["status"] == "TENTATIVE"
    log = json.loads(pes.run("changes", "--entity", "activity", "--json").stdout)
    assert [c["action"] for c in log if c["entity_id"] == activity] == ["create", "cancel", "reinstate", "cancel",
                                                                        "reinstate"]


def test_a_future_activity_cannot_be_completed_whatever_the_command(pes):
    result = pes.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Ahead",
                     "--start", "2099-06-10 09:00", "--end", "12:00", "--json")
    activity = str(json.loads(result.stdout)["id"])
    refused = pes.run("activities", "complete", activity)
    assert refused.exit_code == 1 and "has not started yet" in refused.stderr
    from peerlearn.agenda import schedule
    from peerlearn.errors import ValidationError

    with pes.open() as registry:
        with pytest.raises(ValidationError, match="has not started yet"):
            with registry.transaction():
                schedule.edit(registry, activity, status="completed")


def test_lowering_capacity_below_the_places_taken_warns_naming_who_is_over(pes):
    result = pes.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Seminar",
                     "--start", "2099-06-10 09:00", "--end", "12:00", "--json")
    activity = str(json.loads(result.stdout)["id"])
    for member in ("VDAB", "NAV", "Bundesagentur für Arbeit"):
        assert pes.run("participants", "register", activity, member).exit_code == 0
    lowered = pes.run("activities", "edit", activity, "--capacity", "1")
    assert lowered.exit_code == 0
    assert lowered.stderr == (f"Warning: activity #{activity} now has 3 places taken for a capacity of 1;"
                              " over it: NAV, Bundesagentur für Arbeit (they keep their places until they decline)\n")
    statuses = {p["name"]: p["status"] for p in shown(pes, activity)["participants"]}
    assert set(statuses.values()) == {"registered"}
    quiet = pes.run("activities", "edit", activity, "--capacity", "5")
    assert quiet.exit_code == 0 and quiet.stderr == ""


@pytest.mark.parametrize("command", ["decline", "register"])
def test_attendance_is_final(pes, command):
    activity = activity_in(pes, "confirmed")
    assert pes.run("participants", "register", activity, "VDAB").exit_code == 0
    assert pes.run("participants", "attend", activity, "VDAB").exit_code == 0
    result = pes.run("participants", command, activity, "VDAB")
    assert result.exit_code == 1
    assert re.fullmatch(rf"Error: 'VDAB' attended activity #{activity}; attendance is final and cannot become \w+\n",
                        result.stderr), result.stderr
    assert [p["status"] for p in shown(pes, activity)["participants"]] == ["attended"]
