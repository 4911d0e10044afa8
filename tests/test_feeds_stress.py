"""Every feed of a stress registry, and of the demo, is read alike by every consumer we know.

Each network, activity and member feed must be accepted by icalendar's
strict parse and ``validate()``, ics-py, vobject and recurring-ical-events,
and every timed occurrence must be the same instant in zoneinfo, vobject and
Mozilla's ical.js (see ``feedcheck``). The stress registry is built through
the CLI with fixed dates; its feeds are built with the clock set to
:data:`NOW`, so nothing depends on today.
"""

import datetime as dt
import json
from pathlib import Path

import feedcheck
import pytest

NOW = dt.datetime(2027, 1, 4, 12, tzinfo=dt.timezone.utc)
UNTIL = dt.date(2038, 1, 1)  # a rule without end is checked ten years out
EMOJI = "🎉 Kick-off 🚀 for 👩🏽‍💻 coders and 🇪🇺 families"
RTL = "ورشة عمل: إدماج المهاجرين — סדנה: שילוב מהגרים"
LONG = "".join(f"Paragraph {n}: inclusion; skills, jobs — café ☕ and 🧭 directions.\n" for n in range(80))[:5000]
PROGRAMME = f"""\
tracks: [plenary, A, B]
sessions:
- id: welcome
  title: Welcome
  kind: opening
  start: '09:30'
  end: '10:00'
  track: plenary
  room: Plenary hall
- id: workshop-a
  title: "{RTL}"
  kind: workshop
  start: '10:00'
  end: '11:30'
  track: A
  room: Room A
  roles:
  - role: speaker
    status: confirmed
    member: Työmarkkinatori 🇫🇮
- id: workshop-b
  title: "Workshop B: {EMOJI}"
  kind: workshop
  start: '10:00'
  end: '11:30'
  track: B
  room: Room B
  roles:
  - role: moderator
    status: tbc
    member: VDAB
- id: lunch
  title: Lunch
  kind: break
  start: '11:30'
  end: '13:00'
  track: plenary
- id: workshop-b2
  title: Workshop B2, moved later
  kind: workshop
  start: '13:00'
  end: '14:00'
  track: B
  roles:
  - role: speaker
    status: confirmed
    member: VDAB
- id: closing
  title: Closing
  kind: panel
  start: '15:00'
  end: '16:00'
  track: plenary
- id: reception
  title: Farewell reception, cancelled
  kind: plenary
  start: '16:00'
  end: '16:30'
  track: plenary
"""
#: Changes to the conference's programme once published, applied in order: a session moved, another cancelled.
PROGRAMME_CHANGES = [
    ("sessions", "move", "{conference}", "workshop-b2", "--start", "14:00", "--end", "15:00"),
    ("sessions", "cancel", "{conference}", "reception"),
]


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _add(env, network, kind, title, start, end, *extra):
    result = _ok(env.run("activities", "add", "--json", "--network", network, "--kind", kind, "--title", title,
                         "--start", start, "--end", end, "--city", "Brussels", "--country", "BE", *extra))
    return json.loads(result.stdout)


@pytest.fixture
def stress(env, tmp_path):
    """A registry with every kind of text, time and zone a feed must carry."""
    _ok(env.run("init"))
    categories = {"pes": "public employment service", "mutual_learning": "expert", "esf_migration": "stakeholder"}
    for name, country, networks in (("VDAB", "BE", ("pes", "mutual_learning")),
                                    ("Työmarkkinatori 🇫🇮", "FI", ("pes", "mutual_learning", "esf_migration"))):
        _ok(env.run("members", "add", name, "--country", country))
        for net in networks:
            _ok(env.run("members", "join", name, net, "--category", categories[net]))
    added = {
        "emoji": _add(env, "pes", "event", EMOJI, "2027-06-10 09:30", "17:00", "--theme", "🧩 puzzles"),
        "rtl": _add(env, "mutual_learning", "thematic_event", RTL, "2027-02-03 10:00", "12:00",
                    "--description", f"{RTL}\n{RTL}"),
        "long": _add(env, "pes", "webinar", "A long description", "2027-03-03 14:00", "15:00",
                     "--description", LONG, "--online-url", "https://example.org/webinar"),
        "all-day": _add(env, "esf_migration", "site_visit", "Site visit, one day", "2027-05-05", "2027-05-05"),
        "multi-day": _add(env, "esf_migration", "site_visit", "Site visit, three days", "2027-09-20", "2027-09-22"),
        "across-dst": _add(env, "pes", "meeting", "Two days across the clock change", "2027-10-30 09:00",
                           "2027-10-31 17:00"),
        "monthly": _add(env, "pes", "meeting", "Steering group", "2027-01-05 14:00", "15:00",
                        "--rrule", "FREQ=MONTHLY;BYDAY=1TU"),
        "new-york": _add(env, "pes", "meeting", "Call with New York", "2027-07-01 10:00", "11:00",
                         "--tz", "America/New_York"),
        "kolkata": _add(env, "pes", "meeting", "Call with Kolkata", "2027-12-01 10:00", "11:00", "--tz", "Asia/Kolkata"),
        "sydney": _add(env, "pes", "meeting", "Yearly call with Sydney", "2027-08-11 09:00", "10:00",
                       "--tz", "Australia/Sydney", "--rrule", "FREQ=YEARLY"),
        "cancelled": _add(env, "pes", "event", "Cancelled event", "2027-04-14 09:00", "12:00"),
        "tentative": _add(env, "pes", "event", "Tentative event", "2027-11-17 09:00", "12:00",
                          "--status", "tentative"),
        "conference": _add(env, "mutual_learning", "conference", "Stress conference", "2027-03-16 09:30", "17:00"),
    }
    for moment in ("2027-03-02 14:00", "2027-08-03 14:00"):
        _ok(env.run("activities", "cancel-occurrence", str(added["monthly"]["id"]), moment))
    programme = tmp_path / "programme.yaml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    conference = str(added["conference"]["id"])
    _ok(env.run("agenda", "import", conference, str(programme)))
    for key in ("emoji", "long", "monthly", "new-york", "sydney", "cancelled", "conference"):
        _ok(env.run("participants", "register", str(added[key]["id"]), "VDAB"))
    for key in ("rtl", "all-day", "multi-day", "kolkata", "conference"):
        _ok(env.run("participants", "register", str(added[key]["id"]), "Työmarkkinatori 🇫🇮"))
    _ok(env.run("activities", "cancel", str(added["cancelled"]["id"])))
    _all_feeds(env, tmp_path)  # published: from now on subscribers must see each change
    for change in PROGRAMME_CHANGES:
        _ok(env.run(*(part.format(conference=conference) for part in change)))
    return env, added


def _all_feeds(env, folder: Path):
    """Every network, activity and member feed, built (again) by ``feeds build``'s library call at :data:`NOW`."""
    from peerlearn.feeds import publish

    registry = env.open()
    try:
        report = publish.build(registry, folder / "public", private_folder=folder / "private", now=NOW)
    finally:
        registry.close()
    assert report.warnings == ()
    return {path.relative_to(part).as_posix(): path.read_bytes()
            for part in (folder / "public", folder / "private") for path in sorted(part.rglob("*.ics"))}


def _check_every_consumer(feeds: dict[str, bytes], until: dt.date, first: dt.date) -> dict[str, dict]:
    found = {}
    for name, data in feeds.items():
        found[name] = feedcheck.events(data)  # strict icalendar + validate(), vobject, ics-py
        feedcheck.expand(data, first, until)  # recurring-ical-events
    feedcheck.instants(feeds, until)  # zoneinfo, vobject, ical.js
    return found


def test_every_feed_of_the_stress_registry_is_read_alike_everywhere(stress, tmp_path):
    env, added = stress
    feeds = _all_feeds(env, tmp_path)
    scopes = {name.split("/")[0] for name in feeds}
    assert scopes == {"networks", "activities", "members"} and len(feeds) == 4 + len(added) + 2
    found = _check_every_consumer(feeds, UNTIL, dt.date(2026, 1, 1))

    pes = found["networks/pes.ics"]
    assert pes[added["emoji"]["uid"]]["summary"] == EMOJI
    assert pes[added["cancelled"]["uid"]]["status"] == "CANCELLED"
    assert pes[added["tentative"]["uid"]]["status"] == "TENTATIVE"
    assert found["networks/mutual_learning.ics"][added["rtl"]["uid"]]["summary"] == RTL
    esf = found["networks/esf_migration.ics"]
    assert (esf[added["multi-day"]["uid"]]["start"], esf[added["multi-day"]["uid"]]["end"]) == (
        dt.date(2027, 9, 20), dt.date(2027, 9, 23))  # dates, with an exclusive end
    across = pes[added["across-dst"]["uid"]]
    assert across["end"] - across["start"] == dt.timedelta(hours=33)  # one hour more than on the wall

    # the 5,000 characters come back whole from each parser
    data = feeds["networks/pes.ics"]
    (event,) = [e for e in feedcheck.check(data).walk("VEVENT") if str(e["UID"]) == added["long"]["uid"]]
    assert len(LONG) == 5000 and str(event["DESCRIPTION"]) == LONG
    import ics
    import vobject

    assert {e.uid: e.description for e in ics.Calendar(data.decode()).events}[added["long"]["uid"]] == LONG
    assert {e.uid.value: e.description.value for e in vobject.readOne(data.decode()).vevent_list
            if hasattr(e, "description")}[added["long"]["uid"]] == LONG

    # the monthly rule without end: its cancelled occurrences are gone, for recurring-ical-events and ical.js
    monthly = [occurrence["DTSTART"].dt for occurrence in feedcheck.expand(data, dt.date(2027, 1, 1), UNTIL)
               if str(occurrence["UID"]) == added["monthly"]["uid"]]
    days = {moment.date() for moment in monthly}
    assert dt.date(2027, 3, 2) not in days and dt.date(2027, 8, 3) not in days and dt.date(2037, 12, 1) in days
    read = feedcheck.ical_js({"pes": data}, UNTIL)["pes"]
    assert [wall for wall, _ in read[added["monthly"]["uid"]]["occurrences"]] == sorted(
        f"{moment:%Y-%m-%dT%H:%M:%S}" for moment in monthly)
    sydney = read[added["sydney"]["uid"]]["occurrences"]
    assert len(sydney) == 11 and sydney[-1][0] == "2037-08-11T09:00:00"

    # the conference: its sessions, the moved one with a raised SEQUENCE, in its feed and its speakers'
    conference = found[f"activities/{added['conference']['id']}.ics"]
    sessions = {event["summary"].split(" (")[0]: event for uid, event in conference.items() if uid.startswith("session-")}
    assert len(sessions) == 7 and f"Workshop B: {EMOJI}" in sessions and RTL in sessions
    cancelled = sessions["Farewell reception, cancelled"]
    assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] >= 1  # kept, so calendars drop it
    moved = sessions["Workshop B2, moved later"]
    assert moved["sequence"] >= 1 and moved["start"] == dt.datetime(2027, 3, 16, 13, tzinfo=dt.timezone.utc)
    member_feeds = [feed for name, feed in found.items() if name.startswith("members/")]
    assert any(moved["start"] == event["start"] for feed in member_feeds for event in feed.values())
    categories = {str(event["UID"]): feedcheck.categories(event) for event in feedcheck.check(
        feeds[f"activities/{added['conference']['id']}.ics"]).walk("VEVENT")}
    parallel = sorted(summary for summary, event in sessions.items()
                      if "parallel workshop" in categories[[uid for uid, e in conference.items() if e is event][0]])
    assert parallel == sorted([RTL, f"Workshop B: {EMOJI}"])  # B2 runs beside nothing


def test_every_feed_of_the_demo_is_read_alike_everywhere(demo_env, tmp_path):
    """The demo's feeds, built and exported through the CLI (the demo's dates follow today's)."""
    today = dt.date.today()
    result = demo_env.run("feeds", "build", str(tmp_path / "public"), "--private-dir", str(tmp_path / "private"))
    assert result.exit_code == 0 and "Warning" not in result.stderr, result.output
    feeds = {path.relative_to(part).as_posix(): path.read_bytes()
             for part in (tmp_path / "public", tmp_path / "private") for path in sorted(part.rglob("*.ics"))}
    assert {name.split("/")[0] for name in feeds} == {"networks", "activities", "members"}
    for slug in ("esf_migration", "integration_network", "mutual_learning", "pes"):
        exported = demo_env.run("export", "ics", "--network", slug, "--from", "2000-01-01")
        assert exported.exit_code == 0 and "Warning" not in exported.stderr
        feeds[f"export {slug}"] = exported.stdout_bytes
    found = _check_every_consumer(feeds, today + dt.timedelta(days=3660), today - dt.timedelta(days=800))
    assert sum(len(events) for events in found.values()) > 100
