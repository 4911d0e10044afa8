"""``agenda export --format schedule-xml|schedule-json``: the seed conference as a frab/pentabarf schedule.

Both outputs are validated against the format's published XSD and JSON
schema (``schedulecheck``), and read back with the standard library's parsers,
not with peerlearn's reader.
"""

import json
import uuid

import icalendar
import pytest
import schedulecheck
from peerlearn_plugins.demo import data as demo


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def mlc(demo_env):
    conference = next(a for a in json.loads(demo_env.run("activities", "list", "--json").stdout)
                      if a["title"] == demo.MLC_TITLE)
    return demo_env, conference


def _day_and_offset(conference):
    """The conference's day and its UTC offset that day (the demo is dated from today): ("2027-04-13", "+02:00")."""
    return conference["start"][:10], conference["start"][19:]


def _export(env, activity, *options):
    return _ok(env.run("agenda", "export", str(activity), *options)).stdout


def _sessions(env, activity):
    return {s["key"]: s for s in json.loads(_ok(env.run("sessions", "list", str(activity), "--json")).stdout)}


def test_the_seed_conference_exports_valid_schedule_xml_and_json(mlc):
    env, conference = mlc
    data = schedulecheck.check_json(_export(env, conference["id"], "--format", "schedule-json"))
    root = schedulecheck.check_xml(_export(env, conference["id"], "--format", "schedule-xml"))
    sessions = _sessions(env, conference["id"])
    events = schedulecheck.json_events(data)
    assert len(events) == len(sessions) == 14
    xml_events = root.findall("day/room/event")
    assert [e.get("guid") for e in xml_events] == [e["guid"] for e in events]
    conf = data["schedule"]["conference"]
    assert conf["title"] == demo.MLC_TITLE and conf["time_zone_name"] == "Europe/Brussels"
    assert conf["start"] == conf["end"] == _day_and_offset(conference)[0] and conf["daysCount"] == 1
    assert root.findtext("conference/acronym") == conf["acronym"]
    assert [room["name"] for room in conf["rooms"]] == ["Plenary hall", "Track plenary", "Room A", "Room B",
                                                   "Room C"]
    assert [track["name"] for track in conf["tracks"]] == ["plenary", "A", "B", "C"]


def test_each_event_carries_the_sessions_fields_and_people_without_email(mlc):
    env, conference = mlc
    assert _ok(env.run("roles", "add", str(conference["id"]), "workshop-1", "--role", "speaker", "--name", "Mia Berg",
                       "--email", "mia@example.org", "--status", "tbc")).exit_code == 0
    text = _export(env, conference["id"], "--format", "schedule-json", "--base-url", "https://events.example.org")
    data = schedulecheck.check_json(text)
    assert "mia@example.org" not in text and "@" not in text.replace("$schema", "")
    events = {event["title"]: event for event in schedulecheck.json_events(data)}
    workshop = events["Workshop 1: Skills intelligence against skills shortages"]
    session = _sessions(env, conference["id"])["workshop-1"]
    assert workshop["id"] == session["id"]
    day, offset = _day_and_offset(conference)
    assert workshop["date"] == f"{day}T11:45:00{offset}" and workshop["start"] == "11:45"
    assert workshop["duration"] == "01:15" and workshop["room"] == "Room A" and workshop["track"] == "A"
    assert workshop["type"] == "workshop" and workshop["language"] == "en"
    assert workshop["url"] == f"https://events.example.org/activities/{conference['id']}.html#session-workshop-1"
    assert [p["name"] for p in workshop["persons"]] == ["Mia Berg"]
    assert workshop["description"].endswith("People:\n- Moderator: to be announced [tbd]\n"
                                            "- Speaker: to be announced — Cedefop [tbd]\n- Speaker: Mia Berg [tbc]")
    panel = events["Opening panel: international trends in integration and evidence from the EaSI projects"]
    assert "- Chair: Katarina Ivankovic Knezevic — European Commission, DG EMPL [tbc]" in panel["description"]
    assert panel["abstract"].startswith("International trends in integration")
    assert panel["description"].startswith(panel["abstract"] + "\n\nPeople:\n")
    assert "Thomas Liebig" in [p["name"] for p in panel["persons"]]
    notes = "OECD key speaker"  # a role's note is the secretariat's: never in a schedule
    assert notes not in text


def test_guid_is_a_uuid5_of_the_sessions_calendar_uid_and_never_changes(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    feed = icalendar.Calendar.from_ical(_ok(env.run("export", "ics", "--activity", activity)).stdout_bytes)
    uids = {int(str(event["UID"]).split(".")[0].removeprefix("session-")): str(event["UID"])
            for event in feed.walk("VEVENT") if str(event["UID"]).startswith("session-")}
    events = schedulecheck.json_events(json.loads(_export(env, activity, "--format", "schedule-json")))
    assert len(uids) == len(events) == 14
    for event in events:
        assert event["guid"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "urn:x-peerlearn:" + uids[event["id"]]))
    before = {event["title"]: event["guid"] for event in events}
    _ok(env.run("sessions", "edit", activity, "workshop-1", "--title", "Workshop 1: Skills", "--room", "Room D"))
    _ok(env.run("sessions", "move", activity, "workshop-1", "--start", f"{_day_and_offset(conference)[0]} 14:30"))
    after = {e["id"]: e["guid"] for e in schedulecheck.json_events(
        json.loads(_export(env, activity, "--format", "schedule-json")))}
    workshop = _sessions(env, activity)["workshop-1"]
    assert after[workshop["id"]] == before["Workshop 1: Skills intelligence against skills shortages"]


def test_a_cancelled_session_is_left_out_as_frab_and_pretalx_do(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    _ok(env.run("sessions", "cancel", activity, "workshop-2"))
    data = schedulecheck.check_json(_export(env, activity, "--format", "schedule-json"))
    root = schedulecheck.check_xml(_export(env, activity, "--format", "schedule-xml"))
    titles = [e["title"] for e in schedulecheck.json_events(data)]
    assert len(titles) == 13 and not any(title.startswith("Workshop 2") for title in titles)
    assert not any((e.findtext("title") or "").startswith("Workshop 2") for e in root.iter("event"))


def test_the_timetable_order_of_tracks_orders_the_rooms(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    _ok(env.run("agenda", "tracks", activity, "C", "B", "A", "plenary"))
    data = schedulecheck.check_json(_export(env, activity, "--format", "schedule-json"))
    conf = data["schedule"]["conference"]
    assert [track["name"] for track in conf["tracks"]] == ["C", "B", "A", "plenary"]
    assert list(conf["days"][0]["rooms"]) == ["Room C", "Room B", "Room A", "Plenary hall", "Track plenary"]


def test_a_multi_day_activity_has_a_day_per_date_and_an_event_past_midnight_stays_on_its_day(env):
    created = json.loads(_ok(env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Forum",
                                      "--start", "2030-10-26 09:00", "--end", "2030-10-28 12:00", "--tz",
                                      "Europe/Lisbon", "--json")).stdout)
    activity = str(created["id"])
    _ok(env.run("sessions", "add", activity, "--title", "Night walk", "--start", "2030-10-26 23:00",
                "--end", "2030-10-27 02:30", "--room", "Old town"))
    _ok(env.run("sessions", "add", activity, "--title", "Closing", "--start", "2030-10-28 10:00", "--end", "11:00"))
    data = schedulecheck.check_json(_export(env, activity, "--format", "schedule-json"))
    root = schedulecheck.check_xml(_export(env, activity, "--format", "schedule-xml"))
    days = data["schedule"]["conference"]["days"]
    assert [day["date"] for day in days] == ["2030-10-26", "2030-10-27", "2030-10-28"]
    walk = days[0]["rooms"]["Old town"][0]
    # the clocks go back on 27 October: 23:00 WEST to 02:30 WET is four and a half hours
    assert walk["date"] == "2030-10-26T23:00:00+01:00" and walk["duration"] == "04:30"
    assert days[0]["day_end"] == "2030-10-27T02:30:00+00:00"
    assert days[1]["rooms"] == {} and list(days[2]["rooms"]) == ["Main room"]
    assert [day.get("date") for day in root.findall("day")] == ["2030-10-26", "2030-10-27", "2030-10-28"]


def test_exporting_a_released_version_and_bad_requests(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    _ok(env.run("agenda", "release", activity))
    _ok(env.run("sessions", "edit", activity, "workshop-1", "--title", "Renamed"))
    released = schedulecheck.check_json(_export(env, activity, "--format", "schedule-json", "--version", "v1"))
    working = schedulecheck.check_json(_export(env, activity, "--format", "schedule-json"))
    assert released["schedule"]["version"] == "v1"
    titles = {e["title"] for e in schedulecheck.json_events(released)}
    assert "Renamed" not in titles and "Renamed" in {e["title"] for e in schedulecheck.json_events(working)}
    missing = env.run("agenda", "export", activity, "--format", "schedule-xml", "--version", "v9")
    assert missing.exit_code == 1
    assert missing.stderr == f"Error: activity #{activity} has no released version 'v9' (versions: v1)\n"
    yaml_version = env.run("agenda", "export", activity, "--version", "v1")
    assert yaml_version.exit_code == 1 and "schedule-xml or schedule-json" in yaml_version.stderr
    assert env.run("agenda", "export", activity, "--format", "schedule-json", "--include-private").exit_code == 2
    assert env.run("agenda", "export", activity, "--format", "schedule-json", "--base-url", "ftp://x").exit_code == 1
    assert _export(env, activity).startswith(f"# Programme of {demo.MLC_TITLE}\n")  # the default: programme YAML
