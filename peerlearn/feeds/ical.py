"""Building iCalendar (RFC 5545) text with the ``icalendar`` library.

Each event is built and serialized once per change (see ``feeds``), so
DTSTAMP is the event's last change rather than "now": a block stays valid
until its event changes. Times carry a TZID with a VTIMEZONE in the feed
(see :mod:`peerlearn.feeds.vtimezone`); all-day activities are DATE values with an
exclusive end. Plugins adjust each VEVENT through ``peerlearn_ical_event``;
whatever CATEGORIES they add are merged into the event's one list.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Iterable

from .. import plugins
from ..errors import ValidationError
from ..registry import recurrence
from ..text import clean
from ..urls import web_link
from . import vtimezone

if TYPE_CHECKING:  # pragma: no cover
    import icalendar

    from ..models import Activity, Network
    from .events import SessionEvent

PRODID = "-//peerlearn//peerlearn calendar feeds//EN"
#: Raise when the text of a block changes for the same data, so cached blocks are rebuilt.
FORMAT_VERSION = "4"
#: How often calendar clients should fetch a feed again.
REFRESH = dt.timedelta(hours=6)
STATUS = {"tentative": "TENTATIVE", "confirmed": "CONFIRMED", "cancelled": "CANCELLED", "completed": "CONFIRMED"}


def _stamp(text: str | None) -> dt.datetime:
    """DTSTAMP/LAST-MODIFIED: the stored moment of the last change, in UTC, whole seconds."""
    moment = dt.datetime.fromisoformat((text or "1970-01-01T00:00:00+00:00").replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0)


def location(activity: Activity) -> str:
    place = ", ".join(part for part in (activity.venue, activity.city, activity.country or "") if part)
    return place or ("Online" if activity.online_url else "")


def activity_event(network: Network, activity: Activity, *, updated_at: str | None, created_at: str | None,
                   exdates: Iterable[dt.datetime] = (), programme: str = "") -> icalendar.Event:
    """The VEVENT of an activity (before plugins); ``programme`` follows its description."""
    import icalendar  # here, not at import: a build with nothing to serialize never loads it

    event = icalendar.Event()
    event.add("uid", activity.uid)
    stamp = _stamp(updated_at)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    if created_at:
        event.add("created", _stamp(created_at))
    event.add("sequence", activity.sequence)
    event.add("summary", activity.title)
    if activity.all_day:
        event.add("dtstart", activity.local_start.date())
        event.add("dtend", activity.local_end.date())
    else:
        event.add("dtstart", activity.local_start)
        event.add("dtend", activity.local_end)
    if activity.rrule:
        event.add("rrule", recurrence.for_event(activity.rrule, event.decoded("dtstart")))
        for moment in exdates:
            event.add("exdate", moment.date() if activity.all_day else moment)
    event.add("status", STATUS.get(activity.status, "CONFIRMED"))
    description = "\n\n".join(part for part in (activity.description, programme) if part)
    if description:
        event.add("description", description)
    place = location(activity)
    if place:
        event.add("location", place)
    if web_link(activity.online_url):
        event.add("url", activity.online_url)
    event.add("categories", [activity.kind.replace("_", " "), network.acronym or network.name, *activity.themes])
    event.add("class", "PUBLIC")
    event.add("transp", "OPAQUE")
    plugins.ical_event(network=network, activity=activity, event=event, session=None)
    add_categories(event)
    make_safe(event)
    return event


def session_event(network: Network, activity: Activity, session: SessionEvent, *,
                  updated_at: str | None, sequence: int) -> icalendar.Event:
    """The VEVENT of one session of ``activity``, related to the activity's event."""
    import icalendar  # here, not at import: a build with nothing to serialize never loads it

    event = icalendar.Event()
    event.add("uid", session.uid)
    stamp = _stamp(updated_at)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", sequence)
    event.add("summary", f"{session.title} ({activity.title})")
    event.add("dtstart", session.start.astimezone(activity.local_start.tzinfo))
    event.add("dtend", session.end.astimezone(activity.local_start.tzinfo))
    event.add("status", "CANCELLED" if session.status == "cancelled" else STATUS.get(activity.status, "CONFIRMED"))
    lines = [session.description] if session.description else []
    lines += list(session.people)
    if lines:
        event.add("description", "\n".join(lines))
    place = ", ".join(part for part in (session.room, location(activity)) if part)
    if place:
        event.add("location", place)
    if web_link(activity.online_url):
        event.add("url", activity.online_url)
    event.add("related-to", activity.uid, parameters={"RELTYPE": "PARENT"})
    categories = [session.kind or "session", network.acronym or network.name]
    if session.track:
        categories.append(session.track)
    event.add("categories", categories)
    event.add("class", "PUBLIC")
    plugins.ical_event(network=network, activity=activity, event=event, session=session)
    add_categories(event)
    make_safe(event)
    return event


def make_safe(event: icalendar.Event) -> None:
    """Keep every TEXT value free of control characters and every URL a web link.

    What the models accept already is; this covers rows stored before the
    rules and what plugins add. RFC 5545 allows no control character in a
    TEXT value (a line break is written as ``\\n``): each is replaced by
    U+FFFD. A ``URL`` that is not http(s) is left out.
    """
    unsafe = [name for name, value in event.items()
              if any(_safe_value(name, item) is not item for item in (value if isinstance(value, list) else (value,)))]
    for name in unsafe:
        value = event[name]
        items = value if isinstance(value, list) else [value]
        safe = [item for item in (_safe_value(name, item) for item in items) if item is not None]
        if not safe:
            del event[name]
        else:
            event[name] = safe if isinstance(value, list) else safe[0]


def _safe_value(name: str, item):
    """``item`` itself where it is safe; else a cleaned copy, or None for a link to leave out."""
    import icalendar

    if name == "URL":
        return item if web_link(str(item)) else None
    if isinstance(item, icalendar.vText):
        cleaned = clean(str(item))
        if cleaned == item:
            return item
        safe = icalendar.vText(cleaned)
        safe.params = item.params
        return safe
    if isinstance(item, icalendar.vCategory):
        cleaned = [clean(str(category)) for category in item.cats]
        if cleaned == [str(category) for category in item.cats]:
            return item
        safe = icalendar.vCategory(cleaned)
        safe.params = item.params
        return safe
    return item


def add_categories(event: icalendar.Event, *labels: str) -> None:
    """Add ``labels`` to the event's one ``CATEGORIES`` list, leaving out those it already holds.

    Every label the event holds stays, in order; a label that differs only
    in case from one held is a duplicate. Called with no label, it merges
    ``CATEGORIES`` lines added separately (``event.add("categories", ...)``)
    into one list, as the feeds do after the plugins ran.
    """
    held = event.get("CATEGORIES")
    props = held if isinstance(held, list) else [held] if held is not None else []
    found = [str(category) for prop in props for category in prop.cats]
    merged, seen = [], set()
    for label in (*found, *labels):
        label = str(label).strip()
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            merged.append(label)
    if merged == found and len(props) <= 1:
        return  # already one list without duplicates (every event passes here once: keep it cheap)
    event.pop("CATEGORIES", None)
    if merged:
        event.add("categories", merged)


def block(event: icalendar.Event) -> str:
    """The serialized VEVENT, CRLF line ends and folded lines, as text: ``event.to_ical()``, byte for byte.

    A feed build serializes tens of thousands of events, and icalendar's
    ``to_ical`` spends much of its time on what most properties do not
    need: a parameter list for each (most have none) and folding lines
    character by character (most are short). Here a property without
    parameters is written as ``NAME:VALUE``, a parameter list is written by
    icalendar once for every property carrying the same, and a line is
    folded by :func:`fold` (icalendar's own rule, checked against it on first use);
    everything else is icalendar's: the property's value, its parameters,
    the order of the properties.
    """
    from icalendar.parser import Contentline

    folding = _folding()
    lines = []
    for name, value in event.property_items():
        params = getattr(value, "params", None)
        if params:
            written = _parameters(params)
            if written is None:
                line = Contentline.from_parts(name, params, value)
            else:
                text = value.to_ical()
                text = text.decode("utf-8") if isinstance(text, bytes) else text
                line = f"{name};{written}:{text}" if written else f"{name}:{text}"
                if "\n" in line:  # icalendar refuses an unescaped line break in a content line
                    line = Contentline(line)
        else:
            if not hasattr(value, "to_ical"):
                import icalendar

                value = icalendar.vText(value)
            text = value.to_ical()
            line = f"{name}:{text.decode('utf-8') if isinstance(text, bytes) else text}"
            if "\n" in line:  # icalendar refuses an unescaped line break in a content line
                line = Contentline(line)
        lines.append(folding(line))
    return "\r\n".join(lines) + "\r\n"


#: Parameter lists as written (``TZID=Europe/Brussels``), by their items: a feed's events share a few.
_PARAMETERS: dict[tuple, str] = {}


def _parameters(params) -> str | None:
    """``params`` as icalendar writes them (sorted), kept by their items; None where they cannot be kept."""
    try:
        key = tuple(params.items())
        return _PARAMETERS[key]
    except TypeError:  # a value that is not hashable (a list): written by icalendar each time
        return None
    except KeyError:
        pass
    written = params.to_ical(sorted=True)
    written = written.decode("utf-8") if isinstance(written, bytes) else written
    if len(_PARAMETERS) < 1024:
        _PARAMETERS[key] = written
    return written


#: Longest line, in UTF-8 bytes, that icalendar's folding leaves whole.
_WHOLE = 74


def fold(line: str) -> str:
    """``line`` folded as icalendar folds a content line (RFC 5545 §3.1), without its per-character loop.

    Chunks of at most 74 bytes, joined by CRLF and a space; a chunk never
    ends with a backslash or a caret that would be split from what it
    escapes (the escape moves to the next chunk). A line that is not ASCII
    is left to icalendar.
    """
    if len(line) <= _WHOLE:
        if line.isascii():
            return line
    elif not line.isascii():
        pass
    else:
        parts, start, end = [], 0, len(line)
        while end - start > _WHOLE:
            cut = start + _WHOLE
            if line[cut - 1] in "\\^":
                cut -= 1
            parts.append(line[start:cut])
            start = cut
        parts.append(line[start:])
        return "\r\n ".join(parts)
    if len(line.encode("utf-8")) <= _WHOLE:
        return line
    from icalendar.parser import Contentline

    return Contentline(line).to_ical().decode("utf-8")


#: Lines that hit each case of the folding rule: short, long, an escape or a caret at a fold, many folds.
_FOLD_PROBES = ("SUMMARY:short", "DESCRIPTION:" + "x" * 62, "DESCRIPTION:" + "x" * 63,
                "DESCRIPTION:" + "y" * 61 + "\\nabc" + "z" * 90, "DESCRIPTION:" + "y" * 62 + "\\,abc",
                "X-A;P=^n:" + "w" * 64 + "^^" + "v" * 200, "LOCATION:" + ("ab\\;" * 60),
                "SUMMARY:" + "\\" * 80, "X:" + "q" * 72 + "\\" + "r" * 150)


@functools.lru_cache(maxsize=1)
def _folding():
    """:func:`fold` where it folds every probe as the installed icalendar does; else icalendar's own folding."""
    from icalendar.parser import Contentline

    if all(fold(line) == Contentline(line).to_ical().decode("utf-8") for line in _FOLD_PROBES):
        return fold
    return lambda line: Contentline(line).to_ical().decode("utf-8")


def timezone_block(tzname: str, first_year: int | None) -> str:
    """The VTIMEZONE of ``tzname`` from the start of ``first_year`` on, with no end (its current rules if None)."""
    return vtimezone.vtimezone(tzname, first_year)


def calendar_header(name: str, description: str = "", url: str = "") -> str:
    """``BEGIN:VCALENDAR`` and the calendar's properties; the feed ends with :data:`CALENDAR_END`.

    Written line by line with icalendar's own escaping and folding (a feed
    build writes thousands of headers; a whole Calendar object each is slow).
    """
    refresh = _refresh()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_text(name)}"]
    if description:
        lines.append(f"X-WR-CALDESC:{_text(description)}")
    if web_link(url):
        lines.append(f"SOURCE;VALUE=URI:{url}")
    lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}", f"X-PUBLISHED-TTL:{refresh}"]
    return "".join(_folded(line) + "\r\n" for line in lines)


@functools.lru_cache(maxsize=1)
def _refresh() -> str:
    import icalendar

    return icalendar.vDuration(REFRESH).to_ical().decode()


def _folded(line: str) -> str:
    if len(line) <= 75 // 4 or len(line.encode("utf-8")) <= 75:
        return line
    from icalendar.parser import Contentline

    return Contentline(line).to_ical().decode("utf-8")


@functools.lru_cache(maxsize=256)  # a feed's description is its network's name, or the same for every member
def _text(value: str) -> str:
    import icalendar

    return icalendar.vText(clean(value)).to_ical().decode("utf-8")


CALENDAR_END = "END:VCALENDAR\r\n"
