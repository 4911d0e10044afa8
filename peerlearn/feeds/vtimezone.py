"""VTIMEZONE components that every calendar reads the same, derived from zoneinfo.

A zone's VTIMEZONE (RFC 5545 §3.6.5) lists its observances: each STANDARD
or DAYLIGHT period starts at a ``DTSTART`` (local time in the offset before
it, ``TZOFFSETFROM``) and may recur. Calendar clients read the forms they
see most: an ``RRULE`` for the zone's yearly rules, as Outlook and Google
write them, and a single ``DTSTART`` for one change. (An observance that
lists its changes as ``DTSTART`` plus ``RDATE`` is legal, but Mozilla's
ical.js then ignores its ``DTSTART``.) So a zone is written as:

- its current rules: one ``DAYLIGHT`` and one ``STANDARD`` observance with
  a yearly ``RRULE`` and no end, starting at the first change that followed
  them (1996 in the EU), so that every later occurrence is covered, an
  open-ended recurrence included;
- before them, and only when the first year asked for reaches back that
  far, one observance per change, ``DTSTART`` only, from the change in
  force at the start of that year (New York before 2007);
- a zone without yearly rules as its changes one by one, the last of them
  (or its offset since :data:`EARLIEST`) as one ``STANDARD`` for a zone
  without daylight saving time (Asia/Kolkata).

The changes are read from zoneinfo itself (probing each day, then the exact
second), not from a table of our own; the yearly rules are fitted to them
and kept only when they reproduce every change zoneinfo gives for at least
:data:`HORIZON` years past the first year, else the changes are written one
by one. Nothing here depends on today's date: the text depends only on the
zone and the first year asked for, and for most zones (those whose rules
are older than the feed) only on the zone.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache
from typing import NamedTuple

from ..timeutil import zone

UTC = dt.timezone.utc
#: How many years (at least) past the first year the changes are read, and the yearly rules checked.
HORIZON = 50
#: Changes are read from this year on (or from the first year asked for, if earlier).
EARLIEST = 1970
#: A yearly rule is trusted only when it held this many years (every weekday on every date: a full cycle).
MIN_RULE_YEARS = 28
_DAY = 86400
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Change(NamedTuple):
    """One change of a zone's UTC offset, at a UTC moment."""

    at: int  #: seconds since the epoch
    before: int  #: UTC offset before, in seconds
    after: int  #: UTC offset after, in seconds
    daylight: bool  #: daylight saving time after the change (a summer time, also where winter is a negative DST)
    name: str  #: the zone's abbreviation after the change

    @property
    def onset(self) -> dt.datetime:
        """The local wall time of the change, in the offset before it (a VTIMEZONE's DTSTART)."""
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=self.at + self.before)

    def template(self) -> tuple:
        """What every year's change of one yearly rule shares."""
        onset = self.onset
        return (self.daylight, self.before, self.after, self.name, onset.month, onset.time())


class Rule(NamedTuple):
    """A yearly rule fitted to a zone's changes: the first change it makes and its RRULE."""

    first: Change
    rrule: str


def _offset_at(tz, at: int) -> int:
    return int(dt.datetime.fromtimestamp(at, tz).utcoffset().total_seconds())


@lru_cache(maxsize=64)
def changes(tzname: str, first_year: int, last_year: int) -> tuple[Change, ...]:
    """Every change of ``tzname``'s UTC offset from the start of ``first_year`` to the end of ``last_year``.

    Read from zoneinfo: probed once a day (no zone changes its offset and back within a day),
    then narrowed to the second.
    """
    tz = zone(tzname)
    start = int(dt.datetime(first_year, 1, 1, tzinfo=UTC).timestamp()) - _DAY
    end = int(dt.datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp()) + _DAY
    found = []
    at, offset = start, _offset_at(tz, start)
    while at < end:
        following = _offset_at(tz, at + _DAY)
        if following != offset:
            low, high = at, at + _DAY  # the offset is still the old one at low, the new one at high
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_at(tz, middle) == offset:
                    low = middle
                else:
                    high = middle
            found.append(_change(tz, high, offset))
        at, offset = at + _DAY, following
    return tuple(found)


def _change(tz, at: int, before: int) -> Change:
    moment = dt.datetime.fromtimestamp(at, tz)
    dst, dst_before = moment.dst(), dt.datetime.fromtimestamp(at - 1, tz).dst()
    # Ireland's summer time is its standard time and its winter a negative DST (zoneinfo says so);
    # calendars expect the summer offset to be the DAYLIGHT one, and vobject treats a zone with none as UTC
    daylight = dst > dt.timedelta(0) or (dst == dt.timedelta(0) and dst_before < dt.timedelta(0))
    return Change(at, before, int(moment.utcoffset().total_seconds()), daylight, moment.tzname() or "")


def _day_rule(days: list[dt.date]) -> str | None:
    """The RRULE parts that pick, each year, the day of ``days`` (one per year, same month), or None."""
    month = days[0].month
    if len({day.day for day in days}) == 1:
        return f"BYMONTH={month};BYMONTHDAY={days[0].day}"
    weekdays = {day.weekday() for day in days}
    first, last = min(day.day for day in days), max(day.day for day in days)
    if len(weekdays) != 1 or last - first > 6:
        return None
    weekday = _WEEKDAYS[weekdays.pop()]
    window = max(1, last - 6)  # the first of the seven days the weekday falls in, every year
    if window in (1, 8, 15, 22):
        return f"BYMONTH={month};BYDAY={(window - 1) // 7 + 1}{weekday}"
    lengths = {calendar.monthrange(day.year, month)[1] for day in days}
    if len(lengths) == 1 and window == lengths.pop() - 6:
        return f"BYMONTH={month};BYDAY=-1{weekday}"
    return f"BYMONTH={month};BYDAY={weekday};BYMONTHDAY={','.join(str(d) for d in range(window, window + 7))}"


def _expand(rrule: str, first: dt.datetime, last_year: int) -> list[dt.datetime]:
    from dateutil.rrule import rrulestr

    rule = rrulestr(rrule, dtstart=first)
    return list(rule.between(first, dt.datetime(last_year + 1, 1, 1), inc=True))


def current_rules(found: tuple[Change, ...], last_year: int) -> list[Rule]:
    """The zone's yearly rules: one per kind of change, held every year up to ``last_year``; [] if none.

    Fitted from the latest year backwards while every year has the same
    changes (same month, time of day, offsets, weekday within a week or same
    date), and checked by expanding each rule over those years and comparing
    with zoneinfo's changes, one by one.
    """
    by_year: dict[int, list[Change]] = {}
    for change in found:
        by_year.setdefault(change.onset.year, []).append(change)
    templates: tuple | None = None
    days: list[list[dt.date]] = []
    first_year = last_year + 1
    for year in range(last_year, last_year - HORIZON * 2, -1):
        year_changes = sorted(by_year.get(year, []), key=lambda change: change.template())
        shape = tuple(change.template() for change in year_changes)
        if len(shape) < 2 or (templates is not None and shape != templates):
            break
        extended = [[change.onset.date(), *earlier] for change, earlier in
                    zip(year_changes, days or [[] for _ in year_changes])]
        if any(_day_rule(dates) is None for dates in extended):
            break
        templates, days, first_year = shape, extended, year
    if templates is None or last_year - first_year + 1 < MIN_RULE_YEARS:
        return []
    rules = []
    for template, dates in zip(templates, days):
        held = [change for year in range(first_year, last_year + 1) for change in by_year[year]
                if change.template() == template]
        rrule = f"FREQ=YEARLY;{_day_rule(dates)}"
        if _expand(rrule, held[0].onset, last_year) != [change.onset for change in held]:
            return []
        rules.append(Rule(held[0], rrule))
    return rules


def _offset(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _observance(change: Change, rrule: str = "") -> list[str]:
    kind = "DAYLIGHT" if change.daylight else "STANDARD"
    lines = [f"BEGIN:{kind}", f"DTSTART:{change.onset:%Y%m%dT%H%M%S}"]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    if change.name:
        lines.append(f"TZNAME:{change.name}")
    lines += [f"TZOFFSETFROM:{_offset(change.before)}", f"TZOFFSETTO:{_offset(change.after)}", f"END:{kind}"]
    return lines


@lru_cache(maxsize=256)
def vtimezone(tzname: str, first_year: int | None = None) -> str:
    """The VTIMEZONE of ``tzname`` as RFC 5545 text (CRLF), valid from the start of ``first_year`` on, without end.

    The current rules start where they started (e.g. 1996 in the EU), as
    the big calendars write them; the changes before them are spelt out
    only when ``first_year`` needs them. Without ``first_year``, just the
    current rules (or the last change, for a zone without rules).
    """
    tz = zone(tzname)
    base = EARLIEST if first_year is None else min(EARLIEST, first_year - 1)
    last_year = (max(base, first_year or base) + HORIZON) // 10 * 10 + 9
    found = changes(tzname, base, last_year)
    rules = current_rules(found, last_year)
    rule_start = min((rule.first.at for rule in rules), default=None)
    if first_year is not None:
        start = int(dt.datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    else:
        start = rule_start if rule_start is not None else found[-1].at if found else None
    if rule_start is not None and start is not None:
        start = min(start, rule_start)
    in_force = [change for change in found if start is not None and change.at <= start]
    if not in_force:  # no change since ``base``: the offset then, as a change to itself
        at = int(dt.datetime(base, 1, 1, tzinfo=UTC).timestamp())
        offset = _offset_at(tz, at)
        in_force = [_change(tz, at - offset, offset)]
        found = (*in_force, *found)
    begin = in_force[-1].at
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzname}"]
    for change in found:
        if begin <= change.at and (rule_start is None or change.at < rule_start):
            lines += _observance(change)
    for rule in sorted(rules):
        lines += _observance(rule.first, rule.rrule)
    lines.append("END:VTIMEZONE")
    return "".join(f"{line}\r\n" for line in lines)


def data_version() -> str:
    """Which zoneinfo data the VTIMEZONEs are read from: the system's and the ``tzdata`` package's versions.

    A feeds build keeps it in its stamp, so that new zone data rebuilds every
    feed (the first line of ``tzdata.zi`` names the IANA release; where a
    system has none, the size and time of each folder of zone files stand in).
    """
    import os
    import zoneinfo

    parts = []
    for folder in zoneinfo.TZPATH:
        try:
            with open(os.path.join(folder, "tzdata.zi"), encoding="utf-8", errors="replace") as handle:
                parts.append(f"{folder}:{handle.readline().strip()}")
        except OSError:
            try:
                info = os.stat(folder)
            except OSError:
                continue
            parts.append(f"{folder}:{info.st_mtime_ns}")
    try:
        import tzdata  # the package zoneinfo falls back on where the system has no zone files
        parts.append(f"tzdata:{tzdata.IANA_VERSION}")
    except ImportError:
        pass
    return ";".join(parts)
