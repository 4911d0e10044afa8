"""Dates and times as people type them, made timezone-aware and checked.

Every datetime peerlearn keeps is aware and comes with the IANA zone it was
entered in, so that "09:30 in Brussels" stays 09:30 in Brussels. A wall time
that does not exist (skipped by a DST change) or exists twice (repeated by
one) is refused rather than guessed. Dates and times are read and recorded
from the year :data:`~peerlearn.limits.MIN_YEAR` to the year
:data:`~peerlearn.limits.MAX_YEAR` (:func:`check_years`).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .limits import MAX_YEAR, MIN_YEAR

UTC = dt.timezone.utc

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")


def zone(name: str) -> ZoneInfo:
    """Return the IANA zone called ``name``, or raise ValueError.

    A folder of the zone data (``Europe``) is no zone: reading it fails with an OSError, refused the same way.
    """
    if not name or name.startswith("/") or ".." in name:
        raise ValueError(f"unknown timezone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown timezone {name!r} (use an IANA name such as Europe/Brussels)") from None


def localize(naive: dt.datetime, tzname: str) -> dt.datetime:
    """Attach zone ``tzname`` to a naive wall time, refusing DST gaps and overlaps."""
    tz = zone(tzname)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either the clock skipped this time or it happened twice.
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != naive:
            raise ValueError(f"{naive:%Y-%m-%d %H:%M} does not exist in {tzname} (the clocks skip it)")
        raise ValueError(f"{naive:%Y-%m-%d %H:%M} is ambiguous in {tzname} (the clocks pass it twice)")
    return first


def check_years(when: dt.date, what: str) -> dt.date:
    """``when`` (a date, or a datetime in its own zone) if its year is one peerlearn records; else ValueError.

    The first moment of the year after the last is accepted too: it is where
    an all-day span ending on the last day ends.
    """
    last = dt.date(MAX_YEAR + 1, 1, 1)
    day = when.date() if isinstance(when, dt.datetime) else when
    midnight = not isinstance(when, dt.datetime) or when.time() == dt.time()
    if not (MIN_YEAR <= day.year <= MAX_YEAR or (day == last and midnight)):
        raise ValueError(f"{what} {day.isoformat()} is outside the years {MIN_YEAR} to {MAX_YEAR}")
    return when


def _within_years(when: dt.date, text: str) -> dt.date:
    """``when``, read from ``text``, if its year is one peerlearn reads; else ValueError quoting ``text``."""
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise ValueError(f"{text!r} is outside the years {MIN_YEAR} to {MAX_YEAR}")
    return when


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD``, a date from the year ``MIN_YEAR`` to the year ``MAX_YEAR``."""
    text = (text or "").strip()
    if not _DATE.match(text):
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date") from None
    return _within_years(day, text)


def parse_moment(text: str, tzname: str) -> tuple[dt.datetime, bool]:
    """Parse what a person types for a moment, in zone ``tzname``.

    Accepts ``2026-06-10 09:30``, ``2026-06-10T09:30[:00]`` and ``2026-06-10``.
    Returns the aware datetime and whether only a date was given.
    """
    text = (text or "").strip()
    if _DATE.match(text):
        day = parse_date(text)
        return localize(dt.datetime.combine(day, dt.time()), tzname), True
    match = _DATETIME.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a date or date and time (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    try:
        naive = dt.datetime.fromisoformat(f"{match.group(1)}T{_pad(match.group(2))}")
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date and time") from None
    return localize(_within_years(naive, text), tzname), False


def parse_end(text: str, start: dt.datetime, tzname: str) -> tuple[dt.datetime, bool]:
    """Parse an end moment; a bare ``HH:MM`` means that time on the start's day."""
    text = (text or "").strip()
    if _TIME.match(text):
        local_day = start.astimezone(zone(tzname)).date()
        text = f"{local_day.isoformat()} {text}"
    return parse_moment(text, tzname)


def _pad(clock: str) -> str:
    hours, rest = clock.split(":", 1)
    return f"{int(hours):02d}:{rest}"


def to_utc_text(moment: dt.datetime) -> str:
    """Serialise an aware datetime as UTC ISO 8601 text (sortable)."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime cannot be stored")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_local_text(moment: dt.datetime, tzname: str) -> str:
    """Serialise the wall time of ``moment`` in ``tzname``, without offset."""
    return moment.astimezone(zone(tzname)).strftime("%Y-%m-%dT%H:%M:%S")


def from_local_text(text: str, tzname: str) -> dt.datetime:
    """Rebuild an aware datetime from stored wall time and zone."""
    naive = dt.datetime.fromisoformat(text)
    tz = zone(tzname)
    return naive.replace(tzinfo=tz)


def now_utc() -> dt.datetime:
    return dt.datetime.now(UTC)


def parse_span(start_text: str, end_text: str | None, tzname: str) -> tuple[dt.datetime, dt.datetime, bool]:
    """Parse a start and an optional end into (start, end, all_day).

    Dates alone make an all-day span whose typed end day is inclusive (the
    stored end is midnight after it, exclusive as in iCalendar); a start
    date alone is one whole day. A timed start needs an end, which may be
    a bare ``HH:MM`` on the same day.
    """
    start, start_is_date = parse_moment(start_text, tzname)
    if not end_text:
        if not start_is_date:
            raise ValueError("an end is needed when the start has a time (e.g. 17:00)")
        return start, _next_midnight(start, tzname), True
    end, end_is_date = parse_end(end_text, start, tzname)
    if start_is_date != end_is_date:
        raise ValueError("give both start and end as dates (all day) or both with times")
    if end_is_date:
        if end < start:
            raise ValueError(f"the end ({end_text}) is before the start ({start_text})")
        return start, _next_midnight(end, tzname), True
    return start, end, False


def _next_midnight(moment: dt.datetime, tzname: str) -> dt.datetime:
    day = moment.astimezone(zone(tzname)).date() + dt.timedelta(days=1)
    return localize(dt.datetime.combine(day, dt.time()), tzname)
