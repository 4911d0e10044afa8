"""Events written without icalendar are the bytes icalendar writes, and plugins' declared properties reach them.

``peerlearn.feeds.vevent`` writes a VEVENT where no plugin needs an
``icalendar.Event``. These tests hold it to icalendar's ``to_ical`` on
random events (every kind of value a feed holds, text with every escape,
lines folded inside multi-byte characters) and in every zone this system
knows; hold whole feeds written either way to each other; and check what a
plugin declares through ``peerlearn_event_properties``: added, merged into
the one CATEGORIES list, never over the event's own values, held to the
rules of text and links, and blamed on the plugin when it is not text.
"""

import datetime as dt
import os
import random
import subprocess
import sys
import zoneinfo
from zoneinfo import ZoneInfo

import icalendar
import pytest
from icalendar.parser import Contentline

from peerlearn import hookimpl
from peerlearn.feeds import ical, vevent

ALPHABET = "ab ;,:\\^\"\n\r\t=xyzé☕🧭ü" + "0123456789"
ZONES = ["Europe/Brussels", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Dublin"]


def _text(rng: random.Random, longest: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(longest)))


def _icalendar(properties) -> str:
    event = icalendar.Event()
    for name, value, parameters in properties:
        if isinstance(value, str) and name != "URL":
            value = icalendar.vText(value)  # every text value is TEXT (icalendar writes COLOR and X- names raw)
        event.add(name, value, parameters=parameters)
    return event.to_ical().decode("utf-8")


def _properties(rng: random.Random) -> list:
    zone = ZoneInfo(rng.choice(ZONES))
    start = dt.datetime(2027, 1, 1, tzinfo=zone) + dt.timedelta(minutes=rng.randrange(10**6))
    stamp = dt.datetime(2026, 5, 1, 12, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=rng.randrange(10**7))
    found = [("UID", f"session-{rng.randrange(10**6)}.activity@example.org", None), ("DTSTAMP", stamp, None),
             ("LAST-MODIFIED", stamp, None), ("SEQUENCE", rng.randrange(50), None),
             ("SUMMARY", _text(rng, 150), None)]
    if rng.random() < 0.3:
        found += [("DTSTART", start.date(), None), ("DTEND", start.date() + dt.timedelta(days=2), None)]
    else:
        found += [("DTSTART", start, None), ("DTEND", start + dt.timedelta(hours=rng.randrange(1, 50)), None)]
    found += [("STATUS", rng.choice(["CONFIRMED", "TENTATIVE", "CANCELLED"]), None),
              ("DESCRIPTION", _text(rng, 2500), None), ("LOCATION", _text(rng, 200), None),
              ("URL", f"https://example.org/{rng.randrange(10**9)}?a=1;b=2,c", None),
              ("CATEGORIES", [_text(rng, 30) or "x" for _ in range(rng.randrange(1, 5))], None),
              ("CLASS", "PUBLIC", None), ("COLOR", rng.choice(["teal", "darkorange"]), None),
              (f"X-{rng.choice(['MLP-TRACK', 'ESF-PERIOD', 'A'])}", _text(rng, 100), None)]
    if rng.random() < 0.5:
        found.append(("RELATED-TO", "activity-1@example.org", {"RELTYPE": "PARENT"}))
    rng.shuffle(found)  # the order of the properties is the writer's to choose, as icalendar's is
    return found


@pytest.mark.parametrize("seed", range(60))
def test_a_random_event_is_written_as_icalendar_writes_it(seed):
    rng = random.Random(seed)
    for _ in range(10):
        properties = _properties(rng)
        written = vevent.write(properties)
        assert written is not None, properties
        assert written == _icalendar(properties)


@pytest.mark.parametrize("wide", ["é", "☕", "🧭"])
@pytest.mark.parametrize("escape", ["\\", "^", "x"])
def test_a_fold_inside_wide_characters_keeps_them_whole_and_escapes_with_what_they_escape(wide, escape):
    for at in range(40, 90):
        line = "DESCRIPTION:" + wide * (at // len(wide.encode())) + escape + "n" + "b" * 100 + wide * 30
        folded = vevent.fold(line)
        assert folded == Contentline(line).to_ical().decode("utf-8")
        assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))


def test_every_zone_is_written_as_icalendar_writes_it_or_left_to_it():
    """Zones that keep UTC's offset (which icalendar may write as UTC) are left to icalendar; no other zone is."""
    left = []
    for name in sorted(zoneinfo.available_timezones()):
        moment = dt.datetime(2027, 3, 28, 2, 30, tzinfo=ZoneInfo(name))
        properties = [("UID", "x@example.org", None), ("DTSTART", moment, None)]
        written = vevent.write(properties)
        if written is None:
            left.append(name)
        else:
            assert written == _icalendar(properties), name
    probe = dt.datetime(2027, 3, 28, 2, 30)
    assert all(not probe.replace(tzinfo=ZoneInfo(name)).utcoffset() for name in left)  # only UTC's equals
    assert {"UTC", "Etc/UTC", "Atlantic/Reykjavik"} <= set(left)
    assert "Europe/Brussels" not in left and "Europe/London" not in left and len(left) < 60


def test_what_it_cannot_vouch_for_is_left_to_icalendar():
    start = dt.datetime(2027, 1, 4, 9, tzinfo=ZoneInfo("Europe/Brussels"))
    assert vevent.write([("DTSTART", start.replace(tzinfo=None), None)]) is None  # floating time
    assert vevent.write([("RRULE", icalendar.vRecur({"FREQ": "WEEKLY"}), None)]) is None
    assert vevent.write([("X-FLAG", True, None)]) is None
    assert vevent.write([("RELATED-TO", "a@b", {"RELTYPE": "PARENT;X"})]) is None


def test_the_feeds_refresh_interval_is_icalendars_duration():
    assert ical._refresh() == icalendar.vDuration(ical.REFRESH).to_ical().decode()


class _NeedsIcalendar:
    """A plugin that adjusts events in place, so that every event is built with icalendar."""

    @hookimpl
    def peerlearn_ical_event(self, network, activity, event, session):
        return None


def _feeds(env, folder) -> dict:
    result = env.run("feeds", "build", str(folder), "--private-dir", str(folder) + "-private", "--full")
    assert result.exit_code == 0, result.output
    return {path.relative_to(folder.parent): path.read_bytes()
            for root in (folder, folder.parent / (folder.name + "-private"))
            for path in root.rglob("*.ics")}


def test_feeds_written_without_icalendar_are_the_feeds_icalendar_writes(demo_env, tmp_path):
    """The demo's every feed (four networks' properties, sessions in tracks, a peer link), written both ways."""
    native = _feeds(demo_env, tmp_path / "native")
    demo_env.register(_NeedsIcalendar(), name="needs_icalendar")
    built = _feeds(demo_env, tmp_path / "native")  # the plugins changed: every cached event is built again
    assert len(native) > 40
    rename = {path: path for path in native}
    assert {rename[path]: body for path, body in built.items()} == native
    texts = b"".join(native.values())
    for declared in (b"COLOR:", b"X-MLP-ACTIVITY-TYPE:", b"X-ESF-PROGRAMMING-PERIOD:", b"X-PES-FOLLOW-UP:",
                     b"X-EIN-HOST-COUNTRY:", b"parallel workshop"):
        assert declared in texts, declared


class _Declares:
    def __init__(self, found):
        self.found = found

    @hookimpl
    def peerlearn_event_properties(self, network, activity, session):
        return self.found if session is None else None


def _events(env, activity="13") -> dict:
    from feedcheck import check

    result = env.run("export", "ics", "--activity", activity)
    assert result.exit_code == 0, result.output
    return {str(event["UID"]): event for event in check(result.stdout_bytes).walk("VEVENT")}


def test_peerlearn_event_properties_are_added_merged_and_never_over_the_events_own(demo_env):
    before = {uid: event for uid, event in _events(demo_env).items() if not uid.startswith("session-")}
    (uid, event), = before.items()
    own_summary = str(event["SUMMARY"])
    demo_env.register(_Declares({"x-room-plan": "Hall B; 2nd floor, left", "summary": "Not the title",
                                 "categories": ["Declared", "declared", "  "], "Color": "teal"}), name="declares")
    after = _events(demo_env)[uid]
    # an X- property is TEXT unless it says otherwise (RFC 5545 3.8.8.2): its commas and semicolons escaped
    assert b"X-ROOM-PLAN:Hall B\\; 2nd floor\\, left\r\n" in demo_env.run("export", "ics", "--activity",
                                                                        "13").stdout_bytes
    assert str(after["SUMMARY"]) == own_summary
    assert str(after["COLOR"]) == "teal"
    labels = [str(label) for label in after["CATEGORIES"].cats]
    assert labels[-1] == "Declared" and [label.casefold() for label in labels].count("declared") == 1


def test_peerlearn_event_properties_text_and_links_are_held_to_the_rules(demo_env):
    demo_env.register(_Declares({"url": "javascript:alert(1)", "x-note": "from a plugin\x1b[31m"}), name="declares")
    events = _events(demo_env)
    assert len(events) > 3
    for event in events.values():
        assert not str(event.get("URL", "")).startswith("javascript")
    own = [event for uid, event in events.items() if not uid.startswith("session-")]
    assert [str(event["X-NOTE"]) for event in own] == ["from a plugin\ufffd[31m"]


@pytest.mark.parametrize("found", [["a list"], {"x-count": 3}, {"categories": [1, 2]}])
def test_a_declaration_that_is_not_text_is_blamed_on_its_plugin(demo_env, tmp_path, found):
    demo_env.register(_Declares(found), name="declares_badly")
    result = demo_env.run("feeds", "build", str(tmp_path / "feeds"), "--full")
    assert result.exit_code != 0
    assert "declares_badly" in result.stderr and "peerlearn_event_properties" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_one_change_rebuild_does_not_load_icalendar(tmp_path):
    """With the network plugins (which declare their properties), rebuilding a changed activity's feeds
    writes its events without importing icalendar."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PEERLEARN_DB",)}
    environment["PEERLEARN_LOAD_PLUGINS"] = "esf_migration,integration_network,mutual_learning,pes,demo"
    environment["PEERLEARN_ACTOR"] = "tester"
    db, feeds = tmp_path / "demo.db", tmp_path / "feeds"

    def peerlearn(*args):
        return subprocess.run([sys.executable, "-m", "peerlearn", "--db", str(db), *args], capture_output=True,
                              text=True, env=environment, check=True)

    peerlearn("demo")
    peerlearn("feeds", "build", str(feeds))
    peerlearn("activities", "edit", "13", "--title", "Retitled conference")
    probe = ("import runpy, sys\nsys.argv = ['peerlearn', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('peerlearn', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('ICALENDAR', 'icalendar' in sys.modules, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe, "--db", str(db), "feeds", "build", str(feeds)],
                            capture_output=True, text=True, env=environment, check=True)
    assert "ICALENDAR False" in result.stderr
    assert "written" in result.stdout + result.stderr
    assert "Retitled conference" in (feeds / "activities" / "13.ics").read_text("utf-8")
