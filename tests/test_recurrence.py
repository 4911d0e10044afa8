"""Recurrence rules: checked when typed, by the code that writes them into feeds; a bad one never stops a feed."""

import datetime as dt
import json
import logging
import sqlite3
import threading
import urllib.request

import feedcheck
import pytest

ADD = ["activities", "add", "--network", "pes", "--kind", "meeting", "--title", "Steering group",
       "--start", "2027-03-10 14:00", "--end", "15:00"]

BAD_RULES = [
    ("FREQ=SOMETIMES", "FREQ=SOMETIMES is not a frequency"),
    ("FREQ=DAILY;COUNT=0", "COUNT=0 must be a whole number of at least 1"),
    ("FREQ=WEEKLY;COUNT=3;UNTIL=20271231T235959Z", "COUNT and UNTIL cannot both be given"),
    ("RRULE:RRULE:FREQ=WEEKLY", "RRULE: is written twice"),
    ("FREQ=WEEKLY\nCOUNT=3", "contains a line break"),
    ("FREQ=WEEKLY;COUNT=3\x07", "contains a control character (U+0007)"),
    ("FREQ=MONTHLY;BYDAY=1XX", "'1XX' is not a weekday"),
    ("FREQ=MONTHLY;BYMONTHDAY=32", "'32' is not in 1 to 31"),
    ("FREQ=WEEKLY;SOMETIMES=1", "unknown part SOMETIMES"),
    ("COUNT=3", "FREQ is missing"),
    ("FREQ=DAILY;UNTIL=20271340", "UNTIL=20271340 is not a date"),
    ("FREQ=WEEKLY;BYDAY=2MO", "a numbered weekday needs FREQ=MONTHLY or FREQ=YEARLY"),
]


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def refused(env, *args, rule, problem):
    before = env.fingerprint()
    result = env.run(*args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, even for a rule with a line break in it
    assert lines[0] == f"Error: --rrule: recurrence rule {rule!r}: {lines[0].split(': ', 3)[3]}"
    assert problem in lines[0]
    assert env.fingerprint() == before  # the registry is byte for byte as before
    return lines[0]


@pytest.fixture
def steering(env):
    assert env.run("init").exit_code == 0
    return json.loads(_ok(env.run(*ADD, "--json")).stdout)


@pytest.mark.parametrize("rule, problem", BAD_RULES)
def test_a_bad_rule_is_refused_by_add_edit_and_dry_run_in_one_line(steering, env, rule, problem):
    refused(env, *ADD, "--rrule", rule, rule=rule, problem=problem)
    refused(env, *ADD, "--rrule", rule, "--dry-run", rule=rule, problem=problem)
    refused(env, "activities", "edit", str(steering["id"]), "--rrule", rule, rule=rule, problem=problem)
    refused(env, "activities", "edit", str(steering["id"]), "--rrule", rule, "--dry-run", rule=rule, problem=problem)


def test_a_good_rule_is_kept_as_the_feeds_write_it(env):
    added = json.loads(_ok(env.run(*ADD, "--rrule", "rrule:freq=monthly;byday=2we;until=20271231", "--json")).stdout)
    assert added["rrule"] == "FREQ=MONTHLY;BYDAY=2WE;UNTIL=20271231"  # one RRULE: prefix is forgiven

    def exported():  # (from 2000: the feeds' window of the coming months moves with today)
        return _ok(env.run("export", "ics", "--activity", str(added["id"]), "--from", "2000-01-01")).stdout_bytes

    data = exported()
    # a timed event's UNTIL is a UTC time (RFC 5545): the end of 31 December in Brussels
    assert "RRULE:FREQ=MONTHLY;UNTIL=20271231T225959Z;BYDAY=2WE\r\n" in feedcheck.unfold(data)
    feedcheck.events(data)
    occurrences = feedcheck.expand(data, dt.date(2027, 1, 1), dt.date(2029, 1, 1))
    assert [event["DTSTART"].dt.date() for event in occurrences][-1] == dt.date(2027, 12, 8)
    assert len(occurrences) == 10  # 10 March to 8 December
    # cancel-occurrence reads the rule the same way (a UTC UNTIL included)
    _ok(env.run("activities", "cancel-occurrence", str(added["id"]), "2027-12-08 14:00"))
    assert len(feedcheck.expand(exported(), dt.date(2027, 1, 1), dt.date(2029, 1, 1))) == 9
    _ok(env.run("activities", "edit", str(added["id"]), "--rrule", ""))
    (event,) = feedcheck.check(exported()).walk("VEVENT")
    assert "RRULE" not in event


@pytest.fixture
def broken(env):
    """Three PES activities and a member in two of them; the second's rule broken straight in the table."""
    assert env.run("init").exit_code == 0
    _ok(env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service"))
    ids = []
    for number, start in enumerate(("2027-03-10 14:00", "2027-04-10 14:00", "2027-05-10 14:00"), start=1):
        added = _ok(env.run("activities", "add", "--json", "--network", "pes", "--kind", "meeting",
                            "--title", f"Meeting {number}", "--start", start, "--end", "15:00",
                            "--rrule", "FREQ=MONTHLY;COUNT=3"))
        ids.append(json.loads(added.stdout)["id"])
    for activity_id in ids[:2]:
        _ok(env.run("participants", "register", str(activity_id), "VDAB"))
    with sqlite3.connect(env.db) as connection:
        connection.execute("UPDATE activities SET rrule = 'FREQ=SOMETIMES' WHERE id = ?", [ids[1]])
    connection.close()
    return env, ids


WARNING = ("Warning: activity #{id} (Meeting 2) is left out of the feeds: recurrence rule 'FREQ=SOMETIMES':"
           " FREQ=SOMETIMES is not a frequency (one of SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY)")


def _uids(env, ids):
    return [json.loads(env.run("activities", "show", str(i), "--json").stdout)["uid"] for i in ids]


def test_a_stored_bad_rule_leaves_out_one_event_of_an_export_with_a_warning(broken):
    env, ids = broken
    uids = _uids(env, ids)
    for scope, expected in ((("--network", "pes"), {uids[0], uids[2]}), (("--member", "VDAB"), {uids[0]}),
                            (("--activity", str(ids[1])), set())):
        result = env.run("export", "ics", *scope)
        assert result.exit_code == 0, result.output
        warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
        assert warnings == [WARNING.format(id=ids[1])]
        events = feedcheck.events(result.stdout_bytes)  # a whole, valid calendar
        assert set(events) == expected
        if not expected:  # nothing left, and still a calendar: its zone
            assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels" in feedcheck.unfold(result.stdout_bytes)


def test_a_stored_bad_rule_never_stops_feeds_build(broken, tmp_path):
    env, ids = broken
    uids = _uids(env, ids)
    result = env.run("feeds", "build", str(tmp_path / "public"), "--private-dir", str(tmp_path / "private"))
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Warning")] == [WARNING.format(id=ids[1])]
    files = sorted(path.relative_to(tmp_path / "public").as_posix() for path in (tmp_path / "public").rglob("*.ics"))
    files += sorted(path.relative_to(tmp_path / "private").as_posix() for path in (tmp_path / "private").rglob("*.ics"))
    networks = [f"networks/{slug}.ics" for slug in ("esf_migration", "integration_network", "mutual_learning", "pes")]
    assert [name for name in files if name.startswith("networks/")] == networks
    assert [name for name in files if name.startswith("activities/")] == [f"activities/{i}.ics" for i in ids]
    assert len([name for name in files if name.startswith("members/")]) == 1
    for name in files:
        feedcheck.events((tmp_path / ("private" if name.startswith("members/") else "public") / name).read_bytes())
    assert set(feedcheck.events((tmp_path / "public" / "networks/pes.ics").read_bytes())) == {uids[0], uids[2]}

    from peerlearn.feeds import publish

    registry = env.open()
    try:  # the library returns the warnings (the CLI prints them)
        report = publish.build(registry, tmp_path / "again")
    finally:
        registry.close()
    assert [f"Warning: {line}" for line in report.warnings] == [WARNING.format(id=ids[1])]


def test_a_stored_bad_rule_never_stops_serve(broken, caplog):
    from peerlearn.feeds.server import make_server

    env, ids = broken
    uids = _uids(env, ids)
    caplog.set_level(logging.WARNING, logger="peerlearn.feeds.blocks")
    httpd = make_server(env.db, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{httpd.effective_port}/networks/pes.ics", timeout=10) as reply:
            assert reply.status == 200
            data = reply.read()
    finally:
        httpd.close()
        thread.join(timeout=5)
    assert set(feedcheck.events(data)) == {uids[0], uids[2]}
    assert f"Warning: {caplog.records[0].getMessage()}" == WARNING.format(id=ids[1])


def test_a_rule_put_right_brings_the_event_back(broken):
    env, ids = broken
    _ok(env.run("activities", "edit", str(ids[1]), "--rrule", "FREQ=MONTHLY;COUNT=3"))
    result = env.run("export", "ics", "--network", "pes")
    assert result.exit_code == 0 and "Warning" not in result.stderr
    assert len(feedcheck.events(result.stdout_bytes)) == 3
