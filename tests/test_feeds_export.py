"""``peerlearn export ics``: RFC 5545 feeds of a network, an activity and a member."""

import datetime as dt
import json

import feedcheck
from peerlearn_plugins.demo import data as demo

from peerlearn import hookimpl


def export(env, *args):
    result = env.run("export", "ics", *args)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def activities(env, *args):
    return {a["title"]: a for a in json.loads(env.run("activities", "list", "--json", *args).stdout)}


def mlc(env):
    return activities(env)[demo.MLC_TITLE]


def add_activity(env, *args):
    result = env.run("activities", "add", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def future(days, clock=None):
    day = dt.date.today() + dt.timedelta(days=days)
    return f"{day} {clock}" if clock else str(day)


def test_every_kind_of_feed_is_rfc5545_and_parses_with_two_parsers(demo_env):
    conference = mlc(demo_env)
    network = feedcheck.events(export(demo_env, "--network", "mutual_learning"))
    single = feedcheck.events(export(demo_env, "--activity", str(conference["id"])))
    member = feedcheck.events(export(demo_env, "--member", "1"))
    start = dt.datetime.fromisoformat(conference["start"]).astimezone(dt.timezone.utc)
    end = dt.datetime.fromisoformat(conference["end"]).astimezone(dt.timezone.utc)
    for feed in (network, single, member):
        event = feed[conference["uid"]]
        assert (event["start"], event["end"]) == (start, end)
        # importing its programme raised it once: the event describes the programme
        assert event["sequence"] == conference["sequence"] == 1 and event["status"] == "CONFIRMED"
    with demo_env.open() as registry:
        session_count = registry.one("SELECT count(*) AS n FROM sessions WHERE activity_id = ?",
                                     [conference["id"]])["n"]
    assert session_count == 14
    assert list(single)[0] == conference["uid"]
    sessions = list(single)[1:]
    assert len(sessions) == session_count and all(uid.startswith("session-") for uid in sessions)


def test_event_properties_lists_and_escaping(env):
    env.run("members", "add", "Työmarkkinatori (KEHA-keskus)", "--country", "FI",
            "--category", "public employment service", "--network", "pes", "--email", "secret@example.fi")
    title = "Skills; jobs, and C:\\paths"
    added = add_activity(env, "--network", "pes", "--kind", "event", "--title", title,
                         "--start", future(30, "09:00"), "--end", "17:30", "--venue", "Hôtel de Ville",
                         "--city", "Liège", "--country", "BE", "--description", "Line one\nLine two, with comma",
                         "--theme", "skills, recognition")
    env.run("participants", "invite", str(added["id"]), "1")
    data = export(env, "--member", "1")
    text = feedcheck.unfold(data)
    assert "SUMMARY:Skills\\; jobs\\, and C:\\\\paths\r\n" in text
    assert "DESCRIPTION:Line one\\nLine two\\, with comma\r\n" in text
    assert "LOCATION:Hôtel de Ville\\, Liège\\, BE\r\n" in text
    assert "CATEGORIES:event,PES Network,skills\\, recognition\r\n" in text  # a list, not one escaped string
    assert f"DTSTART;TZID=Europe/Brussels:{future(30).replace('-', '')}T090000\r\n" in text
    assert "X-WR-CALNAME:Työmarkkinatori (KEHA-keskus): peer-learning activities" in text
    assert "secret@example.fi" not in text
    calendar = feedcheck.check(data)
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == title
    assert [str(c) for c in event["CATEGORIES"].cats[:3]] == ["event", "PES Network", "skills, recognition"]
    assert event["UID"] == added["uid"]
    feedcheck.events(data)


def test_all_day_site_visit_is_dates_with_an_exclusive_end(env):
    start = dt.date.today() + dt.timedelta(days=40)
    add_activity(env, "--network", "esf_migration", "--kind", "site_visit", "--title", "Site visit: Ghent",
                 "--start", str(start), "--end", str(start + dt.timedelta(days=1)))
    data = export(env, "--network", "esf_migration")
    text = feedcheck.unfold(data)
    assert f"DTSTART;VALUE=DATE:{start:%Y%m%d}\r\n" in text
    assert f"DTEND;VALUE=DATE:{start + dt.timedelta(days=2):%Y%m%d}\r\n" in text
    (event,) = feedcheck.events(data).values()
    assert (event["start"], event["end"]) == (start, start + dt.timedelta(days=2))


def test_reschedule_and_cancel_reach_every_feed_with_a_raised_sequence(demo_env):
    conference = mlc(demo_env)
    uid, activity_id = conference["uid"], str(conference["id"])
    scopes = [("--network", "mutual_learning"), ("--activity", activity_id), ("--member", "1")]
    before = {scope: feedcheck.events(export(demo_env, *scope))[uid] for scope in scopes}
    result = demo_env.run("activities", "reschedule", activity_id, "--start", future(200, "10:00"))
    assert result.exit_code == 0, result.output
    brussels = __import__("zoneinfo").ZoneInfo("Europe/Brussels")
    moved = dt.datetime.fromisoformat(f"{future(200)}T10:00:00").replace(tzinfo=brussels).astimezone(dt.timezone.utc)
    for scope in scopes:
        event = feedcheck.events(export(demo_env, *scope))[uid]
        assert event["start"] == moved != before[scope]["start"]
        assert event["sequence"] == before[scope]["sequence"] + 1
    assert demo_env.run("activities", "cancel", activity_id).exit_code == 0
    for scope in scopes:
        event = feedcheck.events(export(demo_env, *scope))[uid]
        assert event["status"] == "CANCELLED" and event["sequence"] == before[scope]["sequence"] + 2


def test_drafts_never_reach_a_feed(env):
    draft = add_activity(env, "--network", "pes", "--kind", "event", "--title", "Draft idea",
                         "--start", future(10, "09:00"), "--end", "10:00", "--status", "draft")
    assert draft["uid"] not in feedcheck.unfold(export(env, "--network", "pes"))
    before = env.fingerprint()
    result = env.run("export", "ics", "--activity", str(draft["id"]))
    assert result.exit_code == 1 and "draft" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert env.fingerprint() == before


def test_window_filters_and_query_options(demo_env):
    old = [a for a in activities(demo_env, "--network", "esf_migration").values()
           if dt.datetime.fromisoformat(a["end"]).date() < dt.date.today() - dt.timedelta(days=200)]
    assert old
    default = feedcheck.events(export(demo_env, "--network", "esf_migration"))
    assert old[0]["uid"] not in default  # older than the window
    wide = feedcheck.events(export(demo_env, "--network", "esf_migration", "--from", "2000-01-01"))
    assert old[0]["uid"] in wide
    kinds = feedcheck.events(export(demo_env, "--network", "esf_migration", "--from", "2000-01-01",
                                    "--kind", "site_visit"))
    assert kinds and all("Site visit" in e["summary"] for e in kinds.values())
    cancelled = feedcheck.events(export(demo_env, "--network", "integration_network", "--from", "2000-01-01",
                                        "--status", "cancelled"))
    assert [e["status"] for e in cancelled.values()] == ["CANCELLED"]
    upto = feedcheck.events(export(demo_env, "--network", "esf_migration", "--from", "2000-01-01",
                                   "--to", str(dt.date.today())))
    assert upto and all(e["start"] <= dt.date.today() if isinstance(e["start"], dt.date)
                        and not isinstance(e["start"], dt.datetime) else True for e in upto.values())
    assert len(upto) < len(wide)


def _tenth_after(day):
    while day.day != 10:
        day += dt.timedelta(days=1)
    return day


def test_recurring_activity_has_rrule_and_a_cancelled_occurrence_an_exdate(env, tmp_path):
    first = _tenth_after(dt.date.today() + dt.timedelta(days=7))
    second = _tenth_after(first + dt.timedelta(days=1))
    added = add_activity(env, "--network", "pes", "--kind", "meeting", "--title", "Steering group",
                         "--start", f"{first} 14:00", "--end", "15:00", "--rrule", "FREQ=MONTHLY;COUNT=6")
    bad = env.run("activities", "cancel-occurrence", str(added["id"]), f"{second} 15:00")
    assert bad.exit_code == 1 and "no occurrence" in bad.stderr
    result = env.run("activities", "cancel-occurrence", str(added["id"]), f"{second} 14:00")
    assert result.exit_code == 0, result.output
    out = tmp_path / "pes.ics"
    assert env.run("export", "ics", "--network", "pes", "-o", str(out)).exit_code == 0
    data = out.read_bytes()
    text = feedcheck.unfold(data)
    assert "RRULE:FREQ=MONTHLY;COUNT=6\r\n" in text
    assert f"EXDATE;TZID=Europe/Brussels:{second:%Y%m%d}T140000\r\n" in text
    assert feedcheck.events(data)[added["uid"]]["sequence"] == 1
    import vobject

    event = vobject.readOne(data.decode()).vevent
    days = [moment.date() for moment in event.getrruleset()]
    assert len(days) == 5 and second not in days and first in days


def test_bad_input_is_refused_and_changes_nothing(demo_env, tmp_path):
    before = demo_env.fingerprint()
    for args, words in [
        (("--network", "nowhere"), "nowhere"),
        (("--member", "Nobody at all"), "Nobody at all"),
        (("--network", "pes", "-o", str(tmp_path / "missing" / "pes.ics")), "does not exist"),
        (("--network", "pes", "--url", "ftp://example.org/pes.ics"), "not an http(s) URL"),
        (("--network", "pes", "--from", "next week"), "--from"),
    ]:
        result = demo_env.run("export", "ics", *args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("Error: ") and words in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert demo_env.fingerprint() == before
    assert demo_env.run("export", "ics").exit_code == 2


class CountingPlugin:
    """An in-test plugin implementing ``peerlearn_ical_event``: marks every VEVENT and counts its calls."""

    def __init__(self):
        self.calls = 0

    @hookimpl
    def peerlearn_ical_event(self, network, activity, event, session):
        self.calls += 1
        event.add("x-test-mark", f"{network.slug}:{activity.id}" + (f":{session.track}" if session else ""))
        if session is None:
            event["summary"] = f"[{network.slug}] {activity.title}"
        else:
            event.add("color", "teal")


def test_peerlearn_ical_event_plugin_changes_each_exported_vevent_once_per_change(demo_env):
    plugin = CountingPlugin()
    demo_env.register(plugin, name="counting")
    conference = mlc(demo_env)
    first = export(demo_env, "--network", "mutual_learning")
    text = feedcheck.unfold(first)
    assert f"X-TEST-MARK:mutual_learning:{conference['id']}\r\n" in text
    assert feedcheck.events(first)[conference["uid"]]["summary"] == f"[mutual_learning] {demo.MLC_TITLE}"
    calls = plugin.calls
    assert calls == len(feedcheck.events(first))
    assert export(demo_env, "--network", "mutual_learning") == first  # warm: from cached blocks
    assert plugin.calls == calls
    demo_env.run("activities", "edit", str(conference["id"]), "--venue", "Egmont Palace")
    third = export(demo_env, "--network", "mutual_learning")
    assert plugin.calls == calls + 1  # only the changed activity is serialized again
    assert "LOCATION:Egmont Palace\\, Brussels\\, BE" in feedcheck.unfold(third)

    # the sessions of the activity's feed go through the hook too, each once per change
    calls = plugin.calls
    data = export(demo_env, "--activity", str(conference["id"]))
    sessions = [uid for uid in feedcheck.events(data) if uid.startswith("session-")]
    assert len(sessions) == 14 and plugin.calls == calls + 14
    marked = feedcheck.unfold(data)
    assert f"X-TEST-MARK:mutual_learning:{conference['id']}:A\r\n" in marked  # workshop 1, track A
    assert marked.count("COLOR:teal") == 14
    assert demo_env.run("roles", "add", str(conference["id"]), "workshop-1", "--role", "speaker", "--name",
                        "Jana Novak", "--status", "confirmed").exit_code == 0
    export(demo_env, "--activity", str(conference["id"]))
    assert plugin.calls == calls + 15  # only the session whose people changed is serialized again


def test_core_registers_the_ics_exporter_through_the_exporters_hook(env):
    from peerlearn import plugins

    exporter = plugins.exporters("calendar")["ics"]
    assert exporter.media_type == "text/calendar; charset=utf-8" and exporter.extension == "ics"
    hooks = {info.name: info.hooks for info in plugins.describe()}
    assert "peerlearn_exporters" in hooks["peerlearn.default_plugins.calendar"]


def test_the_cli_starts_without_importing_icalendar_or_waitress():
    import subprocess
    import sys

    code = "import sys, peerlearn.cli; print(sorted(m for m in ('icalendar', 'waitress', 'vobject') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


class CategoriesPlugin:
    """An in-test plugin adding categories both ways: a CATEGORIES line of its own, and the helper."""

    @hookimpl
    def peerlearn_ical_event(self, network, activity, event):
        import peerlearn

        event.add("categories", ["Extra", "event"])  # the old way: a second CATEGORIES line
        peerlearn.add_categories(event, "extra", "Another; with, punctuation")


def test_categories_plugins_add_end_up_in_one_list_without_duplicates(env):
    import peerlearn

    assert "add_categories" in peerlearn.__all__
    env.register(CategoriesPlugin(), name="categories")
    add_activity(env, "--network", "pes", "--kind", "event", "--title", "Skills", "--start", future(20, "09:00"),
                 "--end", "12:00", "--theme", "Skills", "--theme", "EVENT")
    data = export(env, "--network", "pes")
    (event,) = feedcheck.check(data).walk("VEVENT")  # check(): one CATEGORIES line per event
    assert feedcheck.categories(event) == ["event", "PES Network", "Skills", "Extra", "Another; with, punctuation"]
    assert feedcheck.unfold(data).count("\r\nCATEGORIES:") == 1
    feedcheck.events(data)  # ics-py refuses an event with two CATEGORIES lines
