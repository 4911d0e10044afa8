"""Recurrence rules (RFC 5545 §3.3.10): checked when typed, and parsed the same way when a feed is written.

A rule is kept as the text after ``RRULE:`` (``FREQ=MONTHLY;BYDAY=1TU``).
:func:`normalize` checks what a person typed and returns what is stored;
:func:`for_event` turns a stored rule into the ``icalendar.vRecur`` the feeds
write, through the same checks, so a rule that passed one passes the other.
Each refusal is one line naming the rule and what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from ..errors import ValidationError
from ..limits import MAX_YEAR, MIN_YEAR
from ..text import is_number

if TYPE_CHECKING:  # pragma: no cover
    import icalendar

FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
#: Numeric parts and the values each allows (a negative value counts from the end).
_RANGES = {
    "BYSECOND": (0, 60, False), "BYMINUTE": (0, 59, False), "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True), "BYYEARDAY": (1, 366, True), "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False), "BYSETPOS": (1, 366, True),
}
PARTS = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "WKST", *_RANGES)
_PREFIX = "RRULE:"
_INTEGER = re.compile(r"[+-]?\d{1,4}")
_DAY = re.compile(r"([+-]?\d{1,2})?([A-Z]{2})")
_UNTIL = re.compile(r"(\d{8})(T\d{6}Z?)?")


class _Problem(Exception):
    pass


def normalize(rule: str | None) -> str:
    """The rule as it is stored: checked, without an ``RRULE:`` prefix; ``""`` for none.

    Raises :class:`ValidationError` with one line naming the rule and the problem.
    """
    text = (rule or "").strip()
    if not text:
        return ""
    try:
        return _checked(text)
    except _Problem as problem:
        raise ValidationError(f"recurrence rule {rule!r}: {problem}") from None


def for_event(rule: str, start: dt.date | dt.datetime) -> icalendar.vRecur:
    """The ``RRULE`` value of an event whose ``DTSTART`` is ``start``, or :class:`ValidationError`.

    ``UNTIL`` follows the type of ``DTSTART`` (RFC 5545): a date for an
    all-day event; for a timed one, a UTC time (a date means the end of that
    day in ``start``'s zone).
    """
    import icalendar

    text = normalize(rule)
    recur = icalendar.vRecur.from_ical(text)
    if "UNTIL" in recur:
        (until,) = recur["UNTIL"]
        recur["UNTIL"] = [_until_for(until, start)]
    return recur


def wall_times(rule: str, start: dt.datetime):
    """dateutil's rule for the local wall times of the occurrences of an event starting at ``start`` (aware).

    ``UNTIL`` is read as :func:`for_event` writes it, then turned into a wall
    time in ``start``'s zone, so both agree on the last occurrence.
    """
    from dateutil.rrule import rrulestr

    recur = for_event(rule, start)
    parts = [part for part in normalize(rule).split(";") if not part.startswith("UNTIL=")]
    if "UNTIL" in recur:
        (until,) = recur["UNTIL"]
        parts.append(f"UNTIL={until.astimezone(start.tzinfo):%Y%m%dT%H%M%S}")
    return rrulestr(";".join(parts), dtstart=start.replace(tzinfo=None))


def _until_for(until: dt.date | dt.datetime, start: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if not isinstance(start, dt.datetime):
        return until.date() if isinstance(until, dt.datetime) else until
    zone = start.tzinfo
    if not isinstance(until, dt.datetime):
        until = dt.datetime.combine(until, dt.time(23, 59, 59))
    if until.tzinfo is None:
        until = until.replace(tzinfo=zone)
    return until.astimezone(dt.timezone.utc)


def _checked(text: str) -> str:
    bad = next((char for char in text if ord(char) < 32 or 127 <= ord(char) < 160), None)
    if bad is not None:
        kind = "a line break" if bad in "\r\n" else f"a control character (U+{ord(bad):04X})"
        raise _Problem(f"contains {kind}; a rule is one line such as FREQ=MONTHLY;BYDAY=1TU")
    if text.upper().startswith(_PREFIX):
        text = text[len(_PREFIX):].strip()
        if text.upper().startswith(_PREFIX):
            raise _Problem("RRULE: is written twice; give the rule once, e.g. FREQ=WEEKLY")
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, equals, value = part.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not equals or not name or not value:
            raise _Problem(f"{part.strip()!r} is not NAME=VALUE (parts are separated by ';')")
        if name not in PARTS:
            raise _Problem(f"unknown part {name} (parts: {', '.join(PARTS)})")
        if name in parts:
            raise _Problem(f"{name} is given twice")
        parts[name] = value
    _check_parts(parts)
    normal = ";".join(f"{name}={value}" for name, value in parts.items())
    _parse_as_feeds_do(normal)
    return normal


def _check_parts(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ")
    if freq is None:
        raise _Problem("FREQ is missing (e.g. FREQ=WEEKLY)")
    if freq not in FREQUENCIES:
        raise _Problem(f"FREQ={freq} is not a frequency (one of {', '.join(FREQUENCIES)})")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _Problem("COUNT and UNTIL cannot both be given (end the rule one way)")
    for name in ("COUNT", "INTERVAL"):
        if name in parts and (not is_number(parts[name]) or int(parts[name]) < 1):
            raise _Problem(f"{name}={parts[name]} must be a whole number of at least 1")
    if "UNTIL" in parts:
        _check_until(parts["UNTIL"])
    for name, (low, high, signed) in _RANGES.items():
        for value in parts.get(name, "").split(",") if name in parts else ():
            number = int(value) if _INTEGER.fullmatch(value) else None
            if number is None or not (low <= abs(number) <= high) or (number < 0 and not signed) or (
                    number == 0 and low > 0):
                allowed = f"{low} to {high}" + (f" or -{high} to -1" if signed else "")
                raise _Problem(f"{name}={parts[name]}: {value!r} is not in {allowed}")
    for value in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else ():
        match = _DAY.fullmatch(value)
        if not match or match[2] not in WEEKDAYS:
            raise _Problem(f"BYDAY={parts['BYDAY']}: {value!r} is not a weekday such as MO, 1TU or -1FR")
        if match[1]:
            if freq not in ("MONTHLY", "YEARLY") or ("BYWEEKNO" in parts):
                raise _Problem(f"BYDAY={value}: a numbered weekday needs FREQ=MONTHLY or FREQ=YEARLY")
            if not 1 <= abs(int(match[1])) <= (5 if freq == "MONTHLY" else 53):
                raise _Problem(f"BYDAY={value}: no such week")
    if "WKST" in parts and parts["WKST"] not in WEEKDAYS:
        raise _Problem(f"WKST={parts['WKST']} is not a weekday (one of {', '.join(WEEKDAYS)})")
    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise _Problem("BYWEEKNO needs FREQ=YEARLY")
    if "BYYEARDAY" in parts and freq in ("DAILY", "WEEKLY", "MONTHLY"):
        raise _Problem(f"BYYEARDAY cannot be used with FREQ={freq}")
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise _Problem("BYMONTHDAY cannot be used with FREQ=WEEKLY")
    if "BYSETPOS" in parts and not any(name.startswith("BY") and name != "BYSETPOS" for name in parts):
        raise _Problem("BYSETPOS needs another BY... part to pick from")


def _check_until(value: str) -> None:
    match = _UNTIL.fullmatch(value)
    try:
        if not match:
            raise ValueError
        if match[2]:
            dt.datetime.strptime(value[:15], "%Y%m%dT%H%M%S")
        else:
            dt.datetime.strptime(value, "%Y%m%d")
    except ValueError:
        raise _Problem(f"UNTIL={value} is not a date (20271231) or a UTC time (20271231T235959Z)") from None
    if not MIN_YEAR <= int(value[:4]) <= MAX_YEAR:
        raise _Problem(f"UNTIL={value} is outside the years {MIN_YEAR} to {MAX_YEAR}")


def _parse_as_feeds_do(text: str) -> None:
    """Parse with what the feeds write with (icalendar) and what expands occurrences (dateutil)."""
    import icalendar
    from dateutil.rrule import rrulestr

    utc = re.search(r"UNTIL=\d{8}T\d{6}Z", text) is not None
    try:
        icalendar.vRecur.from_ical(text)
        rrulestr(text, dtstart=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc if utc else None))
    except (ValueError, TypeError) as error:
        raise _Problem(str(error) or "not a valid rule") from None
