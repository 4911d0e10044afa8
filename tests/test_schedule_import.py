"""``agenda import ID FILE`` with a schedule.json or schedule.xml: round trips, updates by guid, other tools' files.

``schedule_files/pretalx-shaped.json`` is written after pretalx's frab-compatible
export (events with a ``code``, ``logo: ""``, a boolean ``do_not_record``,
``answers``; persons with ``code``, ``public_name`` and ``biography``; an upper-case
acronym): the strict schema refuses it, as it refuses real pretalx exports, and
the import must not. ``schedule_files/by-the-schema.xml`` is written by hand
after the XSD, which it passes.
"""

import json
from pathlib import Path

import icalendar
import pytest
import schedulecheck
from peerlearn_plugins.demo import data as demo

FILES = Path(__file__).parent / "schedule_files"


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _json(env, *args):
    return json.loads(_ok(env.run(*args, "--json")).stdout)


def _activity(env, title="Conference", start="2030-05-07 08:00", end="2030-05-08 23:59", tz="Europe/Brussels",
              db=None):
    prefix = ("--db", str(db)) if db else ()
    return json.loads(_ok(env.run(*prefix, "activities", "add", "--network", "mutual_learning", "--kind",
                                  "conference", "--title", title, "--start", start, "--end", end, "--tz", tz,
                                  "--json")).stdout)


def _sessions(env, activity, db=None):
    prefix = ("--db", str(db)) if db else ()
    return json.loads(_ok(env.run(*prefix, "sessions", "list", str(activity), "--json")).stdout)


def _roles(env, activity, db=None):
    prefix = ("--db", str(db)) if db else ()
    return json.loads(_ok(env.run(*prefix, "roles", "list", str(activity), "--json")).stdout)


def _programme(env, activity, db=None):
    """The programme as comparable data: sessions taking place with their times, rooms and people."""
    roles = {}
    for role in _roles(env, activity, db):
        roles.setdefault(role["session"], []).append((role["role"], role["name"], role["affiliation"], role["status"]))
    return sorted((s["title"], s["start"], s["end"], s["room"], s["track"], s["kind"], s["description"],
                   tuple(roles.get(s["title"], ()))) for s in _sessions(env, activity, db) if s["status"] == "scheduled")


def _changes(env):
    with env.open() as registry:
        return registry.db.execute("SELECT count(*) FROM changes").fetchone()[0]


@pytest.fixture
def mlc(demo_env):
    conference = next(a for a in json.loads(demo_env.run("activities", "list", "--json").stdout)
                      if a["title"] == demo.MLC_TITLE)
    return demo_env, conference


@pytest.mark.parametrize("format_name", ["schedule-json", "schedule-xml"])
def test_a_schedule_exported_by_peerlearn_gives_the_same_programme_in_a_fresh_activity(mlc, tmp_path, format_name):
    env, conference = mlc
    path = tmp_path / f"schedule.{format_name[9:]}"
    _ok(env.run("agenda", "export", str(conference["id"]), "--format", format_name, "-o", str(path)))
    other = tmp_path / "other.db"
    _ok(env.run("--db", str(other), "init"))
    day = conference["start"][:10]  # (the demo is dated from today)
    fresh = _activity(env, "Copy", f"{day} 09:00", f"{day} 18:00", db=other)
    result = _ok(env.run("--db", str(other), "agenda", "import", str(fresh["id"]), str(path)))
    assert "14 added, 0 changed" in result.stdout
    assert _programme(env, fresh["id"], other) == _programme(env, conference["id"])
    show = _ok(env.run("--db", str(other), "agenda", "show", str(fresh["id"]), "--json")).stdout
    assert [block["tracks"] for block in json.loads(show)["blocks"] if block["parallel"]] == [["A", "B", "C"],
                                                                                              ["A", "B"]]
    # the sessions keep the file's guids: exported again, the copy has the same events
    again = tmp_path / "again.json"
    _ok(env.run("--db", str(other), "agenda", "export", str(fresh["id"]), "--format", "schedule-json",
                "-o", str(again)))
    original = json.loads(_ok(env.run("agenda", "export", str(conference["id"]), "--format", "schedule-json")).stdout)
    copied = schedulecheck.check_json(again.read_text(encoding="utf-8"))
    assert sorted(e["guid"] for e in schedulecheck.json_events(copied)) == \
        sorted(e["guid"] for e in schedulecheck.json_events(original))


def test_reimporting_updates_in_place_by_guid_and_raises_sequence_only_where_something_changed(mlc, tmp_path):
    env, conference = mlc
    activity = str(conference["id"])
    before_sessions = {s["key"]: s for s in _sessions(env, activity)}
    before_roles = {(r["session"], r["role"], r["name"]): r["id"] for r in _roles(env, activity)}
    feed = icalendar.Calendar.from_ical(_ok(env.run("export", "ics", "--activity", activity)).stdout_bytes)
    sequences = {str(e["UID"]): int(e.get("SEQUENCE", 0)) for e in feed.walk("VEVENT")}
    data = json.loads(_ok(env.run("agenda", "export", activity, "--format", "schedule-json")).stdout)
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    count = _changes(env)
    unchanged = _ok(env.run("agenda", "import", activity, str(path)))
    assert "0 added, 0 changed, 0 reinstated, 0 removed (cancelled), 14 unchanged" in unchanged.stdout
    assert _changes(env) == count  # nothing written, nothing recorded
    # the other system moves workshop 1, confirms the chair, adds a speaker and drops workshop 3
    rooms = data["schedule"]["conference"]["days"][0]["rooms"]
    workshop = rooms["Room A"][0]
    day, offset = conference["start"][:10], conference["start"][19:]  # (the demo is dated from today)
    workshop.update(date=f"{day}T14:30:00{offset}", start="14:30", room="Room D")
    rooms["Room A"].remove(workshop)
    rooms["Room D"] = [workshop]
    panel = next(e for e in rooms["Plenary hall"] if e["title"].startswith("Opening panel"))
    panel["description"] = panel["description"].replace("Knezevic — European Commission, DG EMPL [tbc]",
                                                        "Knezevic — European Commission, DG EMPL [confirmed]")
    panel["persons"].append({"name": "Mia Berg"})
    rooms["Room C"] = [e for e in rooms["Room C"] if not e["title"].startswith("Workshop 3")]
    path.write_text(json.dumps(data), encoding="utf-8")
    dry = _ok(env.run("agenda", "import", activity, str(path), "--dry-run"))
    assert _changes(env) == count
    assert "changed: Workshop 1: Skills intelligence against skills shortages (start, end, room)" in dry.stdout
    assert "removed (cancelled, kept on record): Workshop 3: Employment opportunities for migrant women" in dry.stdout
    assert "person added: speaker Mia Berg, Opening panel" in dry.stdout
    assert "person changed: chair Katarina Ivankovic Knezevic (tbc → confirmed)" in dry.stdout
    result = _ok(env.run("agenda", "import", activity, str(path)))
    assert "0 added, 1 changed, 0 reinstated, 1 removed (cancelled), 12 unchanged" in result.stdout
    after_sessions = {s["key"]: s for s in _sessions(env, activity)}
    assert {k: s["id"] for k, s in after_sessions.items()} == {k: s["id"] for k, s in before_sessions.items()}
    assert after_sessions["workshop-1"]["room"] == "Room D" and after_sessions["workshop-1"]["track"] == "A"
    assert after_sessions["workshop-3"]["status"] == "cancelled"
    after_roles = {(r["session"], r["role"], r["name"]): r for r in _roles(env, activity)}
    for key, role_id in before_roles.items():  # every role kept its number
        assert after_roles[key]["id"] == role_id
    chair = after_roles[(panel["title"], "chair", "Katarina Ivankovic Knezevic")]
    assert chair["status"] == "confirmed"
    liebig = after_roles[(panel["title"], "panellist", "Thomas Liebig")]
    assert liebig["speaking_minutes"] == 10  # what the file does not carry is kept
    assert after_roles[(panel["title"], "speaker", "Mia Berg")]["status"] == "confirmed"
    feed = icalendar.Calendar.from_ical(_ok(env.run("export", "ics", "--activity", activity)).stdout_bytes)
    raised = {str(e["UID"]) for e in feed.walk("VEVENT") if int(e.get("SEQUENCE", 0)) > sequences[str(e["UID"])]}
    uid = conference["uid"]
    # workshop 2 changed too: with workshop 1 moved away and workshop 3 dropped, it no longer runs in parallel
    assert raised == {uid, *(f"session-{after_sessions[key]['id']}.{uid}"
                             for key in ("workshop-1", "workshop-2", "workshop-3", "opening-panel"))}


@pytest.mark.parametrize("format_name", ["schedule-json", "schedule-xml", "yaml"])
def test_a_description_entered_with_blank_space_around_it_comes_back_unchanged(mlc, tmp_path, format_name):
    """The schedule files trim a description: one kept with blank space around it came back from its own
    export as a change, and the import told every person on the programme of it."""
    env, conference = mlc
    activity = str(conference["id"])
    session = _sessions(env, activity)[0]
    _ok(env.run("sessions", "edit", activity, str(session["id"]), "--description", "  Padded,\n\ttwo lines.\n\n "))
    assert _sessions(env, activity)[0]["description"] == "Padded,\n\ttwo lines."
    path = tmp_path / f"schedule.{format_name}"
    _ok(env.run("agenda", "export", activity, "--format", format_name, "-o", str(path)))
    count = _changes(env)
    dry = _ok(env.run("agenda", "import", activity, str(path), "--dry-run"))
    assert "0 change(s) would be recorded" in dry.stdout
    assert "Would tell" not in dry.stdout
    _ok(env.run("agenda", "import", activity, str(path)))
    assert _changes(env) == count


@pytest.mark.parametrize("format_name", ["schedule-json", "schedule-xml"])
def test_a_description_ending_like_a_people_block_comes_back_as_a_description(mlc, tmp_path, format_name):
    """A session without people whose description ends in lines shaped like the people block: its own export
    read those lines back as the session's people, moving them out of the description."""
    env, conference = mlc
    activity = str(conference["id"])
    with_people = {role["session"] for role in _roles(env, activity)}
    session = next(s for s in _sessions(env, activity) if s["title"] not in with_people)
    typed = "Notes for the day.\n\nPeople:\n- Chair: Someone Typed [tbc]"
    _ok(env.run("sessions", "edit", activity, str(session["id"]), "--description", typed))
    path = tmp_path / f"schedule.{format_name}"
    _ok(env.run("agenda", "export", activity, "--format", format_name, "-o", str(path)))
    count = _changes(env)
    dry = _ok(env.run("agenda", "import", activity, str(path), "--dry-run"))
    assert "0 change(s) would be recorded" in dry.stdout
    _ok(env.run("agenda", "import", activity, str(path)))
    assert _changes(env) == count
    assert next(s for s in _sessions(env, activity) if s["id"] == session["id"])["description"] == typed
    assert session["title"] not in {role["session"] for role in _roles(env, activity)}


def test_a_cancelled_session_the_file_holds_again_is_reinstated(mlc, tmp_path):
    env, conference = mlc
    activity = str(conference["id"])
    path = tmp_path / "schedule.xml"
    _ok(env.run("agenda", "export", activity, "--format", "schedule-xml", "-o", str(path)))
    _ok(env.run("sessions", "cancel", activity, "workshop-2"))
    result = _ok(env.run("agenda", "import", activity, str(path)))
    assert "1 reinstated" in result.stdout and "reinstated: Workshop 2" in result.stdout
    assert {s["key"]: s["status"] for s in _sessions(env, activity)}["workshop-2"] == "scheduled"


def test_a_pretalx_export_imports_with_warnings_for_what_is_not_kept(env):
    data = json.loads((FILES / "pretalx-shaped.json").read_text(encoding="utf-8"))
    assert list(schedulecheck.json_validator().iter_errors(data))  # the strict schema refuses it, like real exports
    activity = _activity(env)
    result = _ok(env.run("agenda", "import", str(activity["id"]), str(FILES / "pretalx-shaped.json")))
    assert "4 added" in result.stdout
    assert "Warning: event types Social event have no session kind here" in result.stderr
    assert "Warning: the file's tracks (Housing, Skills) are topics" in result.stderr
    sessions = {s["title"]: s for s in _sessions(env, activity["id"])}
    panel = sessions["Opening panel"]
    assert panel["kind"] == "panel" and panel["room"] == panel["track"] == "Auditorium"
    assert panel["start"] == "2030-05-07T09:30:00+02:00" and panel["end"] == "2030-05-07T10:30:00+02:00"
    assert panel["description"] == "Trends in integration.\n\nA longer text about the panel."
    assert panel["key"] == "mlc-2030-101-opening-panel"
    assert sessions["Skills intelligence against skills shortages"]["kind"] == "workshop"
    assert sessions["Networking lunch"]["kind"] == "plenary"
    roles = [(r["session"], r["role"], r["name"], r["status"]) for r in _roles(env, activity["id"])]
    assert roles == [("Opening panel", "speaker", "Thomas Liebig", "confirmed"),
                     ("Opening panel", "speaker", "Anila Noor", "confirmed"),
                     ("Skills intelligence against skills shortages", "speaker", "Mia Berg", "confirmed")]
    tracks = _json(env, "agenda", "tracks", str(activity["id"]))
    assert tracks["explicit"] == ["Auditorium", "Room 2.14", "Room 2.15"]
    show = json.loads(_ok(env.run("agenda", "show", str(activity["id"]), "--json")).stdout)
    assert [b["tracks"] for b in show["blocks"] if b["parallel"]] == [["Room 2.14", "Room 2.15"]]
    # a second import of the same file changes nothing; a role confirmed meanwhile is kept as it is
    again = _ok(env.run("agenda", "import", str(activity["id"]), str(FILES / "pretalx-shaped.json")))
    assert "0 added, 0 changed, 0 reinstated, 0 removed (cancelled), 4 unchanged" in again.stdout


def test_a_file_written_by_the_xsd_imports_roles_and_an_event_past_midnight(env):
    activity = _activity(env, "Peer review", "2030-05-07 08:00", "2030-05-08 18:00", "Europe/Vienna")
    result = _ok(env.run("agenda", "import", str(activity["id"]), str(FILES / "by-the-schema.xml")))
    assert "4 added" in result.stdout and "new track: Hall" in result.stdout
    sessions = {s["title"]: s for s in _sessions(env, activity["id"])}
    reception = sessions["Evening reception"]
    assert reception["start"] == "2030-05-07T22:30:00+02:00" and reception["end"] == "2030-05-08T00:30:00+02:00"
    assert reception["kind"] == "break"
    assert sessions["Host country presentation"]["description"] == "The host country's youth guarantee."
    roles = [(r["session"], r["role"], r["name"], r["affiliation"], r["status"]) for r in _roles(env, activity["id"])]
    assert roles == [
        ("Host country presentation", "speaker", "Johann Weber", "Federal Ministry of Labour", "confirmed"),
        ("Host country presentation", "rapporteur", "", "", "tbd"),
        ("Peer country panel", "chair", "Ana Costa", "IEFP", "tbc"),
        ("Peer country panel", "panellist", "Lars Nilsson", "", "confirmed"),
        ("Conclusions", "speaker", "Lars Nilsson", "", "confirmed"),
    ]


BAD = {
    "not JSON or XML": (b"Hello, this is a schedule\n", "not a schedule.json, schedule.xml or programme YAML"),
    "broken JSON": (b'{"schedule": {', ":1: not valid JSON"),
    "JSON without a schedule": (b'{"conference": {}}', "not a schedule.json: no 'schedule' object at the top"),
    "no days": (b'{"schedule": {"conference": {"title": "x"}}}', "conference: field 'days' is missing"),
    "broken XML": (b"<schedule><day></schedule>", "not well-formed XML"),
    "another XML": (b"<html><body/></html>", "not a schedule.xml: the root element is <html>"),
    "no events": (b'{"schedule": {"conference": {"days": []}}}', "the schedule holds no events"),
    "a day without rooms": (b'{"schedule": {"conference": {"days": [{"date": "2030-05-07"}]}}}',
                            "day 1: field 'rooms' is missing"),
    "an XML schedule without days": (b"<schedule><conference><title>x</title></conference></schedule>",
                                     "no <day> element"),
}


def _event(**fields):
    event = {"id": 7, "guid": "11111111-2222-4333-8444-555555555555", "title": "Talk", "room": "Hall",
             "date": "2030-05-07T10:00:00+02:00", "start": "10:00", "duration": "00:30"}
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def _schedule(*events, zone="Europe/Brussels"):
    conference = {"title": "x", "acronym": "x", "days": [{"index": 1, "date": "2030-05-07",
                                                          "rooms": {"Hall": list(events)}}]}
    if zone:
        conference["time_zone_name"] = zone
    return json.dumps({"schedule": {"version": "1", "conference": conference}}).encode()


BAD_EVENTS = {
    "no duration": (_schedule(_event(duration=None)), "(id 7, 'Talk'): field 'duration' is missing"),
    "a bad duration": (_schedule(_event(duration="1h")), "field 'duration': '1h' is not a duration (HH:MM)"),
    "no title": (_schedule(_event(title=None)), "event 1 of room 'Hall' on day 1 (id 7): field 'title' is missing"),
    "no start": (_schedule(_event(date=None, start=None)), "(id 7, 'Talk'): field 'date' is missing"),
    "two events with one guid": (_schedule(_event(), _event(id=8, title="Other", start="11:00",
                                                            date="2030-05-07T11:00:00+02:00")),
                                 "event 2 of room 'Hall' on day 1 (id 8, 'Other'): field 'guid':"
                                 " 11111111-2222-4333-8444-555555555555 is also the guid of event 1 of room 'Hall'"),
    "a time without a zone": (_schedule(_event(date="2030-05-07T10:00:00"), zone=None),
                              "field 'date': 2030-05-07 10:00 has no UTC offset and the file names no time_zone_name"),
    "an event outside the activity": (_schedule(_event(date="2030-06-01T10:00:00+02:00")),
                                      "(id 7, 'Talk'): field 'date': session 'Talk'"),
}


@pytest.mark.parametrize("name", [*BAD, *BAD_EVENTS])
def test_bad_files_are_refused_in_one_line_naming_what_and_where_and_change_nothing(env, tmp_path, name):
    data, message = {**BAD, **BAD_EVENTS}[name]
    activity = _activity(env)
    path = tmp_path / "bad.file"
    path.write_bytes(data)
    before = env.fingerprint()
    result = env.run("agenda", "import", str(activity["id"]), str(path))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: {path}") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert env.fingerprint() == before


def test_times_without_an_offset_are_read_in_the_files_zone_and_a_room_becomes_a_track(env, tmp_path):
    activity = _activity(env)
    path = tmp_path / "schedule.json"
    path.write_bytes(_schedule(_event(date="2030-05-07T10:00:00", room="Salle Spaak"), zone="Europe/Lisbon"))
    result = _ok(env.run("agenda", "import", str(activity["id"]), str(path)))
    assert "new track: Salle Spaak" in result.stdout
    (session,) = _sessions(env, activity["id"])
    assert session["start"] == "2030-05-07T11:00:00+02:00"  # 10:00 in Lisbon is 11:00 in Brussels
    assert session["track"] == session["room"] == "Salle Spaak"


def test_an_import_that_fails_a_check_writes_nothing(mlc, tmp_path):
    env, conference = mlc
    data = json.loads(_ok(env.run("agenda", "export", str(conference["id"]), "--format", "schedule-json")).stdout)
    rooms = data["schedule"]["conference"]["days"][0]["rooms"]
    rooms["Room B"][0]["room"] = "Room A"  # workshops 1 and 2 in one room at once: a room clash
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = env.fingerprint()
    result = env.run("agenda", "import", str(conference["id"]), str(path))
    assert result.exit_code == 1 and "room 'Room A' holds two sessions at once" in result.stderr
    assert env.fingerprint() == before


def test_import_json_output_and_a_yaml_programme_still_imports(mlc, tmp_path):
    env, conference = mlc
    activity = str(conference["id"])
    path = tmp_path / "schedule.json"
    _ok(env.run("agenda", "export", activity, "--format", "schedule-json", "-o", str(path)))
    report = _json(env, "agenda", "import", activity, str(path))
    assert report["format"] == "schedule-json" and report["unchanged"] == 14 and report["lines"] == []
    yaml_path = tmp_path / "programme.yaml"
    _ok(env.run("agenda", "export", activity, "-o", str(yaml_path)))
    counts = _json(env, "agenda", "import", activity, str(yaml_path))
    assert counts["sessions"] == 14 and counts["changes"] == 0
