"""Checks shared by the feed tests: RFC 5545 framing, and parsing with independent consumers.

- :func:`check`: the text is RFC 5545 (CRLF, folding, required properties),
  icalendar parses it without an error in any component and its
  ``Calendar.validate()`` passes (at least one component), every TZID has a
  VTIMEZONE, and every VEVENT carries one ``CATEGORIES`` list without
  duplicates.
- :func:`events`: the events as icalendar, vobject and ics-py read them,
  which must agree.
- :func:`expand`: recurring-ical-events expands the feed.
- :func:`instants`: for every timed occurrence, the UTC instant from
  zoneinfo (local time + TZID), from vobject and from Mozilla's ical.js (both
  through the feed's own VTIMEZONE) must be equal, and so must the
  occurrences vobject and ical.js find. ical.js runs under node
  (``tests/js``); without node the test is skipped, unless
  ``PEERLEARN_REQUIRE_NODE=1`` (tox sets it), which makes it a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

UTC = dt.timezone.utc
REQUIRED = ("VERSION:2.0", "PRODID:", "METHOD:PUBLISH", "X-WR-CALNAME:", "REFRESH-INTERVAL;VALUE=DURATION:",
            "X-PUBLISHED-TTL:")
JS = Path(__file__).parent / "js"
#: Set (tox does) to make a missing node or ical.js a failure instead of a skip.
REQUIRE_NODE = "PEERLEARN_REQUIRE_NODE"


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
    for component in calendar.walk():  # strict: icalendar keeps what it could not parse in .errors
        assert not component.errors, (component.name, component.errors)
    calendar.validate()  # PRODID, VERSION and at least one component (RFC 5545 §3.6)
    used = set(re.findall(r";TZID=([^:;]+)[:;]", text))
    defined = {str(timezone["TZID"]) for timezone in calendar.walk("VTIMEZONE")}
    assert used <= defined, used - defined
    for timezone in calendar.walk("VTIMEZONE"):
        assert timezone.walk("STANDARD") or timezone.walk("DAYLIGHT"), timezone["TZID"]
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT\r\n", text, re.S):
        lines = [line for line in block.split("\r\n") if line.startswith("CATEGORIES")]
        assert len(lines) <= 1, lines  # one CATEGORIES list per event
    for event in calendar.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "STATUS"):
            assert prop in event, prop
        for prop in ("DTSTART", "DTEND"):
            value = event.decoded(prop)
            assert not isinstance(value, dt.datetime) or value.tzinfo is not None, "floating time"
        labels = categories(event)
        assert len({label.casefold() for label in labels}) == len(labels), labels
    return calendar


def categories(event: icalendar.Event) -> list[str]:
    """The event's CATEGORIES, as icalendar reads them."""
    held = event.get("CATEGORIES")
    props = held if isinstance(held, list) else [held] if held is not None else []
    return [str(category) for prop in props for category in prop.cats]


def _utc(value):
    return value.astimezone(UTC) if isinstance(value, dt.datetime) else value


def events(data: bytes) -> dict[str, dict]:
    """uid -> {start, end, sequence, status, summary} in UTC, by icalendar, vobject and ics-py, which must agree."""
    found = {}
    for event in check(data).walk("VEVENT"):
        found[str(event["UID"])] = {
            "start": _utc(event.decoded("DTSTART")), "end": _utc(event.decoded("DTEND")),
            "sequence": int(event["SEQUENCE"]), "status": str(event["STATUS"]), "summary": str(event["SUMMARY"]),
        }
    seen = {}
    for event in getattr(_vobject(data), "vevent_list", []):
        seen[event.uid.value] = {
            "start": _utc(event.dtstart.value), "end": _utc(event.dtend.value),
            "sequence": int(event.sequence.value), "status": event.status.value, "summary": event.summary.value,
        }
    assert seen == found, [(k, seen.get(k), found.get(k)) for k in seen.keys() | found.keys() if seen.get(k) != found.get(k)]
    _check_ics_py(data, found)
    return found


def _vobject(data: bytes):
    # vobject keeps the first VTIMEZONE it read for a TZID process-wide; read each feed afresh, as a client would
    vars(vobject.icalendar)["__tzidMap"].clear()
    return vobject.readOne(data.decode("utf-8"))


def _check_ics_py(data: bytes, found: dict[str, dict]) -> None:
    """ics-py (a third parser, strict about one CATEGORIES per event) reads the same events."""
    import ics

    calendar = ics.Calendar(data.decode("utf-8"))
    read = {}
    for event in calendar.events:
        if event.all_day:
            start, end = event.begin.date(), event.end.date()
        else:
            start, end = event.begin.datetime.astimezone(UTC), event.end.datetime.astimezone(UTC)
        read[event.uid] = {"start": start, "end": end, "summary": event.name}
    expected = {uid: {key: found[uid][key] for key in ("start", "end", "summary")} for uid in found}
    assert read == expected, [(k, read.get(k), expected.get(k)) for k in read.keys() | expected.keys()
                              if read.get(k) != expected.get(k)]


def expand(data: bytes, start: dt.date, end: dt.date) -> list:
    """The occurrences between ``start`` and ``end`` as recurring-ical-events reads them."""
    import recurring_ical_events

    return list(recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(start, end))


# -- instants: zoneinfo, vobject and ical.js agree --------------------------------


def node_or_skip() -> str:
    """The node executable with ical.js installed in ``tests/js``; else skip (fail under tox)."""
    node = shutil.which("node")
    missing = ("node is not installed" if node is None else
               None if (JS / "node_modules" / "ical.js").is_dir() else
               f"ical.js is not installed: run `npm ci --prefix {JS}`")
    if missing:
        if os.environ.get(REQUIRE_NODE) == "1":
            pytest.fail(f"{missing}, and {REQUIRE_NODE}=1 requires the ical.js check")
        pytest.skip(f"{missing} (tox installs it; the ical.js check is skipped)")
    return node


def ical_js(feeds: dict[str, bytes], until: dt.date) -> dict[str, dict]:
    """Per feed name, what ical.js makes of each timed event (see tests/js/instants.mjs)."""
    node = node_or_skip()
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for number, (name, data) in enumerate(feeds.items()):
            paths[name] = str(Path(folder) / f"{number}.ics")
            Path(paths[name]).write_bytes(data)
        result = subprocess.run([node, str(JS / "instants.mjs"), until.isoformat(), *paths.values()],
                                capture_output=True, text=True, cwd=JS, timeout=300)
        assert result.returncode == 0, result.stderr
        output = json.loads(result.stdout)
    return {name: output[path] for name, path in paths.items()}


def _wall(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def vobject_instants(data: bytes, until: dt.date, limit: int = 2000, skip: frozenset = frozenset()) -> dict[str, dict]:
    """What vobject makes of each timed event, through the feed's own VTIMEZONE: as ``instants.mjs`` prints.

    Events in the zones of ``skip`` are left out: vobject takes a VTIMEZONE
    for UTC when it shows no change from 2000 to 2020 and +0000 in 2000
    (Casablanca's from 2025 on) and then looks the TZID up in pytz instead.
    """
    found = {}
    for event in getattr(_vobject(data), "vevent_list", []):
        start = event.dtstart.value
        tzids = event.dtstart.params.get("TZID") or event.dtstart.params.get("X-VOBJ-ORIGINAL-TZID")
        if not isinstance(start, dt.datetime) or not tzids:
            continue
        (tzid,) = tzids
        if tzid in skip:
            continue
        # vobject reads a VTIMEZONE with dateutil's tzical (TZID UTC it maps to UTC itself)
        assert type(start.tzinfo).__name__ == "_tzicalvtz" or tzid == "UTC", f"{tzid}: not the feed's VTIMEZONE"
        occurrences = []
        for moment in event.getrruleset(addRDate=True) or [start]:
            if moment.replace(tzinfo=None) >= dt.datetime.combine(until, dt.time()) or len(occurrences) >= limit:
                break
            occurrences.append([_wall(moment), int(moment.timestamp() * 1000)])
        end = event.dtend.value
        found[event.uid.value] = {"tzid": tzid, "end": [_wall(end), int(end.timestamp() * 1000)],
                                  "occurrences": occurrences}
    return found


def zoneinfo_instants(read: dict[str, dict]) -> dict[str, dict]:
    """The same events with each wall time placed by zoneinfo (the IANA database) instead of the feed."""
    def placed(wall: str, tzid: str) -> list:
        moment = dt.datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(tzid))
        return [wall, int(moment.timestamp() * 1000)]

    return {uid: {"tzid": event["tzid"], "end": placed(event["end"][0], event["tzid"]),
                  "occurrences": [placed(wall, event["tzid"]) for wall, _ in event["occurrences"]]}
            for uid, event in read.items()}


def instants(feeds: dict[str, bytes], until: dt.date, skip_vobject: frozenset = frozenset()) -> dict[str, dict]:
    """Assert zoneinfo, vobject and ical.js place every timed occurrence (before ``until``) at the same instant.

    Returns, per feed name, what ical.js read: ``{uid: {tzid, end, occurrences: [[wall, ms], ...]}}``.
    ``skip_vobject``: zones vobject does not read from the feed (see :func:`vobject_instants`).
    """
    from_js = ical_js(feeds, until)
    for name, data in feeds.items():
        expected = zoneinfo_instants(from_js[name])
        assert from_js[name] == expected, _differences(name, "ical.js", from_js[name], "zoneinfo", expected)
        from_vobject = vobject_instants(data, until, skip=skip_vobject)
        read = {uid: event for uid, event in from_js[name].items() if event["tzid"] not in skip_vobject}
        assert read == from_vobject, _differences(name, "ical.js", read, "vobject", from_vobject)
    return from_js


def _differences(name: str, left_name: str, left: dict, right_name: str, right: dict) -> str:
    lines = [f"{name}: {left_name} and {right_name} disagree"]
    for uid in sorted(left.keys() | right.keys()):
        one, other = left.get(uid), right.get(uid)
        if one == other:
            continue
        if one is None or other is None:
            lines.append(f"  {uid}: only in {left_name if other is None else right_name}")
            continue
        pairs = list(zip([one["end"], *one["occurrences"]], [other["end"], *other["occurrences"]]))
        wrong = [(a, b) for a, b in pairs if a != b][:3]
        lines.append(f"  {uid} ({one['tzid']}): {len(one['occurrences'])} vs {len(other['occurrences'])}"
                     f" occurrences; first differences {wrong}")
    return "\n".join(lines)
