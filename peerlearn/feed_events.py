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
import json
from typing import TYPE_CHECKING, Any

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
    #: what the event was built from: its block is rebuilt when this changes
    source_key: str = ""


def has_sessions(registry: Registry) -> bool:
    return SESSIONS_TABLE in registry.db.table_names()


def session_events(registry: Registry, activity: Activity) -> list[SessionEvent]:
    """The sessions of ``activity`` as events, in time order ([] without an agenda)."""
    if not has_sessions(registry):
        return []
    rows = registry.query(f"SELECT * FROM [{SESSIONS_TABLE}] WHERE activity_id = ?", [activity.id])
    events = [_event(registry, activity, row) for row in rows]
    return sorted(events, key=lambda event: (event.start, event.id))


def member_session_ids(registry: Registry, member_id: int) -> list[int]:
    """Ids of the sessions where the member holds a role ([] without an agenda or roles by member)."""
    if not has_sessions(registry):
        return []
    for table in ROLE_TABLES:
        if table in registry.db.table_names() and {"member_id", "session_id"} <= set(registry.db[table].columns_dict):
            rows = registry.query(f"SELECT DISTINCT session_id FROM [{table}] WHERE member_id = ?", [member_id])
            return [row["session_id"] for row in rows]
    return []


def session_event(registry: Registry, activity: Activity, session_id: int) -> SessionEvent | None:
    row = registry.one(f"SELECT * FROM [{SESSIONS_TABLE}] WHERE id = ? AND activity_id = ?",
                       [session_id, activity.id])
    return _event(registry, activity, row) if row else None


def session_activity_id(registry: Registry, session_id: int) -> int | None:
    row = registry.one(f"SELECT activity_id FROM [{SESSIONS_TABLE}] WHERE id = ?", [session_id])
    return row["activity_id"] if row else None


def _event(registry: Registry, activity: Activity, row: dict) -> SessionEvent:
    people = _people(registry, row["id"])
    start = _moment(row, "start", activity.timezone)
    end = _moment(row, "end", activity.timezone)
    uid = row.get("uid") or f"session-{row['id']}.{activity.uid}"
    basis = json.dumps([row, people, activity.uid, activity.status, activity.timezone], sort_keys=True, default=str)
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


def _people(registry: Registry, session_id: int) -> list[str]:
    for table in ROLE_TABLES:
        if table not in registry.db.table_names():
            continue
        columns = set(registry.db[table].columns_dict)
        if "session_id" not in columns:
            continue
        people = []
        for row in registry.query(f"SELECT * FROM [{table}] WHERE session_id = ? ORDER BY rowid", [session_id]):
            name = row.get("person") or row.get("name") or ""
            role = row.get("role") or ""
            status = row.get("status") or ""
            if name:
                people.append(f"{role}: {name}" + (f" ({status})" if status else "") if role else name)
        return people
    return []
