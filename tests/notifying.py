"""What the tests of notices share: the demo conference with a few addresses, and readers of the outbox."""

import datetime as dt
import json

import icalendar
from peerlearn_plugins.demo.data import MLC_TITLE

PANEL = "opening-panel"


def ok(peerlearn, *args, **kwargs):
    result = peerlearn.run(*args, **kwargs)
    assert result.exit_code == 0, result.output
    return result


def with_addresses(env):
    """The demo conference, with an address for a panellist (through his member) and two registered participants."""
    activities = json.loads(ok(env, "activities", "list", "--json").stdout)
    conference_id = next(a["id"] for a in activities if a["title"] == MLC_TITLE)
    ok(env, "members", "edit", "Thomas Liebig (OECD)", "--email", "thomas@oecd.example")
    ok(env, "members", "edit", "Bundesministerium für Arbeit und Soziales", "--email", "bmas@bund.example")
    ok(env, "members", "edit", "BusinessEurope", "--email", "secretariat@businesseurope.example")
    env.conference = conference_id
    return env


def outbox(env, *args):
    return json.loads(ok(env, "notify", "list", "--json", *args).stdout)


def calendar_parts(message):
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def feed_events(env, activity_id):
    text = ok(env, "export", "ics", "--activity", str(activity_id)).stdout
    return {str(event["UID"]): event for event in icalendar.Calendar.from_ical(text).walk("VEVENT")}


def session_uid(env, activity_id, key):
    sessions = json.loads(ok(env, "sessions", "list", str(activity_id), "--json").stdout)
    session = next(s for s in sessions if s["key"] == key)
    activity = json.loads(ok(env, "activities", "show", str(activity_id), "--json").stdout)
    return f"session-{session['id']}.{activity['uid']}"


def day(env):
    activity = json.loads(ok(env, "activities", "show", str(env.conference), "--json").stdout)
    return activity["start"][:10]


def weekday(day):
    return f"{dt.date.fromisoformat(day):%a %d %b %Y}"
