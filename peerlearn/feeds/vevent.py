"""A VEVENT written without icalendar: the same bytes as icalendar's ``to_ical``, for the values feeds hold.

An event is built as a list of properties, ``(NAME, value, parameters)``,
whose values are what ``icalendar.Event.add`` takes: text, an integer, a
date, a date-time (in a named zone, or in UTC), a list of categories, a URL.
:func:`write` serializes such a list as icalendar does: its TEXT escaping,
its parameters, its order of properties (its canonical order for VEVENT,
then the other names alphabetically), its folding of long lines. Where no
plugin adjusts events through ``peerlearn_ical_event`` (which hands them an
``icalendar.Event``), the feeds write their events here, and a rebuild of a
few events does not load icalendar, a quarter of such a process's time.

A value :func:`write` cannot vouch for (a recurrence rule, a time zone
icalendar names otherwise) makes it return None: the caller then builds
the event with icalendar. ``tests/test_vevent.py`` holds both writers to
the same bytes on random events and in every zone this system knows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

#: Properties icalendar writes first, in this order (``icalendar.Event.canonical_order``); then the rest by name.
CANONICAL = ("SUMMARY", "DTSTART", "DTEND", "DURATION", "DTSTAMP", "UID", "RECURRENCE-ID", "SEQUENCE", "RRULE",
             "RDATE", "EXDATE")
_RANK = {name: rank for rank, name in enumerate(CANONICAL)}
#: Properties whose value is a URI, written as it is (every other text value here is TEXT, escaped).
URI = frozenset({"URL"})
#: Longest part of a folded line, in UTF-8 bytes (icalendar folds before a 75th byte).
_WHOLE = 74

Property = tuple[str, Any, dict | None]
#: What a property or parameter name is made of: an iana-token or x-name (RFC 5545 §3.1).
NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


def is_name(name: object) -> bool:
    """Whether ``name`` may name a property or a parameter: letters, digits and '-' only (RFC 5545 §3.1).

    Anything else would break the content line (a line break, a colon, a
    semicolon) or let a plugin's name write lines of its own.
    """
    return isinstance(name, str) and bool(name) and NAME_CHARACTERS.issuperset(name)


def escape(text: str) -> str:
    """``text`` as an RFC 5545 TEXT value, escaped as icalendar escapes it (§3.3.11)."""
    return (text.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """``line`` folded as icalendar folds a content line (RFC 5545 §3.1).

    Parts of at most 74 UTF-8 bytes, joined by CRLF and a space; a part
    never ends with a backslash or a caret that would be split from what it
    escapes (the escape moves to the next part).
    """
    if len(line) <= _WHOLE and (line.isascii() or len(line.encode("utf-8")) <= _WHOLE):
        return line
    if line.isascii():
        parts, start, end = [], 0, len(line)
        while end - start > _WHOLE:
            cut = start + _WHOLE
            if line[cut - 1] in "\\^":
                cut -= 1
            parts.append(line[start:cut])
            start = cut
        parts.append(line[start:])
        return "\r\n ".join(parts)
    parts, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width > _WHOLE:
            if len(current) > 1 and current[-1] in "\\^":
                escaped = current.pop()
                parts.append("".join(current))
                current, size = [escaped], len(escaped.encode("utf-8"))
            else:
                parts.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    if current:
        parts.append("".join(current))
    return "\r\n ".join(parts)


def _moment(value: dt.datetime) -> tuple[str, str] | None:
    """A date-time as (parameters, value): UTC as ``...Z``, a named zone with its TZID; else None."""
    written = f"{value.year:04}{value.month:02}{value.day:02}T{value.hour:02}{value.minute:02}{value.second:02}"
    zone = value.tzinfo
    if zone is dt.timezone.utc:
        return "", written + "Z"
    key = getattr(zone, "key", None)
    if not key or any(char in key for char in ',;:"^') or _like_utc(value):
        return None
    return f"TZID={key}", written


_HALF_YEAR = dt.timedelta(days=182)


def _like_utc(value: dt.datetime) -> bool:
    """Whether ``value``'s zone keeps UTC's offset all year (UTC itself and its aliases, Accra, Reykjavik):
    icalendar may write such a time as UTC, by its table of equivalent zones; left to it."""
    return not value.utcoffset() and not (value + _HALF_YEAR).utcoffset()


def _value(name: str, value: Any) -> tuple[str, str] | None:
    """(parameters, written value) of one property; None where icalendar must write it."""
    if isinstance(value, str):
        return ("", value) if name in URI else ("", escape(value))
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "", str(value)
    if isinstance(value, dt.datetime):
        return _moment(value)
    if isinstance(value, dt.date):
        return "VALUE=DATE", f"{value.year:04}{value.month:02}{value.day:02}"
    if isinstance(value, (list, tuple)) and name == "CATEGORIES" and all(isinstance(item, str) for item in value):
        return "", ",".join(escape(item) for item in value)
    return None


def _parameters(extra: dict | None) -> str | None:
    """Parameters given with a property (``{"RELTYPE": "PARENT"}``), as icalendar writes simple ones."""
    if not extra:
        return ""
    written = []
    for key, value in sorted((str(key).upper(), value) for key, value in extra.items()):
        if not isinstance(value, str) or not value or any(char in value for char in ',;:"^\n\r'):
            return None
        written.append(f"{key}={value}")
    return ";".join(written)


def write(properties: Iterable[Property]) -> str | None:
    """The VEVENT holding ``properties`` (name, value, parameters), as icalendar's ``to_ical`` writes it.

    None where a value is not one written here: the caller builds the event with icalendar.
    """
    lines: dict[str, list[str]] = {}
    for name, value, extra in properties:
        name = name.upper()
        written = _value(name, value)
        params = _parameters(extra)
        if written is None or params is None:
            return None
        own, text = written
        params = ";".join(part for part in (own, params) if part)
        lines.setdefault(name, []).append(f"{name};{params}:{text}" if params else f"{name}:{text}")
    names = sorted(lines, key=lambda name: (0, _RANK[name], "") if name in _RANK else (1, 0, name))
    return "".join(["BEGIN:VEVENT\r\n", *(fold(line) + "\r\n" for name in names for line in lines[name]),
                    "END:VEVENT\r\n"])
