"""What the pages show, gathered from the registry with the same queries as the feeds.

The timetable reuses ``peerlearn.timetable_blocks``: sessions that
overlap form a block, and a block in more than one track is one row of the
table with a cell per track, so parallel sessions stand side by side. A
cancelled session keeps its place, labelled "Cancelled" and struck through.

The records a page is made of are plain named tuples (``collections.namedtuple``),
not attrs classes nor typed ones: they are built and read only here and by
the templates, and a rebuild after one change defines them all in a process
that renders a page or two (an attrs class takes about five times as long
to define, a typed named tuple with postponed annotations twice).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import namedtuple
from itertools import groupby
from typing import TYPE_CHECKING

from peerlearn import OUTPUT_KINDS, PluginError, call_hook, output_label

if TYPE_CHECKING:  # pragma: no cover
    from peerlearn import Activity, Network, Output, Role, Session

ROLE_LABELS = {"chair": "Chair", "moderator": "Moderator", "speaker": "Speaker", "panellist": "Panellist",
               "rapporteur": "Rapporteur"}
SESSION_LABELS = {"opening": "Opening", "keynote": "Keynote", "panel": "Panel", "workshop": "Workshop",
                  "plenary": "Plenary", "qa": "Questions and answers", "break": "Break", "closing": "Closing"}
STATUS_NOTES = {"tbc": "to be confirmed", "confirmed": ""}


class Person(namedtuple("Person", "label name affiliation status prerecorded_minutes announced")):
    """A role as the public sees it: tbd shows as "to be announced"; declined roles are never made.

    ``label`` is the role's (Chair, Speaker…), ``status`` a note ("to be
    confirmed") or empty, ``prerecorded_minutes`` None where it is live. A
    role's note is the secretariat's working note and is not published.
    """

    __slots__ = ()

    @classmethod
    def of(cls, role: Role) -> "Person":
        announced = role.status != "tbd" and bool(role.name)
        return cls(label=ROLE_LABELS.get(role.role, role.role.title()),
                   name=role.name if announced else "To be announced",
                   affiliation=role.affiliation, status=STATUS_NOTES.get(role.status, ""),
                   prerecorded_minutes=role.prerecorded_minutes or None, announced=announced)


class Item(namedtuple("Item", "session people")):
    """A session (``peerlearn.Session``) with the people on it (``Person``, a tuple)."""

    __slots__ = ()

    @property
    def anchor(self) -> str:
        return f"session-{self.session.key or self.session.id}"

    @property
    def cancelled(self) -> bool:
        """Cancelled: the page keeps it, labelled and struck through (the label says it to screen readers)."""
        return self.session.status == "cancelled"


#: One track's cell of a row of the timetable: its ``Item``s, the track, the columns it spans.
Cell = namedtuple("Cell", "items track colspan")
#: A row of the timetable: from ``start`` to ``end`` (datetimes), a ``Cell`` per track (or one for all).
Row = namedtuple("Row", "start end cells")


class Day(namedtuple("Day", "date tracks rows")):
    """A day of the timetable: its date, its parallel tracks (names) and its ``Row``s."""

    __slots__ = ()

    @property
    def columns(self) -> int:
        return max(1, len(self.tracks))


def public_roles(roles: list[Role]) -> list[Role]:
    """The roles a public page shows: declined ones are left out, emails (private) blanked."""
    import attrs

    return [attrs.evolve(role, email="") for role in roles if role.status != "declined"]


def session_label(kind: str) -> str:
    return SESSION_LABELS.get(kind, kind.replace("_", " ").capitalize())


def track_label(track: str) -> str:
    return f"Track {track}" if track else "Main track"


def timetable(sessions: list[Session], roles: list[Role], track_order: tuple[str, ...] = ()) -> list[Day]:
    """The days of a programme, each a grid of rows with parallel tracks side by side.

    The columns keep the activity's order of tracks (``track_order``, then
    by name), whatever the sessions' times.
    """
    from peerlearn import ordered_tracks as ordered
    from peerlearn import timetable_blocks as blocks

    people: dict[int | None, list[Person]] = {}
    for role in public_roles(roles):
        people.setdefault(role.session_id, []).append(Person.of(role))
    days = []
    for date, day_blocks in groupby(blocks(sessions, track_order),
                                    key=lambda block: block.sessions[0].local_start.date()):
        day_blocks = list(day_blocks)
        tracks = tuple(ordered({track for block in day_blocks if block.parallel for track in block.tracks},
                               track_order))
        columns = max(1, len(tracks))
        rows = []
        for block in day_blocks:
            def items(track=None):
                return tuple(Item(s, tuple(people.get(s.id, ()))) for s in block.sessions
                             if track is None or s.track == track)
            if block.parallel:
                cells = tuple(Cell(items(track), track, 1) if track in block.tracks else Cell((), track, 1)
                              for track in tracks)
            else:
                cells = (Cell(items(), block.tracks[0], columns),)
            rows.append(Row(min(s.local_start for s in block.sessions), max(s.local_end for s in block.sessions),
                            cells))
        days.append(Day(date, tracks, tuple(rows)))
    return days


class ActivityPage(namedtuple("ActivityPage", "network activity days outputs prerecorded blocks releases programme",
                              defaults=((), None))):
    """What an activity's page shows.

    ``days`` (``Day``), ``outputs`` as (label, outputs) by kind,
    ``prerecorded`` as (``Item``, ``Person``) pairs, the plugins' ``blocks``
    as (plugin, HTML) pairs; ``releases``, the released versions of the
    programme, oldest first, each with what changed (empty before the
    first); ``programme``, the programme shown
    (``peerlearn.published_programme``): the latest release, else the
    working one.
    """

    __slots__ = ()

    @property
    def release(self):
        """The release the page shows (the latest), or None when it shows the working programme."""
        return self.releases[-1] if self.releases else None


def activity_page(registry, network: Network, activity: Activity) -> ActivityPage:
    """Everything an activity's page shows, plugins' blocks included.

    The programme is the latest released version once there is one, else
    the working programme (``peerlearn.published_programme``).
    """
    from peerlearn import list_outputs, programme_releases, published_programme

    shown = published_programme(registry, activity)
    sessions = list(shown.sessions)
    roles = public_roles(list(shown.roles))
    outputs = list_outputs(registry, activity_id=activity.id)
    days = timetable(sessions, roles, shown.tracks)
    by_kind = tuple((output_label(kind), tuple(group))
                    for kind, group in groupby(sorted(outputs, key=lambda o: (OUTPUT_KINDS.index(o.kind)
                                                                                if o.kind in OUTPUT_KINDS else 99,
                                                                                o.date or dt.date.min, o.id or 0)),
                                               key=lambda o: o.kind))
    prerecorded = tuple((item, person) for day in days for row in day.rows for cell in row.cells
                        for item in cell.items if not item.cancelled
                        for person in item.people if person.prerecorded_minutes)
    blocks = site_blocks(network=network, activity=activity, sessions=sessions, roles=roles, outputs=outputs)
    return ActivityPage(network, activity, tuple(days), by_kind, prerecorded, tuple(blocks),
                        tuple(programme_releases(registry, activity)), shown)


def site_blocks(network: Network, activity: Activity, sessions: list[Session], roles: list[Role],
                outputs: list[Output]) -> list[tuple[str, str]]:
    """Ask every plugin for blocks of an activity's page (``peerlearn_site_blocks``): (plugin, safe HTML) pairs.

    A ``markupsafe.Markup`` block is kept as HTML; a plain ``str`` is escaped
    into a paragraph. Anything else is an error naming the plugin.
    """
    from markupsafe import Markup, escape

    hook = "peerlearn_site_blocks"
    found = []
    for plugin, result in call_hook(hook, network=network, activity=activity, sessions=list(sessions),
                                    roles=list(roles), outputs=list(outputs)):
        if isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
            raise PluginError(plugin, hook, f"returned {type(result).__name__}, expected a list of str")
        for block in result:
            if not isinstance(block, str):
                raise PluginError(plugin, hook, f"returned a {type(block).__name__}, expected str")
            html = block if isinstance(block, Markup) else Markup("<p>{}</p>").format(escape(block))
            found.append((plugin, Markup(html)))
    return found


class Listing:
    """Activities as a page lists them, read from the registry each time it is iterated, one at a time.

    A network's page lists every activity: held at once, they would take
    memory in proportion to the network (1.4 KB an activity). True where
    there is at least one (``count``, counted by the registry).
    """

    def __init__(self, read, count: int) -> None:
        self._read = read
        self.count = count

    def __iter__(self):
        return iter(self._read())

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count


#: What a network's page lists: its activities upcoming and past (``Listing``).
NetworkPage = namedtuple("NetworkPage", "network upcoming past")


def network_page(registry, network: Network, now: dt.datetime, counts: tuple[int, int], item,
                 kept: dict[int, str] | None = None, changed: frozenset | set = frozenset()) -> NetworkPage:
    """A network's published activities (drafts are not published), upcoming first in time order, past latest first.

    ``counts`` are how many are upcoming and past (:class:`NetworkSummary`).
    Each activity is listed as ``item(activity)`` gives it (its ``<li>``), read as
    the page is rendered (:class:`Listing`). ``kept``, where given, holds the
    items of the page's last build by activity: those of activities not in
    ``changed`` are listed as they were, and only the order is read from the
    registry (a network's page lists every activity; one change should not
    render them all again).
    """
    from peerlearn import activity_ids, get_activity, iter_activities

    slug = network.slug

    def listing(**when):
        if kept is None:
            return lambda: _joined(item(activity) for activity in iter_activities(registry, network=slug,
                                                                                  published=True, **when))

        def read():
            for activity_id in activity_ids(registry, network=slug, published=True, **when):
                found = None if activity_id in changed else kept.get(activity_id)
                yield found if found is not None else item(get_activity(registry, activity_id))
        return lambda: _joined(read())

    return NetworkPage(network, Listing(listing(ending_after=now), counts[0]),
                       Listing(listing(ending_by=now, latest_first=True), counts[1]))


def _joined(items, size: int = 200):
    """Items of a list (safe HTML), a line each, in pieces of ``size``: a template's loop costs per piece."""
    from markupsafe import Markup

    for piece in iter(lambda: list(itertools.islice(items, size)), []):
        yield Markup("\n".join(piece))


class NetworkSummary(namedtuple("NetworkSummary", "network upcoming_count past_count first")):
    """What the index shows of a network: how many activities are upcoming and past, and the first few upcoming.

    The first few are kept as (start in UTC, number): the index reads only
    those it shows. A summary is kept in the site's state between builds, for
    the networks nothing has changed in since (:meth:`as_state`).
    """

    __slots__ = ()

    @classmethod
    def read(cls, registry, network: Network, now: dt.datetime, first: int) -> "NetworkSummary":
        """The summary, counted by the registry, without reading every activity of the network."""
        from peerlearn import upcoming_activities

        found = upcoming_activities(registry, network.slug, now, first)
        return cls(network, found.upcoming, found.past,
                   tuple((utc_text(activity.start), activity.id) for activity in found.first))

    def restarted(self, activities: dict) -> "NetworkSummary":
        """The summary with the start of each of the first ones ahead that is among ``activities`` (by number) as
        it is there now: for a network whose activities are all listed where they were, some of them moved."""
        first = tuple((utc_text(activities[number].start) if activities.get(number) else start, number)
                      for start, number in self.first)
        return self._replace(first=first)

    def as_state(self) -> list:
        return [self.upcoming_count, self.past_count, [list(item) for item in self.first]]

    @classmethod
    def from_state(cls, network: Network, state) -> "NetworkSummary | None":
        """The summary :meth:`as_state` kept, or None where it is not one."""
        try:
            upcoming, past, first = state
            first = tuple((str(start), int(number)) for start, number in first)
        except (TypeError, ValueError):
            return None
        if not isinstance(upcoming, int) or not isinstance(past, int):
            return None
        return cls(network, upcoming, past, first)


def utc_text(moment: dt.datetime) -> str:
    """A moment in UTC as text that sorts as time does."""
    return moment.astimezone(dt.timezone.utc).isoformat()


#: An activity on the index page's "coming next" list, with its network.
Upcoming = namedtuple("Upcoming", "network activity")


def next_activities(registry, pages: list[NetworkSummary], count: int) -> tuple[Upcoming, ...]:
    """The ``count`` activities coming next across the networks' pages, soonest first (ties by network, id)."""
    from peerlearn import get_activity

    return tuple(Upcoming(network, get_activity(registry, number)) for network, number in coming_next(pages, count))


def coming_next(pages: list[NetworkSummary], count: int) -> list[tuple[Network, int]]:
    """(network, activity number) of the ``count`` activities coming next across ``pages``, as the index lists them."""
    import heapq

    found = ((start, page.network.slug, number, page.network) for page in pages for start, number in page.first)
    return [(network, number)
            for _start, _slug, number, network in heapq.nsmallest(count, found, key=lambda item: item[:3])]
