"""A feed with no event is still a calendar: it carries its zone's VTIMEZONE (RFC 5545 §3.6)."""

import datetime as dt
import json

import feedcheck
import icalendar
import pytest
from icalendar.error import IncompleteComponent


def _export(env, *scope):
    result = env.run("export", "ics", *scope)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _zones(data):
    return [str(zone["TZID"]) for zone in feedcheck.check(data).walk("VTIMEZONE")]


def test_a_calendar_without_a_component_is_what_strict_parsers_refuse():
    """The check below is not vacuous: a bare VCALENDAR, as feeds were, fails icalendar's validate()."""
    bare = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nEND:VCALENDAR\r\n"
    with pytest.raises(IncompleteComponent):
        icalendar.Calendar.from_ical(bare).validate()


def test_a_network_feed_with_no_event_carries_the_network_zone(env):
    assert env.run("init").exit_code == 0
    data = _export(env, "--network", "esf_migration")
    assert feedcheck.events(data) == {}  # icalendar (with validate()), vobject and ics-py accept it
    assert _zones(data) == ["Europe/Brussels"]
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in feedcheck.unfold(data)  # the zone's current rules
    assert feedcheck.expand(data, dt.date(2026, 1, 1), dt.date(2030, 1, 1)) == []


def test_an_ended_activity_feed_holds_its_zone_only(env, tmp_path):
    assert env.run("init").exit_code == 0
    added = env.run("activities", "add", "--json", "--network", "pes", "--kind", "event", "--title", "Old event",
                    "--start", "2020-03-10 09:00", "--end", "17:00", "--tz", "America/New_York", "--city", "Boston")
    ended = json.loads(added.stdout)
    data = _export(env, "--activity", str(ended["id"]))
    assert feedcheck.events(data) == {} and _zones(data) == ["America/New_York"]
    # with a window that reaches back to it, the event is there again
    assert set(feedcheck.events(_export(env, "--activity", str(ended["id"]), "--from", "2020-01-01"))) == {ended["uid"]}
    assert env.run("feeds", "build", str(tmp_path / "public")).exit_code == 0
    built = (tmp_path / "public" / "activities" / f"{ended['id']}.ics").read_bytes()
    assert feedcheck.events(built) == {} and _zones(built) == ["America/New_York"]
    for path in (tmp_path / "public").rglob("*.ics"):  # every network feed here is empty too
        feedcheck.events(path.read_bytes())


def test_a_member_feed_with_nothing_in_it_carries_utc(env):
    assert env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service").exit_code == 0
    data = _export(env, "--member", "VDAB")
    assert feedcheck.events(data) == {} and _zones(data) == ["UTC"]
    assert "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000" in feedcheck.unfold(data)


def test_a_feed_of_all_day_events_only_still_carries_a_zone(env):
    assert env.run("init").exit_code == 0
    assert env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Two days",
                   "--start", "2027-06-10", "--end", "2027-06-11").exit_code == 0
    data = _export(env, "--network", "pes", "--from", "2027-01-01")
    assert len(feedcheck.events(data)) == 1 and _zones(data) == ["Europe/Brussels"]
