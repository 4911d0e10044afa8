"""Numbers too large for any record, and dates far in the past or the future: refused in one line, never an overflow.

A reference to a record by a number no record can have (past SQLite's
largest integer) is simply no record; a count (places, minutes, days,
retries, a limit) is held to bounds and refused naming its option; dates
and times are read and recorded from 1900 to 2999, so nothing computed
from them (feeds, recurrences, notices, the demo) can leave Python's range.
"""

import datetime as dt
import json
from wsgiref.util import setup_testing_defaults

import pytest

from refusals import refused

BIG = "99999999999999999999"  # past 2**63 - 1
ADD = ["activities", "add", "--network", "pes", "--kind", "event", "--title", "X"]


def activities(env):
    return json.loads(env.run("activities", "list", "--json").stdout)


def conference(env):
    return next(a["id"] for a in activities(env) if a["network"] == "mutual_learning" and a["kind"] == "conference")


def webinar(env):
    return next(a["id"] for a in activities(env) if a["network"] == "pes" and a["kind"] != "conference")


def a_member(env):
    return json.loads(env.run("members", "list", "--json").stdout)[0]["id"]


def a_role(env, activity):
    return json.loads(env.run("roles", "list", str(activity), "--json").stdout)[0]["id"]


def a_session(env, activity):
    return json.loads(env.run("sessions", "list", str(activity), "--json").stdout)[0]


@pytest.mark.parametrize("args, expect", [
    (["activities", "show", BIG], f"unknown activity '{BIG}'"),
    (["activities", "cancel", BIG], f"unknown activity '{BIG}'"),
    (["activities", "delete", BIG], f"unknown activity '{BIG}'"),
    (["members", "show", BIG], f"unknown member '{BIG}'"),
    (["members", "rotate-token", BIG], f"unknown member '{BIG}'"),
    (["sessions", "list", BIG], f"unknown activity '{BIG}'"),
    (["roles", "confirm", BIG], f"unknown role '{BIG}'"),
    (["roles", "remove", BIG], f"unknown role '{BIG}'"),
    (["participants", "counts", BIG], f"unknown activity '{BIG}'"),
    (["notify", "preview", BIG], f"unknown message '{BIG}'"),
    (["notify", "opt-out", "--role", BIG], f"unknown role {BIG}"),
    (["notify", "opt-out", "--member", BIG], f"unknown member '{BIG}'"),
    (["export", "ics", "--activity", BIG], f"unknown activity '{BIG}'"),
    (["export", "ics", "--member", BIG], f"unknown member '{BIG}'"),
    (["agenda", "show", BIG], f"unknown activity '{BIG}'"),
    (["changes", "--activity", BIG], f"unknown activity '{BIG}'"),
])
def test_a_number_no_record_can_have_is_no_record(demo_env, args, expect):
    refused(demo_env, *args, expect=expect, environment={"PEERLEARN_MAIL_FROM": "a@b.c"})


def test_references_by_huge_numbers_inside_commands(demo_env):
    activity, panel = conference(demo_env), webinar(demo_env)
    session = a_session(demo_env, activity)
    refused(demo_env, "activities", "edit", str(panel), "--host", BIG, expect=f"unknown member '{BIG}'")
    refused(demo_env, "sessions", "edit", str(activity), BIG, "--title", "X", expect=f"no session '{BIG}'")
    refused(demo_env, "roles", "add", str(activity), str(session["id"]), "--role", "speaker", "--name", "X",
            "--member", BIG, expect=f"unknown member '{BIG}'")
    refused(demo_env, "participants", "register", str(activity), BIG, expect=f"unknown member '{BIG}'")


@pytest.mark.parametrize("option", ["--capacity", "--country-quota"])
def test_places_are_bounded(demo_env, option):
    refused(demo_env, "activities", "edit", str(webinar(demo_env)), option, BIG, expect=f"'{option}'", code=2)


def test_minutes_days_and_limits_are_bounded(demo_env):
    activity = conference(demo_env)
    session = a_session(demo_env, activity)
    role = ["roles", "add", str(activity), str(session["id"]), "--role", "speaker", "--name", "X"]
    refused(demo_env, *role, "--speaking-minutes", "9223372036854775807", expect="'--speaking-minutes'", code=2)
    refused(demo_env, *role, "--prerecorded-minutes", BIG, expect="'--prerecorded-minutes'", code=2)
    refused(demo_env, "roles", "edit", str(a_role(demo_env, activity)), "--speaking-minutes", BIG,
            expect="'--speaking-minutes'", code=2)
    refused(demo_env, "changes", "--limit", BIG, expect="'--limit'", code=2)
    refused(demo_env, "agenda", "check", "--all", "--pending-days", BIG, expect="'--pending-days'", code=2)
    refused(demo_env, "agenda", "check", str(activity), "--pending-days", "3000000", expect="'--pending-days'",
            code=2)
    refused(demo_env, "notify", "remind", "--pending", "--days", "3000000", expect="'--days'", code=2)
    refused(demo_env, "agenda", "check", str(activity), expect="$PEERLEARN_PENDING_DAYS",
            environment={"PEERLEARN_PENDING_DAYS": "99999999"})
    refused(demo_env, "report", "--network", "pes", "--year", "99999", expect="--year: 99999 is not a year")


def test_a_model_holds_minutes_and_places_to_their_bounds():
    from peerlearn import Activity, Role

    with pytest.raises(ValueError, match="speaking_minutes"):
        Role(session_id=1, role="speaker", name="X", speaking_minutes=2**63)
    start = dt.datetime(2030, 1, 1, 10, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError, match="capacity"):
        Activity(network="pes", kind="event", title="X", start=start, end=start + dt.timedelta(hours=1),
                 capacity=2**63)


def _programme(env, activity, tmp_path, old, new):
    exported = tmp_path / "programme.yaml"
    assert env.run("agenda", "export", str(activity), "-o", str(exported)).exit_code == 0
    text = exported.read_text(encoding="utf-8")
    assert old in text
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(changed)


@pytest.mark.parametrize("old, new, expect", [
    ("    status: tbd\n", f"    status: tbd\n    member: {BIG}\n", f"unknown member '{BIG}'"),
    ("    status: tbd\n", f"    status: tbd\n    speaking_minutes: {BIG}\n", "speaking_minutes must be"),
    ("  kind: opening\n", f"  kind: opening\n  day: {BIG}\n", f"day {BIG} is not a day of activity"),
])
def test_programme_files_with_huge_numbers(demo_env, tmp_path, old, new, expect):
    activity = conference(demo_env)
    refused(demo_env, "agenda", "import", str(activity), _programme(demo_env, activity, tmp_path, old, new),
            expect=expect)


def test_the_feed_server_answers_404_for_a_huge_activity_number(demo_env):
    from peerlearn.feeds.server import FeedApp

    app = FeedApp(demo_env.db)
    environ = {"PATH_INFO": f"/activities/{BIG}.ics", "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    statuses = []
    b"".join(app(environ, lambda status, headers, *rest: statuses.append(status)))
    assert statuses[0].startswith("404")


# -- dates --------------------------------------------------------------


@pytest.mark.parametrize("args, expect", [
    (["--start", "9999-12-31"], "--start/--end: '9999-12-31' is outside the years 1900 to 2999"),
    (["--start", "0001-01-01"], "'0001-01-01' is outside the years 1900 to 2999"),
    (["--start", "0001-01-01", "--tz", "Pacific/Kiritimati"], "is outside the years 1900 to 2999"),
    (["--start", "1899-12-31 10:00", "--end", "11:00"], "'1899-12-31 10:00' is outside the years 1900 to 2999"),
])
def test_activities_outside_the_years_are_refused(demo_env, args, expect):
    refused(demo_env, *ADD, *args, expect=expect)


def test_activities_at_the_edges_of_the_years_are_kept_and_exported(demo_env):
    refused(demo_env, *ADD, "--start", "3000-01-01", expect="'3000-01-01' is outside the years 1900 to 2999")
    before = {found["id"] for found in activities(demo_env)}
    for args in (["--start", "2999-12-31"], ["--start", "2999-12-31 22:00", "--end", "23:00", "--rrule", "FREQ=YEARLY"],
                 ["--start", "1900-01-01 00:00", "--end", "01:00", "--tz", "Pacific/Kiritimati",
                  "--rrule", "FREQ=DAILY"]):
        assert demo_env.run(*ADD, *args).exit_code == 0
    added = [found["id"] for found in activities(demo_env) if found["id"] not in before]
    assert len(added) == 3
    for number in added:
        result = demo_env.run("export", "ics", "--activity", str(number), "--from", "1900-01-01")
        assert result.exit_code == 0, result.stderr
        assert "BEGIN:VEVENT" in result.stdout


@pytest.mark.parametrize("args, option", [
    (["activities", "list", "--to", "9999-12-31"], "--to"),
    (["log", "--network", "pes", "--to", "9999-12-31"], "--to"),
    (["changes", "--from", "0001-01-01"], "--from"),
    (["export", "ics", "--network", "pes", "--to", "9999-12-31"], "--to"),
    (["changes", "--from", "0001-01-01 00:00", "--tz", "Etc/GMT-14"], "--from"),
    (["activities", "list", "--to", "9999-12-31 23:59", "--tz", "Etc/GMT+12"], "--to"),
])
def test_windows_outside_the_years_are_refused(demo_env, args, option):
    refused(demo_env, *args, expect=f"{option}: ")


def test_windows_at_the_edges_of_the_years_are_read(demo_env):
    refused(demo_env, "activities", "list", "--to", "3000-01-01", expect="--to: '3000-01-01' is outside the years")
    for args in (["activities", "list", "--from", "1900-01-01", "--tz", "Etc/GMT-14"],
                 ["activities", "list", "--to", "2999-12-31 23:59", "--tz", "Etc/GMT+12"],
                 ["export", "ics", "--network", "pes", "--from", "1900-01-01", "--to", "2999-12-31",
                  "--tz", "Etc/GMT+12"]):
        result = demo_env.run(*args)
        assert result.exit_code == 0, result.stderr


def test_moving_sessions_and_activities_past_the_years_is_refused(demo_env):
    activity = conference(demo_env)
    session = a_session(demo_env, activity)
    refused(demo_env, "sessions", "move", str(activity), str(session["id"]), "--start", "9999-12-31 23:55",
            expect="--start: '9999-12-31 23:55' is outside the years")
    refused(demo_env, "activities", "reschedule", str(activity), "--start", "9999-12-31 23:30",
            expect="is outside the years")


def test_the_demo_on_a_day_out_of_reach(env):
    refused(env, "--today", "9999-12-31", "demo", "--force", expect="'9999-12-31' is outside the years", code=2)
    assert env.run("--today", "2999-12-31", "demo").exit_code == 1  # its activities would run into 3000
    result = env.run("--today", "2999-12-31", "demo")
    assert result.stderr.strip().splitlines()[-1].startswith("Error: the demo cannot be dated around 2999-12-31")


@pytest.mark.parametrize("until", ["00010101", "99991231T235959Z", "18991231"])
def test_a_recurrence_ending_outside_the_years_is_refused(demo_env, until):
    refused(demo_env, "activities", "edit", str(webinar(demo_env)), "--rrule", f"FREQ=DAILY;UNTIL={until}",
            expect=f"UNTIL={until} is outside the years 1900 to 2999")


def test_a_recurrence_ending_in_the_last_year_can_have_an_occurrence_cancelled(demo_env):
    activity = webinar(demo_env)
    refused(demo_env, "activities", "edit", str(activity), "--rrule", "FREQ=DAILY;UNTIL=30000101",
            expect="UNTIL=30000101 is outside the years")
    assert demo_env.run("activities", "edit", str(activity), "--rrule", "FREQ=DAILY;UNTIL=29991231T235959Z"
                        ).exit_code == 0
    start = json.loads(demo_env.run("activities", "show", str(activity), "--json").stdout)["start"]
    first = dt.datetime.fromisoformat(start[:16].replace("T", " "))
    next_day = (first + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    result = demo_env.run("activities", "cancel-occurrence", str(activity), next_day)
    assert result.exit_code == 0, result.stderr


# -- notify send's numbers ----------------------------------------------------------


@pytest.mark.parametrize("args, option", [
    (["--retries", "1", "--retry-delay", "inf"], "--retry-delay"),
    (["--retries", "1", "--retry-delay", "1e300"], "--retry-delay"),
    (["--retry-delay", "nan"], "--retry-delay"),
    (["--retries", BIG, "--retry-delay", "0"], "--retries"),
])
def test_send_refuses_numbers_out_of_bounds_before_sending(demo_env, args, option):
    activity = webinar(demo_env)
    member = a_member(demo_env)
    assert demo_env.run("members", "edit", str(member), "--email", "a@example.org").exit_code == 0
    assert demo_env.run("activities", "edit", str(activity), "--venue", "V").exit_code == 0
    smtp = {"PEERLEARN_SMTP_HOST": "127.0.0.1", "PEERLEARN_SMTP_PORT": "2", "PEERLEARN_MAIL_FROM": "a@b.c"}
    refused(demo_env, "notify", "send", *args, expect=f"'{option}'", environment=smtp, code=2)


def test_resending_a_huge_number_is_no_message(demo_env):
    smtp = {"PEERLEARN_SMTP_HOST": "127.0.0.1", "PEERLEARN_SMTP_PORT": "2", "PEERLEARN_MAIL_FROM": "a@b.c"}
    result = demo_env.run("notify", "send", "--resend", BIG, env=smtp)
    assert "unexpected" not in result.stderr and "Overflow" not in result.stderr
