"""Building iCalendar (RFC 5545) text: the feeds' events and calendar headers.

Each event is built as a list of properties and serialized once per change
(see ``feeds``), so DTSTAMP is the event's last change rather than "now": a
block stays valid until its event changes. Times carry a TZID with a
VTIMEZONE in the feed (see :mod:`peerlearn.feeds.vtimezone`); all-day
activities are DATE values with an exclusive end. Plugins add properties
through ``peerlearn_event_properties``; the event is then written by
:mod:`peerlearn.feeds.vevent`, unless a plugin adjusts events through
``peerlearn_ical_event``, which hands it an ``icalendar.Event`` (then every
event is built and serialized with icalendar). Whatever CATEGORIES plugins
add are merged into the event's one list.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Iterable

from .. import plugins
from ..errors import PluginError, ValidationError
from ..registry import recurrence
from ..text import clean
from ..urls import web_link
from . import vevent, vtimezone

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


Property = tuple  # (NAME, value, parameters or None): what :func:`peerlearn.feeds.vevent.write` takes


def activity_properties(network: Network, activity: Activity, *, updated_at: str | None, created_at: str | None,
                        exdates: Iterable[dt.datetime] = (), programme: str = "") -> list[Property]:
    """The properties of an activity's VEVENT (before plugins); ``programme`` follows its description."""
    stamp = _stamp(updated_at)
    found: list[Property] = [("UID", activity.uid, None), ("DTSTAMP", stamp, None), ("LAST-MODIFIED", stamp, None)]
    if created_at:
        found.append(("CREATED", _stamp(created_at), None))
    found += [("SEQUENCE", activity.sequence, None), ("SUMMARY", activity.title, None)]
    if activity.all_day:
        start: dt.date = activity.local_start.date()
        found += [("DTSTART", start, None), ("DTEND", activity.local_end.date(), None)]
    else:
        start = activity.local_start
        found += [("DTSTART", start, None), ("DTEND", activity.local_end, None)]
    if activity.rrule:
        found.append(("RRULE", recurrence.for_event(activity.rrule, start), None))
        found += [("EXDATE", moment.date() if activity.all_day else moment, None) for moment in exdates]
    found.append(("STATUS", STATUS.get(activity.status, "CONFIRMED"), None))
    description = "\n\n".join(part for part in (activity.description, programme) if part)
    if description:
        found.append(("DESCRIPTION", description, None))
    place = location(activity)
    if place:
        found.append(("LOCATION", place, None))
    if web_link(activity.online_url):
        found.append(("URL", activity.online_url, None))
    found += [("CATEGORIES", [activity.kind.replace("_", " "), network.acronym or network.name, *activity.themes],
               None), ("CLASS", "PUBLIC", None), ("TRANSP", "OPAQUE", None)]
    return found


def session_properties(network: Network, activity: Activity, session: SessionEvent, *, updated_at: str | None,
                       sequence: int, cancelled: bool = False) -> list[Property]:
    """The properties of the VEVENT of one session of ``activity`` (before plugins), related to the activity's.

    ``cancelled``: the session is gone (a notice's last word on it), whatever its stored status.
    """
    stamp = _stamp(updated_at)
    zone = activity.local_start.tzinfo
    cancelled = cancelled or session.status == "cancelled"
    found: list[Property] = [
        ("UID", session.uid, None), ("DTSTAMP", stamp, None), ("LAST-MODIFIED", stamp, None),
        ("SEQUENCE", sequence, None), ("SUMMARY", f"{session.title} ({activity.title})", None),
        ("DTSTART", session.start.astimezone(zone), None), ("DTEND", session.end.astimezone(zone), None),
        ("STATUS", "CANCELLED" if cancelled else STATUS.get(activity.status, "CONFIRMED"), None)]
    lines = [session.description] if session.description else []
    lines += list(session.people)
    if lines:
        found.append(("DESCRIPTION", "\n".join(lines), None))
    place = ", ".join(part for part in (session.room, location(activity)) if part)
    if place:
        found.append(("LOCATION", place, None))
    if web_link(activity.online_url):
        found.append(("URL", activity.online_url, None))
    found.append(("RELATED-TO", activity.uid, {"RELTYPE": "PARENT"}))
    categories = [session.kind or "session", network.acronym or network.name]
    if session.track:
        categories.append(session.track)
    found += [("CATEGORIES", categories, None), ("CLASS", "PUBLIC", None)]
    return found


def activity_block(network: Network, activity: Activity, *, updated_at: str | None, created_at: str | None,
                   exdates: Iterable[dt.datetime] = (), programme: str = "") -> str:
    """An activity's serialized VEVENT, plugins' properties included, as every feed and notice carries it."""
    return _written(activity_properties(network, activity, updated_at=updated_at, created_at=created_at,
                                        exdates=exdates, programme=programme), network, activity, None)


def session_block(network: Network, activity: Activity, session: SessionEvent, *, updated_at: str | None,
                  sequence: int, cancelled: bool = False) -> str:
    """The serialized VEVENT of one session of ``activity``, plugins' properties included."""
    return _written(session_properties(network, activity, session, updated_at=updated_at, sequence=sequence,
                                       cancelled=cancelled), network, activity, session)


def _written(properties: list[Property], network: Network, activity: Activity, session: SessionEvent | None) -> str:
    """The event serialized: without icalendar where no plugin needs an ``icalendar.Event`` and every value allows."""
    declared = _declared(properties, network, activity, session)
    if not plugins.implemented("peerlearn_ical_event"):
        written = vevent.write(_safe(_categories_merged(declared)))
        if written is not None:
            return written
    return block(_adjusted(declared, network, activity, session))


def _adjusted(declared: list[Property], network: Network, activity: Activity,
              session: SessionEvent | None) -> icalendar.Event:
    """The event of ``declared`` (its properties and the plugins') built by icalendar, then each
    ``peerlearn_ical_event``; its categories merged, its text and links made safe."""
    import icalendar  # here, not at import: a build with nothing to serialize, or without such a plugin, never loads it

    event = icalendar.Event()
    for name, value, parameters in declared:
        if isinstance(value, str) and name not in vevent.URI:
            value = icalendar.vText(value)  # TEXT, escaped: icalendar writes COLOR and X- names raw otherwise
        event.add(name, value, parameters=parameters)
    plugins.ical_event(network=network, activity=activity, event=event, session=session)
    fault = _misnamed(event)
    if fault is not None:
        raise PluginError(plugins.implementers("peerlearn_ical_event"), "peerlearn_ical_event", fault)
    add_categories(event)
    make_safe(event)
    return event


def _declared(properties: list[Property], network: Network, activity: Activity,
              session: SessionEvent | None) -> list[Property]:
    """``properties`` with what plugins declare (``peerlearn_event_properties``) added; the event's own are kept."""
    declared = plugins.event_properties(network, activity, session)
    if not declared:
        return properties
    found = list(properties)
    held = {name for name, _value, _parameters in found}
    for plugin, mapping in declared:
        for name, value in mapping.items():
            if not vevent.is_name(name):
                raise PluginError(plugin, "peerlearn_event_properties", f"property {name!r}: {_NOT_A_NAME}")
            name = name.upper()
            if name == "CATEGORIES":
                labels = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else None
                if labels is None or not all(isinstance(label, str) for label in labels):
                    raise _refused(plugin, name, value)
                index = next((index for index, prop in enumerate(found) if prop[0] == "CATEGORIES"), None)
                if index is None:
                    found.append(("CATEGORIES", labels, None))
                else:
                    found[index] = ("CATEGORIES", [*found[index][1], *labels], None)
                continue
            if not isinstance(value, str) or not name or name in ("BEGIN", "END"):
                raise _refused(plugin, name, value)
            if name not in held:
                held.add(name)
                found.append((name, value, None))
    return found


#: Why a name is refused (see :func:`peerlearn.feeds.vevent.is_name`).
_NOT_A_NAME = "not an iCalendar name (letters, digits and '-' only)"


def _misnamed(event: icalendar.Event) -> str | None:
    """What in ``event`` (as plugins left it) cannot be written as iCalendar: a property, parameter or
    component name that is not a name, a parameter value holding a control character; None where all is well.

    icalendar writes a line break in a parameter value as ``^n`` (RFC 6868); any other control character
    but a tab, and any name but letters, digits and '-', would be written raw or fail.
    """
    for component in event.walk():
        if not vevent.is_name(component.name):
            return f"component {component.name!r}: {_NOT_A_NAME}"
        for name, value in component.property_items(recursive=False, sorted=False):
            if not vevent.is_name(name):
                return f"property {name!r}: {_NOT_A_NAME}"
            for key, item in (getattr(value, "params", None) or {}).items():
                if not vevent.is_name(key):
                    return f"property {name}: parameter {key!r}: {_NOT_A_NAME}"
                for text in item if isinstance(item, (list, tuple)) else (item,):
                    if any(char not in "\n\t" and (char < " " or char == "\x7f") for char in str(text)):
                        return f"property {name}: parameter {key}: value {str(text)!r} holds a control character"
    return None


def _refused(plugin: str, name: str, value: object) -> PluginError:
    return PluginError(plugin, "peerlearn_event_properties",
                       f"property {name!r}: {type(value).__name__} is not text (or, for categories, labels)")


def _categories_merged(properties: list[Property]) -> list[Property]:
    """The one CATEGORIES list without duplicates, as :func:`add_categories` leaves it."""
    found = []
    for name, value, parameters in properties:
        if name == "CATEGORIES":
            value = _distinct(value)
            if not value:
                continue
        found.append((name, value, parameters))
    return found


def _safe(properties: list[Property]) -> list[Property]:
    """Every text value free of control characters, every URL a web link (:func:`make_safe`, on properties)."""
    found = []
    for name, value, parameters in properties:
        if name == "URL":
            if not web_link(str(value)):
                continue
        elif isinstance(value, str):
            value = clean(value)
        elif name == "CATEGORIES":
            value = [clean(label) for label in value]
        found.append((name, value, parameters))
    return found


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
    merged = _distinct((*found, *labels))
    if merged == found and len(props) <= 1:
        return  # already one list without duplicates (every event passes here once: keep it cheap)
    event.pop("CATEGORIES", None)
    if merged:
        event.add("categories", merged)


def _distinct(labels: Iterable) -> list[str]:
    """``labels`` stripped, in order, without empty ones and without those that differ only in case from one before."""
    merged, seen = [], set()
    for label in labels:
        label = str(label).strip()
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            merged.append(label)
    return merged


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


#: A content line folded as icalendar folds it (RFC 5545 §3.1): :func:`peerlearn.feeds.vevent.fold`.
fold = vevent.fold


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
    build writes thousands of headers; a whole Calendar object each is slow):
    the lines every feed shares are written once.
    """
    opening, closing = _shared_lines()
    lines = [opening, _folded(f"X-WR-CALNAME:{_text(name)}"), "\r\n"]
    if description:
        lines += [_description_line(description), "\r\n"]
    if web_link(url):
        lines += [_folded(f"SOURCE;VALUE=URI:{url}"), "\r\n"]
    lines.append(closing)
    return "".join(lines)


@functools.lru_cache(maxsize=1)
def _shared_lines() -> tuple[str, str]:
    """The header's lines before the calendar's name and after its link, the same in every feed."""
    refresh = _refresh()
    opening = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    closing = [f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}", f"X-PUBLISHED-TTL:{refresh}"]
    return tuple("".join(_folded(line) + "\r\n" for line in lines) for lines in (opening, closing))


@functools.lru_cache(maxsize=256)  # a network's name, or the same for every member
def _description_line(description: str) -> str:
    return _folded(f"X-WR-CALDESC:{_text(description)}")


@functools.lru_cache(maxsize=1)
def _refresh() -> str:
    """:data:`REFRESH` as an RFC 5545 DURATION, as icalendar writes it (``PT6H``)."""
    days, rest = divmod(int(REFRESH.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{number}{unit}" for number, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if number)
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "" if days else "T0S")


def _folded(line: str) -> str:
    if len(line) <= 75 // 4 or len(line.encode("utf-8")) <= 75:
        return line
    return vevent.fold(line)


def _text(value: str) -> str:
    return vevent.escape(clean(value))


CALENDAR_END = "END:VCALENDAR\r\n"
