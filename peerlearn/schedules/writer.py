"""Writing a programme as a frab/pentabarf schedule: ``schedule.json`` and ``schedule.xml``.

Both follow the format published by the voc/schedule repository (its JSON
schema and XSD are kept under ``tests/schedule_schemas/`` and the tests
validate both outputs against them). The conference is the activity: its
title, an acronym made from its network's and its number (``mlp_13``), its
days in its own timezone. Each session taking place is one event:

- ``guid``: the session's UUID, which never changes (:mod:`.guids`);
- ``id``: the session's number; ``slug``: ``<acronym>-<number>-<key>``;
- ``date`` (with the UTC offset), ``start`` (``HH:MM``) and ``duration``,
  in the activity's timezone; an event belongs to the day it starts on;
- ``room``: the session's room, or ``Track <name>`` where it has none;
  ``track``: its track; ``type``: its kind (``workshop``, ``panel``…);
- ``title``; ``abstract``: its description; ``description``: the same,
  followed by its people with their part and status (:mod:`.people`);
- ``persons``: the public names of the people on it (no email, ever);
- ``url``: the session on the activity's web page, where the site's address
  is known (in JSON, which requires one, ``urn:uuid:<guid>`` otherwise).

A cancelled session is not written, as frab and pretalx do: the apps that
read schedules treat an event that is gone as cancelled (they compare
versions), while an event that stays would be shown and recorded. The
change is announced with the release (see :mod:`.diff`, :mod:`.announce`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections import namedtuple
from typing import TYPE_CHECKING, Any

import attrs

from .. import text, urls
from ..errors import ValidationError
from ..version import __version__
from ..agenda.tracks import ordered
from ..timeutil import zone
from . import guids, people
from .snapshot import Programme

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity, Network, Session

GENERATOR = "peerlearn"
SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
TIMESLOT = "00:05"
#: time_zone_name must match this in the JSON schema; other zones (Etc/GMT+1…) are left to the offsets.
_ZONE_NAME = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")


@attrs.frozen
class Options:
    """How a schedule is written: the website's address (for event urls) and the language of the sessions."""

    #: where the website is published (https://…): each event's url points to its session on the activity's page
    base_url: str | None = attrs.field(default=None, converter=lambda value: value.rstrip("/") if value else None)
    #: the language of the sessions (an ISO 639 code)
    language: str = "en"

    def __attrs_post_init__(self) -> None:
        """Both are written into the schedule as they are: a control character would make schedule.xml no XML."""
        wrong = urls.base_problem(self.base_url) if self.base_url else None
        if wrong:
            raise ValidationError(f"{self.base_url!r} is not an http(s) URL such as https://events.example.org:"
                                  f" {wrong}", field="base_url")
        wrong = text.problem(self.language)
        if wrong:
            raise ValidationError(wrong, field="language")


def acronym(activity: "Activity", network: "Network | None") -> str:
    """The conference acronym: the network's acronym (or slug) and the activity's number, e.g. ``mlp_13``."""
    base = re.sub(r"[^a-z0-9]+", "_", ((network.acronym or network.slug) if network else activity.network).casefold())
    return f"{base.strip('_') or 'peerlearn'}_{activity.id}"


def room_of(session: "Session") -> str:
    """The room an event is written in: the session's, else one named after its track."""
    return session.room or track_room(session.track)


def track_room(track: str) -> str:
    return f"Track {track}" if track else "Main room"


def page_url(options: Options, activity: "Activity") -> str | None:
    return f"{options.base_url}/activities/{activity.id}.html" if options.base_url else None


def _duration(session: "Session") -> str:
    minutes = session.minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(activity: "Activity") -> list[dt.date]:
    first = activity.local_start.date()
    last = (activity.local_end - dt.timedelta(microseconds=1)).date()
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


#: A session as both formats write it: the session, its guid, its room and the fields of the event.
_Event = namedtuple("_Event", "session guid room fields")
#: A day of the schedule: its number (from 1), date, start and end, and its (room, events) in room order.
_Day = namedtuple("_Day", "number date start end rooms")


def _layout(activity: "Activity", network: "Network | None", programme: Programme,
            options: Options) -> tuple[list[str], list[_Day]]:
    """The rooms (in the order of their tracks) and the days with their events, as both formats write them."""
    tz = zone(activity.timezone)
    code = acronym(activity, network)
    page = page_url(options, activity)
    sessions = [session for session in programme.sessions if session.status != "cancelled"]
    track_order = ordered({session.track for session in programme.sessions}, programme.tracks)
    rank = {track: index for index, track in enumerate(track_order)}
    rooms: list[str] = []
    for session in sorted(sessions, key=lambda s: (rank[s.track], s.start, s.id or 0)):
        if room_of(session) not in rooms:
            rooms.append(room_of(session))
    by_day: dict[dt.date, dict[str, list[_Event]]] = {}
    for session in sorted(sessions, key=lambda s: (s.start, rank[s.track], s.id or 0)):
        guid = programme.guid(session)
        local_start = session.local_start
        slug = re.sub(r"[^a-z0-9_-]+", "-", f"{code}-{session.id}-{session.key}".casefold()).strip("-_")
        fields = {
            "id": session.id,
            "guid": guid,
            "date": local_start.isoformat(),
            "start": f"{local_start:%H:%M}",
            "duration": _duration(session),
            "room": room_of(session),
            "slug": slug,
            "url": f"{page}#session-{session.key or session.id}" if page else None,
            "title": session.title,
            "subtitle": "",
            "track": session.track or None,
            "type": session.kind,
            "language": options.language,
            "abstract": session.description,
            "description": people.with_block(session.description, programme.roles_of(session)),
            "persons": [role.name for role in programme.roles_of(session) if role.name],
        }
        day_rooms = by_day.setdefault(local_start.date(), {})
        day_rooms.setdefault(room_of(session), []).append(_Event(session, guid, room_of(session), fields))
    days = []
    for index, date in enumerate(_days(activity), start=1):
        day_rooms = by_day.get(date, {})
        start = dt.datetime.combine(date, dt.time(), tz)
        end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tz)
        ends = [event.session.local_end for events in day_rooms.values() for event in events]
        end = max([end, *ends])
        days.append(_Day(index, date, start, end,
                         tuple((room, tuple(day_rooms[room])) for room in rooms if room in day_rooms)))
    return rooms, days


def _version(programme: Programme, activity: "Activity") -> str:
    return programme.version.name if programme.version else f"working-{activity.sequence}"


def _room_guid(activity: "Activity", room: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{guids.PREFIX}{activity.uid}/room/{room}"))


def to_json_data(activity: "Activity", network: "Network | None", programme: Programme,
                 options: Options = Options()) -> dict[str, Any]:
    """The programme as schedule.json data."""
    rooms, days = _layout(activity, network, programme, options)
    conference: dict[str, Any] = {
        "acronym": acronym(activity, network),
        "title": activity.title,
        "start": days[0].date.isoformat(),
        "end": days[-1].date.isoformat(),
        "daysCount": len(days),
        "timeslot_duration": TIMESLOT,
    }
    if activity.description:
        conference["description"] = activity.description
    if _ZONE_NAME.match(activity.timezone):
        conference["time_zone_name"] = activity.timezone
    if page_url(options, activity):
        conference["url"] = page_url(options, activity)
    tracks = [track for track in ordered({s.track for s in programme.sessions}, programme.tracks) if track]
    if tracks:
        conference["tracks"] = [{"name": track} for track in tracks]
    conference["rooms"] = [{"name": room, "guid": _room_guid(activity, room)} for room in rooms]
    conference["days"] = [
        {"index": day.number, "date": day.date.isoformat(), "day_start": day.start.isoformat(),
         "day_end": day.end.isoformat(),
         "rooms": {room: [_json_event(event) for event in events] for room, events in day.rooms}}
        for day in days
    ]
    schedule: dict[str, Any] = {"version": _version(programme, activity)}
    if options.base_url:
        schedule["base_url"] = options.base_url + "/"
    schedule["conference"] = conference
    return {"$schema": SCHEMA_URL, "generator": {"name": GENERATOR, "version": __version__}, "schedule": schedule}


def _json_event(event: _Event) -> dict[str, Any]:
    fields = dict(event.fields)
    fields["url"] = fields["url"] or f"urn:uuid:{event.guid}"
    fields["persons"] = [{"name": name, "public_name": name} for name in fields["persons"]]
    fields["links"] = []
    return fields


def to_json(activity: "Activity", network: "Network | None", programme: Programme, options: Options = Options()) -> str:
    """The programme as schedule.json text (compact: written for programs, and ten times faster to write)."""
    return json.dumps(to_json_data(activity, network, programme, options), ensure_ascii=False,
                      separators=(",", ":")) + "\n"


_XML_EVENT_FIELDS = ("room", "title", "subtitle", "type", "date", "start", "duration", "abstract", "slug", "track")


def to_xml(activity: "Activity", network: "Network | None", programme: Programme, options: Options = Options()) -> str:
    """The programme as schedule.xml text."""
    rooms, days = _layout(activity, network, programme, options)
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=GENERATOR, version=__version__)
    ET.SubElement(root, "version").text = _version(programme, activity)
    conference = ET.SubElement(root, "conference")
    for name, value in (("title", activity.title), ("acronym", acronym(activity, network)),
                        ("start", days[0].date.isoformat()), ("end", days[-1].date.isoformat()),
                        ("days", str(len(days))), ("timeslot_duration", TIMESLOT),
                        ("base_url", options.base_url + "/" if options.base_url else None),
                        ("time_zone_name", activity.timezone)):
        if value:
            ET.SubElement(conference, name).text = value
    for day in days:
        day_element = ET.SubElement(root, "day", index=str(day.number), date=day.date.isoformat(),
                                    start=day.start.isoformat(), end=day.end.isoformat())
        for room, events in day.rooms:
            room_element = ET.SubElement(day_element, "room", name=room)
            for event in events:
                _xml_event(room_element, event)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _xml_event(parent: ET.Element, event: _Event) -> None:
    fields = event.fields
    element = ET.SubElement(parent, "event", id=str(fields["id"]), guid=event.guid)
    for name in _XML_EVENT_FIELDS:
        ET.SubElement(element, name).text = fields[name] or ""
    persons = ET.SubElement(element, "persons")
    for name in fields["persons"]:
        ET.SubElement(persons, "person").text = name
    ET.SubElement(element, "language").text = fields["language"]
    ET.SubElement(element, "description").text = fields["description"]
    ET.SubElement(element, "links")
    if fields["url"]:
        ET.SubElement(element, "url").text = fields["url"]
