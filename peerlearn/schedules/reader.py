"""Reading a schedule.json or schedule.xml written by any system (frab, pretalx, peerlearn…).

The format is recognised by content. What an import needs — days, rooms,
events with a title, a start and a duration — must be there: otherwise one
line names the file, the event and the field. Files written by real
systems do not always pass the strict schema (acronym and slug patterns,
``do_not_record`` as a boolean, extra fields such as ``answers``): those
deviations are not errors; what is meaningful is read, and what is lost is
said in warnings. Times are read in the file's zone: an event's ``date``
with its UTC offset, else its day's date and ``start`` in the file's
``time_zone_name``; a time with neither is refused rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any, Iterator

import attrs

from ..errors import ValidationError
from ..text import problem as text_problem
from ..models import Role
from ..timeutil import localize, zone
from . import people, writer

_DURATION = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DECLARED_ENCODING = re.compile(rb"(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([^\"'>]{1,60})[\"']")
#: Event types other systems write, and the kind of session each becomes (others: plenary, with a warning).
TYPE_KINDS = {
    "opening": "opening", "welcome": "opening", "keynote": "keynote", "panel": "panel", "podium": "panel",
    "discussion": "panel", "workshop": "workshop", "hands-on": "workshop", "hands_on": "workshop",
    "plenary": "plenary", "talk": "plenary", "lecture": "plenary", "lightning talk": "plenary",
    "lightning_talk": "plenary", "presentation": "plenary", "meeting": "plenary", "qa": "qa", "q&a": "qa",
    "break": "break", "pause": "break", "lunch": "break", "coffee break": "break", "closing": "closing",
}


class ScheduleError(ValidationError):
    """A schedule file that cannot be imported; the message names the file, the event and the field."""


@attrs.frozen
class FileEvent:
    """One event of a schedule file, read and checked, times aware."""

    where: str
    guid: str
    title: str
    start: dt.datetime
    end: dt.datetime
    room: str
    track: str = ""
    #: the kind the event's type names, or None when the type is unknown
    kind: str | None = None
    slug: str = ""
    description: str = ""
    persons: tuple[str, ...] = ()
    #: the people block of the description (peerlearn's), or None
    roles: tuple[Role, ...] | None = None


@attrs.frozen
class ScheduleFile:
    """A schedule file's conference and events."""

    source: str
    format: str
    title: str
    generator: str
    timezone: str | None
    rooms: tuple[str, ...]
    tracks: tuple[str, ...]
    events: tuple[FileEvent, ...]
    warnings: tuple[str, ...] = ()

    @property
    def from_peerlearn(self) -> bool:
        """Written by peerlearn: its tracks are timetable columns, not topics."""
        return self.generator == writer.GENERATOR


def detect(data: bytes) -> str | None:
    """``schedule-json``, ``schedule-xml``, or None for anything else (a programme YAML, say)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return "schedule-xml"
    if head in (b"{", b"["):
        return "schedule-json"
    return None


def read(data: bytes, source: str = "<schedule>") -> ScheduleFile:
    """Read a schedule.json or schedule.xml; raises ScheduleError naming what is wrong and where."""
    kind = detect(data)
    if kind is None:
        raise ScheduleError(f"{source}: not a schedule: neither JSON nor XML")
    return (_read_json if kind == "schedule-json" else _read_xml)(data, source)


class _Reader:
    """What both formats share: the zone, the warnings, the checks of each field."""

    def __init__(self, source: str, timezone: str | None, acronym: str) -> None:
        self.source = source
        self.warnings: list[str] = []
        self.acronym = acronym
        self.timezone = None
        if timezone:
            try:
                zone(timezone)
                self.timezone = timezone
            except ValueError:
                self.warnings.append(f"time_zone_name {timezone!r} is not an IANA zone; times are read from"
                                     " their UTC offsets")
        self.unknown_types: set[str] = set()
        self.derived_guids = 0

    def fail(self, where: str, message: str) -> ScheduleError:
        return ScheduleError(f"{self.source}: {where}: {message}")

    def text(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            return ""
        return str(value).strip()

    def moment(self, where: str, date_value: str, day: dt.date | None, start: str) -> dt.datetime:
        """The event's start: its ``date`` (with an offset, or in the file's zone), else its day and ``start``."""
        if date_value:
            try:
                moment = dt.datetime.fromisoformat(date_value.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(where, f"field 'date': {date_value!r} is not a date and time (ISO 8601)") from None
            if moment.tzinfo is not None:
                return moment
            return self._in_zone(where, "date", moment)
        if day is None or not start:
            raise self.fail(where, "field 'date' is missing (and there is no day date with a 'start' to use)")
        match = _CLOCK.match(start)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise self.fail(where, f"field 'start': {start!r} is not a time of day (HH:MM)")
        return self._in_zone(where, "start", dt.datetime.combine(day, dt.time(int(match[1]), int(match[2]))))

    def _in_zone(self, where: str, field: str, naive: dt.datetime) -> dt.datetime:
        if self.timezone is None:
            raise self.fail(where, f"field {field!r}: {naive:%Y-%m-%d %H:%M} has no UTC offset and the file names"
                                   " no time_zone_name to read it in")
        try:
            return localize(naive, self.timezone)
        except ValueError as error:
            raise self.fail(where, f"field {field!r}: {error}") from None

    def duration(self, where: str, value: str) -> dt.timedelta:
        match = _DURATION.match(value)
        if not value:
            raise self.fail(where, "field 'duration' is missing")
        if not match:
            raise self.fail(where, f"field 'duration': {value!r} is not a duration (HH:MM)")
        length = dt.timedelta(hours=int(match[1]), minutes=int(match[2]), seconds=int(match[3] or 0))
        if length <= dt.timedelta(0):
            raise self.fail(where, f"field 'duration': {value!r}: a session needs a length")
        return length

    def guid(self, where: str, value: str, file_id: str) -> str:
        if not value:
            if not file_id:
                raise self.fail(where, "field 'guid' is missing (and the event has no id to derive one from)")
            self.derived_guids += 1
            return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:x-schedule:{self.acronym}:{file_id}"))
        try:
            return str(uuid.UUID(value))
        except ValueError:
            wrong = text_problem(value)
            if wrong:  # kept as it is, it would be written into schedule.xml, which could no longer be read
                raise self.fail(where, f"field 'guid' {wrong}") from None
            self.warnings.append(f"{where}: guid {value!r} is not a UUID; it is kept as it is")
            return value

    def kind(self, value: str) -> str | None:
        kind = TYPE_KINDS.get(value.casefold().replace("-", " ").strip()) or TYPE_KINDS.get(value.casefold())
        if kind is None and value:
            self.unknown_types.add(value)
        return kind

    def event(self, where: str, fields: dict[str, Any], day: dt.date | None, room: str,
              persons: list[str]) -> FileEvent:
        title = self.text(fields.get("title"))
        file_id = self.text(fields.get("id"))
        where = f"{where} (id {file_id or '?'}, {title!r})" if title else f"{where} (id {file_id or '?'})"
        if not title:
            raise self.fail(where, "field 'title' is missing")
        guid = self.guid(where, self.text(fields.get("guid")), file_id)
        start = self.moment(where, self.text(fields.get("date")), day, self.text(fields.get("start")))
        end = start.astimezone(dt.timezone.utc) + self.duration(where, self.text(fields.get("duration")))
        room = self.text(fields.get("room")) or room
        if not room:
            raise self.fail(where, "field 'room' is missing")
        abstract = self.text(fields.get("abstract"))
        description, roles = people.split(self.text(fields.get("description")))
        text = "\n\n".join(dict.fromkeys(part for part in (abstract, description) if part))
        for name in persons:
            wrong = text_problem(name)
            if wrong:
                raise self.fail(where, f"a person's name {name!r} {wrong}")
        return FileEvent(where=where, guid=guid, title=title, start=start, end=end.astimezone(start.tzinfo),
                         room=room, track=self.text(fields.get("track")), kind=self.kind(self.text(fields.get("type"))),
                         slug=self.text(fields.get("slug")), description=text,
                         persons=tuple(dict.fromkeys(name for name in persons if name)),
                         roles=tuple(roles) if roles is not None else None)

    def finish(self, events: list[FileEvent], source_format: str, title: str, generator: str,
               rooms: list[str], tracks: list[str]) -> ScheduleFile:
        if not events:
            raise ScheduleError(f"{self.source}: the schedule holds no events (nothing to import)")
        seen: dict[str, FileEvent] = {}
        for event in events:
            if event.guid in seen:
                raise self.fail(event.where, f"field 'guid': {event.guid} is also the guid of"
                                             f" {seen[event.guid].where}")
            seen[event.guid] = event
        if self.unknown_types:
            self.warnings.append(f"event types {', '.join(sorted(self.unknown_types))} have no session kind here;"
                                 " those sessions are plenaries (or keep the kind they have)")
        if self.derived_guids:
            self.warnings.append(f"{self.derived_guids} event(s) have no guid; one was made from the conference"
                                 " acronym and the event's id (re-import the same file to update them)")
        room_order = list(dict.fromkeys([*rooms, *(event.room for event in events)]))
        return ScheduleFile(self.source, source_format, title, generator, self.timezone, tuple(room_order),
                            tuple(dict.fromkeys(tracks)), tuple(events), tuple(self.warnings))


# -- JSON ------------------------------------------------------------------


def _read_json(data: bytes, source: str) -> ScheduleFile:
    try:
        root = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ScheduleError(f"{source}: not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise ScheduleError(f"{source}:{error.lineno}: not valid JSON: {error.msg}") from None
    except RecursionError:
        raise ScheduleError(f"{source}: not a schedule.json: arrays or objects nested too deep to read") from None
    except ValueError:  # what json raises besides JSONDecodeError: an integer of over 4300 digits
        raise ScheduleError(f"{source}: not a schedule.json: it holds a number too long to read") from None
    schedule = root.get("schedule") if isinstance(root, dict) else None
    if not isinstance(schedule, dict):
        raise ScheduleError(f"{source}: not a schedule.json: no 'schedule' object at the top")
    conference = schedule.get("conference")
    if not isinstance(conference, dict):
        raise ScheduleError(f"{source}: schedule: field 'conference' is missing")
    days = conference.get("days")
    if not isinstance(days, list):
        raise ScheduleError(f"{source}: conference: field 'days' is missing (a list of days with their rooms)")
    generator = root.get("generator") if isinstance(root.get("generator"), dict) else {}
    reader = _Reader(source, _str(conference.get("time_zone_name")), _str(conference.get("acronym")))
    events = []
    for day_index, day in enumerate(days):
        where_day = f"day {day_index + 1}"
        if not isinstance(day, dict):
            raise ScheduleError(f"{source}: {where_day}: not an object")
        date = _day_date(reader, where_day, day.get("date"))
        rooms = day.get("rooms")
        if not isinstance(rooms, dict):
            raise ScheduleError(f"{source}: {where_day}: field 'rooms' is missing (an object of rooms and events)")
        for room, room_events in rooms.items():
            if not isinstance(room_events, list):
                raise ScheduleError(f"{source}: {where_day}, room {room!r}: not a list of events")
            for index, fields in enumerate(room_events):
                where = f"event {index + 1} of room {room!r} on {where_day}"
                if not isinstance(fields, dict):
                    raise ScheduleError(f"{source}: {where}: not an object")
                events.append(reader.event(where, fields, date, str(room), list(_json_persons(fields))))
    rooms = [_str(room.get("name")) for room in conference.get("rooms") or () if isinstance(room, dict)]
    tracks = [_str(track.get("name")) for track in conference.get("tracks") or () if isinstance(track, dict)]
    return reader.finish(events, "schedule-json", _str(conference.get("title")), _str(generator.get("name")),
                         [room for room in rooms if room], [track for track in tracks if track])


def _str(value: Any) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _json_persons(fields: dict[str, Any]) -> Iterator[str]:
    for person in fields.get("persons") or ():
        if isinstance(person, str):
            yield person.strip()
        elif isinstance(person, dict):
            yield _str(person.get("public_name")) or _str(person.get("name")) or _str(person.get("full_public_name"))


def _day_date(reader: _Reader, where: str, value: Any) -> dt.date | None:
    text = _str(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise reader.fail(where, f"field 'date': {text!r} is not a date (YYYY-MM-DD)") from None


# -- XML -------------------------------------------------------------------


def _read_xml(data: bytes, source: str) -> ScheduleFile:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        line = error.position[0] if error.position else "?"
        raise ScheduleError(f"{source}:{line}: not well-formed XML: {error}") from None
    except (LookupError, ValueError):  # what expat's declared-encoding handler raises: unknown, or multi-byte
        match = _DECLARED_ENCODING.match(data)
        named = f"encoding {match[1].decode('ascii', 'replace')!r}" if match else "an encoding"
        raise ScheduleError(f"{source}:1: the XML declaration names {named}, which peerlearn cannot read; save the"
                            " file as UTF-8") from None
    if root.tag != "schedule":
        raise ScheduleError(f"{source}: not a schedule.xml: the root element is <{root.tag}>, not <schedule>")
    conference = root.find("conference")
    if conference is None:
        raise ScheduleError(f"{source}: schedule: element <conference> is missing")
    day_elements = root.findall("day")
    if not day_elements:
        raise ScheduleError(f"{source}: schedule: no <day> element (days with their rooms and events)")
    generator = root.find("generator")
    reader = _Reader(source, _child(conference, "time_zone_name"), _child(conference, "acronym"))
    events, rooms = [], []
    for day_index, day in enumerate(day_elements):
        where_day = f"day {day.get('index') or day_index + 1}"
        date = _day_date(reader, where_day, day.get("date"))
        for room in day.findall("room"):
            name = (room.get("name") or "").strip()
            rooms.append(name)
            for index, event in enumerate(room.findall("event")):
                where = f"event {index + 1} of room {name!r} on {where_day}"
                fields = {child.tag: (child.text or "") for child in event
                          if child.tag not in ("persons", "links", "attachments", "recording")}
                fields["id"], fields["guid"] = event.get("id") or "", event.get("guid") or ""
                persons = [(person.text or "").strip() for person in event.findall("persons/person")]
                events.append(reader.event(where, fields, date, name, persons))
    tracks = [event.track for event in events if event.track]
    return reader.finish(events, "schedule-xml", _child(conference, "title"),
                         (generator.get("name") or "") if generator is not None else "",
                         [room for room in rooms if room], tracks)


def _child(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""
