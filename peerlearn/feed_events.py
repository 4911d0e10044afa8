"""What the feeds read besides activities: the sessions of an activity's agenda.

This is the one place the feeds meet the agenda. Until a registry holds a
``sessions`` table every function here returns nothing; once it does, each
session becomes its own event, related to its activity. Rows are read by
column name and the columns this module needs are looked up, not assumed,
so the feeds follow the agenda's schema as it grows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Iterator

import attrs

from .timeutil import from_local_text, zone

if TYPE_CHECKING:  # pragma: no cover
    from .models import Activity
    from .store import Registry

SESSIONS_TABLE = "sessions"
ROLE_TABLES = ("roles", "session_roles")


@attrs.frozen
class SessionEvent:
    """A session of an activity as a feed sees it (read from the agenda's tables)."""

    id: int
    activity_id: int
    uid: str
    title: str
    kind: str
    start: dt.datetime
    end: dt.datetime
    track: str = ""
    room: str = ""
    description: str = ""
    #: people on the session, as "role: name (status)" lines (no contact data)
    people: tuple[str, ...] = ()
    sequence: int = 0
    #: the session's last change, where the agenda keeps one
    changed_at: str = ""
    #: what the event was built from: its block is rebuilt when this changes
    source_key: str = ""


@attrs.frozen
class _Schema:
    sessions: bool
    #: the table of people on sessions (with a session_id column), if any
    roles: str | None
    #: whether that table names members (a member_id column)
    roles_by_member: bool


_schemas: dict[tuple[int, int], _Schema] = {}


def _schema(registry: Registry) -> _Schema:
    """Which agenda tables exist, looked up once per schema version of the connection."""
    version = registry.db.execute("PRAGMA schema_version").fetchone()[0]
    key = (id(registry.db.conn), version)
    if key not in _schemas:
        tables = set(registry.db.table_names())
        roles, by_member = None, False
        for table in ROLE_TABLES:
            columns = set(registry.db[table].columns_dict) if table in tables else set()
            if "session_id" in columns:
                roles, by_member = table, "member_id" in columns
                break
        _schemas.clear()
        _schemas[key] = _Schema(SESSIONS_TABLE in tables, roles, by_member)
    return _schemas[key]


def has_sessions(registry: Registry) -> bool:
    return _schema(registry).sessions


def session_events(registry: Registry, activity: Activity) -> list[SessionEvent]:
    """The sessions of ``activity`` as events, in time order ([] without an agenda)."""
    if not has_sessions(registry):
        return []
    rows = registry.query(f"SELECT * FROM [{SESSIONS_TABLE}] WHERE activity_id = ?", [activity.id])
    people = _people(registry, [row["id"] for row in rows])
    events = [event_of(activity, row, people.get(row["id"], [])) for row in rows]
    return sorted(events, key=lambda event: (event.start, event.id))


def member_sessions(registry: Registry, member_id: int) -> list[tuple[int, dict]]:
    """``(activity_id, session row)`` of each session where the member holds a role."""
    schema = _schema(registry)
    if not (schema.sessions and schema.roles_by_member):
        return []
    rows = registry.query(f"SELECT * FROM [{SESSIONS_TABLE}] WHERE id IN"
                          f" (SELECT session_id FROM [{schema.roles}] WHERE member_id = ?)", [member_id])
    return [(row["activity_id"], row) for row in rows]


def session_event(registry: Registry, activity: Activity, row: dict) -> SessionEvent:
    """One session row of ``activity`` as an event."""
    return event_of(activity, row, _people(registry, [row["id"]]).get(row["id"], []))


def all_sessions(registry: Registry) -> Iterator[tuple[int, dict, list[str]]]:
    """Every session as ``(activity_id, row, people)``, ordered by activity (for bulk digests)."""
    if not has_sessions(registry):
        return
    people = _people(registry, None)
    for row in registry.db.query(f"SELECT * FROM [{SESSIONS_TABLE}] ORDER BY activity_id, id"):
        yield row["activity_id"], row, people.get(row["id"], [])


def session_roles_by_member(registry: Registry) -> Iterator[tuple[int, int]]:
    """``(member_id, session_id)`` of every role held by a member."""
    schema = _schema(registry)
    if schema.sessions and schema.roles_by_member:
        yield from registry.db.execute(
            f"SELECT DISTINCT member_id, session_id FROM [{schema.roles}] WHERE member_id IS NOT NULL")


def event_of(activity: Activity, row: dict, people: list[str]) -> SessionEvent:
    """A session row of ``activity`` as an event; its ``source_key`` covers all the event is built from."""
    start = _moment(row, "start", activity.timezone)
    end = _moment(row, "end", activity.timezone)
    uid = row.get("uid") or f"session-{row['id']}.{activity.uid}"
    basis = repr((sorted(row.items()), people, activity.uid, activity.network, activity.title, activity.sequence,
                  activity.status, activity.timezone, activity.venue, activity.city, activity.country,
                  activity.online_url))
    return SessionEvent(
        id=row["id"],
        activity_id=activity.id,
        uid=uid,
        title=str(row.get("title") or "Session"),
        kind=str(row.get("kind") or ""),
        start=start,
        end=end,
        track=str(row.get("track") or ""),
        room=str(row.get("room") or ""),
        description=str(row.get("description") or ""),
        people=tuple(people),
        sequence=int(row.get("sequence") or 0),
        changed_at=str(row.get("updated_at") or ""),
        source_key=hashlib.sha256(basis.encode()).hexdigest()[:32],
    )


def _moment(row: dict, name: str, tzname: str) -> dt.datetime:
    """A session's start or end, from whichever columns the agenda stores."""
    if row.get(f"{name}_local"):
        return from_local_text(row[f"{name}_local"], row.get("timezone") or tzname)
    text = row.get(f"{name}_utc") or row.get(name)
    moment = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(row.get("timezone") or tzname))
    return moment.astimezone(zone(tzname))


def _people(registry: Registry, session_ids: list[int] | None) -> dict[int, list[str]]:
    """People on the sessions given (all where None), as "role: name (status)" lines; never contact data."""
    table = _schema(registry).roles
    if table is None or session_ids == []:
        return {}
    people: dict[int, list[str]] = {}
    chunks = [None] if session_ids is None else [session_ids[i:i + 500] for i in range(0, len(session_ids), 500)]
    for chunk in chunks:
        where = "" if chunk is None else f" WHERE session_id IN ({', '.join('?' * len(chunk))})"
        for row in registry.db.query(f"SELECT * FROM [{table}]{where} ORDER BY session_id, rowid", chunk or []):
            name = row.get("person") or row.get("name") or ""
            role = row.get("role") or ""
            status = row.get("status") or ""
            if name:
                line = f"{role}: {name}" if role else name
                people.setdefault(row["session_id"], []).append(line + (f" ({status})" if status else ""))
    return people
