"""Raising an activity's capacity or country quota moves people up from the waiting list, in order, naming them."""

from __future__ import annotations

import json

import pytest

PES = "public employment service"
#: name, country, in the order they register
PEOPLE = [("VDAB", "BE"), ("NAV", "NO"), ("Forem", "BE"), ("Actiris", "BE"), ("AMS", "AT"), ("Arbetsförmedlingen",
                                                                                               "SE")]


@pytest.fixture
def full(env):
    """A PES event for 2 with 4 people waiting: Forem, Actiris, AMS, Arbetsförmedlingen, in that order."""
    for name, country in PEOPLE:
        assert env.run("members", "add", name, "--country", country, "--network", "pes", "--category",
                       PES).exit_code == 0
    added = env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Seminar",
                    "--start", "2099-06-10 09:00", "--end", "12:00", "--capacity", "2")
    assert added.exit_code == 0, added.output
    # registered one at a time, so each waits from a later moment than the one before
    for name, _country in PEOPLE:
        assert env.run("participants", "register", "1", name).exit_code == 0
    assert statuses(env) == {"VDAB": "registered", "NAV": "registered", "Forem": "waitlisted",
                             "Actiris": "waitlisted", "AMS": "waitlisted", "Arbetsförmedlingen": "waitlisted"}
    return env


def statuses(env) -> dict[str, str]:
    return {row["name"]: row["status"] for row in json.loads(env.run("participants", "list", "1", "--json").stdout)}


def test_raising_the_capacity_moves_the_first_waitlisted_up_and_says_who(full):
    raised = full.run("activities", "edit", "1", "--capacity", "4")
    assert raised.exit_code == 0, raised.output
    assert raised.stderr.splitlines() == [
        "Warning: 'Forem' moves up from the waiting list of activity #1",
        "Warning: 'Actiris' moves up from the waiting list of activity #1",
        "Notices queued for 0 people (2 people not told: no email)."]  # the outbox heard of both
    assert statuses(full) == {"VDAB": "registered", "NAV": "registered", "Forem": "registered",
                              "Actiris": "registered", "AMS": "waitlisted", "Arbetsförmedlingen": "waitlisted"}
    changes = json.loads(full.run("changes", "--limit", "3", "--json").stdout)
    assert [(c["action"], c["entity"], c["before"]["status"], c["after"]["status"]) for c in changes] == [
        ("update", "activity", "confirmed", "confirmed"), ("registered", "participation", "waitlisted", "registered"),
        ("registered", "participation", "waitlisted", "registered")]


def test_a_country_quota_passes_over_who_does_not_fit(full):
    assert full.run("activities", "edit", "1", "--country-quota", "1").exit_code == 0
    raised = full.run("activities", "edit", "1", "--capacity", "5")
    assert raised.exit_code == 0, raised.output
    # Forem and Actiris are from BE, which has its one place (VDAB): AMS and Arbetsförmedlingen move up
    assert raised.stderr.splitlines()[:2] == [
        "Warning: 'AMS' moves up from the waiting list of activity #1",
        "Warning: 'Arbetsförmedlingen' moves up from the waiting list of activity #1"]
    raised_quota = full.run("activities", "edit", "1", "--country-quota", "3")
    assert raised_quota.stderr.splitlines()[0] == "Warning: 'Forem' moves up from the waiting list of activity #1"
    assert statuses(full)["Actiris"] == "waitlisted"  # the capacity of 5 is reached


def test_a_dry_run_names_who_would_move_up_and_changes_nothing(full):
    before = full.fingerprint()
    dry = full.run("activities", "edit", "1", "--capacity", "3", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[0] == "Dry run: nothing written; 2 change(s) would be recorded:"
    assert "registered participation 1/3 [pes]" in dry.stdout
    assert dry.stderr == "Warning: 'Forem' moves up from the waiting list of activity #1\n"
    assert full.fingerprint() == before


def test_lowering_or_keeping_the_capacity_moves_no_one(full):
    for capacity in ("2", "1"):
        result = full.run("activities", "edit", "1", "--capacity", capacity)
        assert result.exit_code == 0 and "moves up" not in result.stderr
    assert list(statuses(full).values()).count("registered") == 2


def test_a_cancelled_activity_moves_no_one(full):
    assert full.run("activities", "cancel", "1").exit_code == 0
    result = full.run("activities", "edit", "1", "--capacity", "10")
    assert result.exit_code == 0 and "moves up" not in result.stderr
    assert list(statuses(full).values()).count("waitlisted") == 4


def test_the_people_who_move_up_are_told(full):
    """The notify outbox hears of it through the change log: each one moved up gets a notice."""
    for name in ("Forem", "Actiris"):
        assert full.run("members", "edit", name, "--email", f"info@{name.lower()}.example").exit_code == 0
    assert full.run("activities", "edit", "1", "--capacity", "3").exit_code == 0
    with full.open() as registry:
        rows = registry.query("SELECT email, items FROM outbox WHERE email != '' ORDER BY id")
    told = {row["email"]: json.loads(row["items"]) for row in rows}
    assert "info@forem.example" in told and "info@actiris.example" not in told
    assert "moved up" in json.dumps(told["info@forem.example"])
