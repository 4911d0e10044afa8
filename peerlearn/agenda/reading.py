"""Reading an activity's agenda: its sessions and the roles people hold on them."""

from __future__ import annotations

from ..errors import NotFound
from ..models import Activity, Role, Session
from ..registry import activities
from ..registry.records import role_from_row, session_from_row
from ..registry.store import Registry
from ..text import number_in


def sessions_of(registry: Registry, activity_id: int) -> list[Session]:
    """An activity's sessions in time order (parallel ones by track)."""
    rows = registry.query(
        "SELECT * FROM sessions WHERE activity_id = ? ORDER BY start_utc, track, id", [activity_id])
    return [session_from_row(row) for row in rows]


def roles_of(registry: Registry, activity_id: int, session_id: int | None = None) -> list[Role]:
    """The roles on an activity's sessions (or one session), in agenda order."""
    sql = ("SELECT r.* FROM roles r JOIN sessions s ON s.id = r.session_id WHERE s.activity_id = ?"
           + (" AND s.id = ?" if session_id is not None else "")
           + " ORDER BY s.start_utc, s.track, s.id, r.position, r.id")
    params = [activity_id] + ([session_id] if session_id is not None else [])
    return [role_from_row(row) for row in registry.query(sql, params)]


def taking_place(sessions: list[Session]) -> list[Session]:
    """The sessions that are not cancelled."""
    return [session for session in sessions if session.status != "cancelled"]


def get_session(registry: Registry, activity: Activity, ref: int | str) -> Session:
    """A session of ``activity`` by number or by key (a key may be a number too: "2030" where the title was)."""
    typed = str(ref).strip()
    number = number_in(typed)
    row = None
    if number is not None:
        row = registry.one("SELECT * FROM sessions WHERE id = ? AND activity_id = ?", [number, activity.id])
    if row is None and not (number is not None and typed.startswith("#")):  # "#15" is a number, and only that
        row = registry.one("SELECT * FROM sessions WHERE key = ? AND activity_id = ?",
                           [typed.lstrip("#"), activity.id])
    if row is None:
        raise NotFound(f"activity #{activity.id} has no session {ref!r}")
    return session_from_row(row)


def get_role(registry: Registry, role_id: int | str) -> Role:
    number = number_in(role_id)
    row = registry.one("SELECT * FROM roles WHERE id = ?", [number]) if number is not None else None
    if row is None:
        raise NotFound(f"unknown role {role_id!r} (roles are named by their number; see 'roles list')")
    return role_from_row(row)


def session_activity(registry: Registry, session_id: int) -> Activity:
    row = registry.one("SELECT activity_id FROM sessions WHERE id = ?", [session_id])
    if row is None:
        raise NotFound(f"unknown session #{session_id}")
    return activities.get(registry, row["activity_id"])


def summary(registry: Registry, activity: Activity) -> dict:
    """Counts of an activity's programme (sessions, cancelled ones, tracks, roles by status)."""
    sessions = sessions_of(registry, activity.id)
    statuses = dict(registry.conn.execute(
        "SELECT r.status, count(*) FROM roles r JOIN sessions s ON s.id = r.session_id WHERE s.activity_id = ?"
        " GROUP BY r.status", [activity.id]).fetchall())
    return {"sessions": len(sessions), "cancelled": len(sessions) - len(taking_place(sessions)),
            "tracks": sorted({s.track for s in sessions if s.track}), "roles": statuses}
