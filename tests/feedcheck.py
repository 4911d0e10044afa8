"""Checks shared by the feed tests: RFC 5545 framing, and parsing with two independent parsers."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import vobject

UTC = dt.timezone.utc
REQUIRED = ("VERSION:2.0", "PRODID:", "METHOD:PUBLISH", "X-WR-CALNAME:", "REFRESH-INTERVAL;VALUE=DURATION:",
            "X-PUBLISHED-TTL:")


def unfold(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "")


def check(data: bytes) -> icalendar.Calendar:
    """Assert the feed is well-formed RFC 5545 text; return it parsed by icalendar."""
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    for line in data.split(b"\r\n")[:-1]:
        assert b"\n" not in line and b"\r" not in line, line  # every line ends CRLF
        assert len(line) <= 75, line  # folded at 75 octets
        line.decode("utf-8")  # a fold never splits a multi-byte character
    text = unfold(data)
    for prop in REQUIRED:
        assert f"\r\n{prop}" in text, prop
    calendar = icalendar.Calendar.from_ical(data)
    used = set(re.findall(r";TZID=([^:;]+)[:;]", text))
    defined = {str(timezone["TZID"]) for timezone in calendar.walk("VTIMEZONE")}
    assert used <= defined, used - defined
    for event in calendar.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "STATUS"):
            assert prop in event, prop
        for prop in ("DTSTART", "DTEND"):
            value = event.decoded(prop)
            assert not isinstance(value, dt.datetime) or value.tzinfo is not None, "floating time"
    return calendar


def _utc(value):
    return value.astimezone(UTC) if isinstance(value, dt.datetime) else value


def events(data: bytes) -> dict[str, dict]:
    """uid -> {start, end, sequence, status, summary} in UTC, parsed by icalendar and vobject, which must agree."""
    found = {}
    for event in check(data).walk("VEVENT"):
        found[str(event["UID"])] = {
            "start": _utc(event.decoded("DTSTART")), "end": _utc(event.decoded("DTEND")),
            "sequence": int(event["SEQUENCE"]), "status": str(event["STATUS"]), "summary": str(event["SUMMARY"]),
        }
    # vobject keeps the first VTIMEZONE it read for a TZID process-wide; read each feed afresh, as a client would
    vars(vobject.icalendar)["__tzidMap"].clear()
    other = vobject.readOne(data.decode("utf-8"))
    seen = {}
    for event in getattr(other, "vevent_list", []):
        seen[event.uid.value] = {
            "start": _utc(event.dtstart.value), "end": _utc(event.dtend.value),
            "sequence": int(event.sequence.value), "status": event.status.value, "summary": event.summary.value,
        }
    assert seen == found, [(k, seen.get(k), found.get(k)) for k in seen.keys() | found.keys() if seen.get(k) != found.get(k)]
    return found
