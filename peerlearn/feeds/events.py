"""What the feeds read besides activities: the sessions of an activity's agenda.

This is the one place the feeds meet the agenda (:mod:`peerlearn.agenda.sessions`,
tables ``sessions`` and ``roles`` of migration ``m003_agenda``). Each
session becomes its own event, related to its activity; its people are
listed as "role: name (status)" lines. A declined role is in no feed, and
neither is a role's email or note. A member's feed holds the
sessions where the member holds a role that is not declined.

A session's ``source_key`` hashes everything its event is built from (the
session, its status, its people and its activity's public fields): the
feeds rebuild its cached block, and raise its SEQUENCE, exactly when that
key changes. A cancelled session keeps its event, with ``STATUS:CANCELLED``.

The activity's own event carries the programme too (:func:`programmes`):
one line per session, cancelled ones marked, so that whoever holds only the
activity in a calendar (a registered participant's member feed, a network
feed) sees the programme change; the activity's SEQUENCE rises with it
(:func:`peerlearn.agenda.sessions.programme_change`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import operator
from typing import TYPE_CHECKING, Iterator, NamedTuple

import attrs

from ..agenda.reading import sessions_of
from ..registry.records import session_from_row
from ..timeutil import zone

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity, Session
    from ..registry.store import Registry

#: Roles with this status are left out of every feed.
HIDDEN_ROLE_STATUS = "declined"


@attrs.frozen
class SessionEvent:
    """A session of an activity as a feed sees it (public fields only)."""

    #: the session's number
    id: int
    #: its activity's number
    activity_id: int
    #: its event's UID, stable for its life
    uid: str
    #: the session's title
    title: str
    #: its kind (one of ``SESSION_KINDS``)
    kind: str
    #: when it starts
    start: dt.datetime
    #: when it ends
    end: dt.datetime
    #: its track (sessions in different tracks at once run in parallel)
    track: str = ""
    #: its room
    room: str = ""
    #: what it is about
    description: str = ""
    #: ``scheduled`` or ``cancelled`` (its event then says ``STATUS:CANCELLED``)
    status: str = "scheduled"
    #: people on the session, as "role: name (status)" lines (no contact data, no declined roles)
    people: tuple[str, ...] = ()
    #: whether another session of the activity, in another track, overlaps it (it runs in parallel)
    parallel: bool = False
    #: what the event was built from: its block is rebuilt, and its SEQUENCE raised, when this changes
    source_key: str = ""


def order(event: SessionEvent) -> tuple:
    """Sort key putting session events in the agenda's order: by start, parallel ones by track."""
    return (event.start, event.track, event.id)


def session_events(registry: Registry, activity: Activity) -> list[SessionEvent]:
    """The sessions of ``activity`` as events, in the agenda's order."""
    people = _people(registry, "s.activity_id = ?", [activity.id])
    sessions = sessions_of(registry, activity.id)
    parallel = parallel_ids(sessions)
    return [event_of(activity, session, people.get(session.id, []), session.id in parallel) for session in sessions]


def parallel_ids(sessions: list[Session]) -> set[int]:
    """The ids of the sessions (of one activity) that overlap a session in another track: they run in parallel.

    Tracks are named (a plenary is in a track of its own); a session without
    a track runs beside nothing, and so does a break or a cancelled session.
    """
    ordered = sorted((session for session in sessions
                      if session.track and session.kind != "break" and session.status != "cancelled"),
                     key=lambda session: session.start)
    found: set[int] = set()
    for index, one in enumerate(ordered):
        for other in ordered[index + 1:]:
            if other.start >= one.end:
                break  # the rest start later still
            if other.track != one.track:
                found.update((one.id, other.id))
    return found


def member_sessions(registry: Registry, member_id: int) -> list[Session]:
    """Each session where the member holds a role that is not declined."""
    rows = registry.query(
        "SELECT * FROM sessions WHERE id IN (SELECT session_id FROM roles WHERE member_id = ? AND status != ?)",
        [member_id, HIDDEN_ROLE_STATUS])
    return [session_from_row(row) for row in rows]


def session_event(registry: Registry, activity: Activity, session: Session,
                  parallel: set[int] | None = None) -> SessionEvent:
    """One session of ``activity`` as an event; ``parallel``: :func:`parallel_ids` of its activity, if known."""
    if parallel is None:
        parallel = parallel_ids(sessions_of(registry, activity.id))
    return event_of(activity, session, _people(registry, "s.id = ?", [session.id]).get(session.id, []),
                    session.id in parallel)


def all_sessions(registry: Registry) -> Iterator[tuple[Session, list[str], bool]]:
    """Every session with its people lines and whether it runs in parallel, by activity (for digests)."""
    people = _people(registry, "1", [])
    rows = registry.rows("SELECT * FROM sessions ORDER BY activity_id, id")
    for _activity_id, group in itertools.groupby(map(session_from_row, rows), key=lambda s: s.activity_id):
        sessions = list(group)
        parallel = parallel_ids(sessions)
        for session in sessions:
            yield session, people.get(session.id, []), session.id in parallel


#: The columns of a session row an event is built from, in :class:`_Stored`'s order (times as stored text).
STORED_COLUMNS = "id, activity_id, title, kind, start_local, end_local, timezone, track, room, description, status"


def session_rows_by_activity(registry: Registry) -> Iterator[tuple[int, list[tuple]]]:
    """Each activity's session rows as stored (:data:`STORED_COLUMNS`), by activity, for a whole build's
    :func:`stored_events`."""
    rows = registry.conn.execute(f"SELECT {STORED_COLUMNS} FROM sessions ORDER BY activity_id, id")
    for activity_id, group in itertools.groupby(rows, key=operator.itemgetter(1)):
        yield activity_id, list(group)


def people_by_session(registry: Registry) -> dict[int, list[str]]:
    """The people lines of every session, by session id (for a whole build)."""
    return _people(registry, "1", [])


def checked_events(registry: Registry, activity: Activity, people: dict[int, list[str]]) -> list[SessionEvent]:
    """The events of ``activity``'s sessions, each read (and checked) as a model."""
    sessions = [session_from_row(row) for row in registry.rows(
        "SELECT * FROM sessions WHERE activity_id = ? ORDER BY id", [activity.id])]
    parallel = parallel_ids(sessions)
    return [event_of(activity, session, people.get(session.id, []), session.id in parallel) for session in sessions]


class _Stored(NamedTuple):
    """A session row as stored, with its times read: what :func:`event_of` reads of a session."""

    id: int
    activity_id: int
    title: str
    kind: str
    start: dt.datetime
    end: dt.datetime
    timezone: str
    track: str
    room: str
    description: str
    status: str


class StoredActivity(NamedTuple):
    """An activity row as stored: what :func:`event_of` reads of an activity, and what its feed names."""

    id: int
    uid: str
    network: str
    title: str
    status: str
    timezone: str
    venue: str
    city: str
    country: str | None
    online_url: str
    sequence: int

    @classmethod
    def of(cls, row: dict) -> "StoredActivity":
        return cls(row["id"], row["uid"], row["network"], row["title"], row["status"], row["timezone"],
                   row["venue"], row["city"], row["country"], row["online_url"], row["sequence"])


def stored_events(activity: Activity | StoredActivity, rows: list[tuple],
                  people: dict[int, list[str]]) -> list[SessionEvent]:
    """The events of ``activity``'s sessions built from their rows as stored (:data:`STORED_COLUMNS`),
    without the model's reading (of the sessions, and of the activity where given as :class:`StoredActivity`).

    Much cheaper than :func:`checked_events`, and the same wherever the
    stored text is what the model reads back (it is, but for rows written
    around peerlearn). A caller takes these events only where each one's
    ``source_key`` is the one kept with its cached block: the key hashes
    every value its event is built from, the activity's fields it reads
    included, and the kept one was made from values read through the model,
    so an equal key means these values are what the model reads.
    """
    zones: dict[str, dt.tzinfo] = {}
    read = dt.datetime.fromisoformat
    sessions = []
    for number, activity_id, title, kind, start, end, tzname, track, room, description, status in rows:
        tz = zones.get(tzname)
        if tz is None:
            tz = zones[tzname] = zone(tzname)
        sessions.append(_Stored(number, activity_id, title, kind, read(start).replace(tzinfo=tz),
                                read(end).replace(tzinfo=tz), tzname, track, room, description, status))
    parallel = parallel_ids(sessions)
    return [event_of(activity, session, people.get(session.id, []), session.id in parallel) for session in sessions]


def session_roles_by_member(registry: Registry) -> Iterator[tuple[int, int]]:
    """``(member_id, session_id)`` of every role a member holds that is not declined."""
    yield from registry.conn.execute(
        "SELECT DISTINCT member_id, session_id FROM roles WHERE member_id IS NOT NULL AND status != ?",
        [HIDDEN_ROLE_STATUS])


def event_of(activity: Activity, session: Session, people: list[str], parallel: bool = False) -> SessionEvent:
    """``session`` of ``activity`` as an event; its ``source_key`` covers all the event is built from."""
    # The activity's SEQUENCE is not part of it: it rises with every programme change, which the
    # other sessions' events do not show. A session's SEQUENCE still never falls below it.
    basis = repr((session.title, session.kind, session.description, session.track, session.room,
                  session.start.isoformat(), session.end.isoformat(), session.timezone, session.status, people,
                  parallel, activity.uid, activity.network, activity.title, activity.status,
                  activity.timezone, activity.venue, activity.city, activity.country, activity.online_url))
    return SessionEvent(
        id=session.id,
        activity_id=activity.id,
        uid=f"session-{session.id}.{activity.uid}",
        title=session.title,
        kind=session.kind,
        start=session.start,
        end=session.end,
        track=session.track,
        room=session.room,
        description=session.description,
        status=session.status,
        people=tuple(people),
        parallel=parallel,
        source_key=hashlib.sha256(basis.encode()).hexdigest()[:32],
    )


def programmes(registry: Registry, activities: list[Activity]) -> dict[int, str]:
    """The programme each activity's own event describes, by activity id (none without sessions).

    One query for a batch of activities, formatted from the stored wall
    times (feeds serialize thousands of activities at a time).
    """
    by_id = {activity.id: activity for activity in activities}
    rows: dict[int, list[tuple[str, str, str, str, str]]] = {}
    ids = list(by_id)
    for index in range(0, len(ids), 500):
        chunk = ids[index:index + 500]
        for activity_id, *row in registry.conn.execute(
                "SELECT activity_id, start_local, end_local, title, room, status FROM sessions"
                f" WHERE activity_id IN ({', '.join('?' for _ in chunk)}) ORDER BY activity_id, start_utc, track, id",
                chunk):
            rows.setdefault(activity_id, []).append(tuple(row))
    if not rows:
        return {}
    from ..agenda import timetable  # (with the session models: only where an activity has a programme)

    return {activity_id: timetable.programme_text(by_id[activity_id].timezone, timetable.lines_of(found))
            for activity_id, found in rows.items()}


def person_line(role: str, name: str, status: str) -> str:
    """How a feed names one person on a session: "speaker: Thomas Liebig (tbc)"."""
    return f"{role}: {name} ({status})"


def _people(registry: Registry, where: str, params: list) -> dict[int, list[str]]:
    """People on the sessions ``s`` matching ``where``, by session id, in the agenda's order.

    Only the columns a line shows are read, so a role's email and note never
    reach a feed; declined roles, and tbd roles with no one yet, are left out.
    """
    people: dict[int, list[str]] = {}
    rows = registry.conn.execute(
        "SELECT r.session_id, r.role, r.name, r.status FROM roles r JOIN sessions s ON s.id = r.session_id"
        f" WHERE {where} AND r.status != ? AND r.name != '' ORDER BY r.session_id, r.position, r.id",
        [*params, HIDDEN_ROLE_STATUS])
    for session_id, role, name, status in rows:
        people.setdefault(session_id, []).append(person_line(role, name, status))
    return people
