"""The sessions of an activity's agenda: adding, changing, moving, cancelling and removing them.

Every function that writes runs inside ``Registry.transaction()``, records
each change in the change log and then checks the programme
(:mod:`peerlearn.agenda.changing`): errors refuse the change, warnings are
kept on ``registry.warnings``. A cancelled or completed activity keeps its
programme for the record and refuses changes to it.

A cancelled session stays in the programme (``status`` ``cancelled``): the
feeds keep its event with ``STATUS:CANCELLED``, the timetable and the pages
strike it through, and the checks leave it out. ``remove`` is for mistakes.
The people on sessions are edited by :mod:`peerlearn.agenda.roles`; an
activity moved, cancelled or deleted with its programme, by
:mod:`peerlearn.agenda.schedule`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import attrs

from ..errors import ValidationError
from ..models import Activity, Session
from ..registry import activities
from ..registry.records import public, session_row
from ..registry.store import Registry
from .changing import after_change, check_inside, insert_row, now_text, open_for_changes, programme_change
from .reading import get_session, roles_of

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def make_key(registry: Registry, activity_id: int, title: str, taken: set[str] | None = None) -> str:
    """A key for a new session from its title, unique within the activity.

    An import making many keys passes the activity's ``taken`` keys (read
    once); the new key is added to them.
    """
    base = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:40].strip("-") or "session"
    if taken is None:
        found = {row["key"] for row in registry.query(
            "SELECT key FROM sessions WHERE activity_id = ? AND (key = ? OR key LIKE ?)",
            [activity_id, base, f"{base}-%"])}
    else:
        found = taken
    key, number = base, 2
    while key in found:
        key, number = f"{base}-{number}", number + 1
    if taken is not None:
        taken.add(key)
    return key


def _check_key(registry: Registry, session: Session) -> None:
    if not KEY_PATTERN.match(session.key):
        raise ValidationError(f"session key {session.key!r} must be lower-case letters, digits, - or _")
    clash = registry.one("SELECT id, title FROM sessions WHERE activity_id = ? AND key = ? AND id IS NOT ?",
                         [session.activity_id, session.key, session.id])
    if clash:
        raise ValidationError(f"activity #{session.activity_id} already has a session {session.key!r}"
                              f" (#{clash['id']} {clash['title']!r})")


def insert_session(registry: Registry, activity: Activity, session: Session) -> Session:
    """Write a new session without running the programme checks (for imports)."""
    open_for_changes(activity)
    session = attrs.evolve(session, id=None, activity_id=activity.id, timezone=activity.timezone,
                           key=session.key or make_key(registry, activity.id, session.title))
    check_inside(activity, session)
    _check_key(registry, session)
    row = session_row(session)
    row.pop("id")
    row["created_at"] = row["updated_at"] = now_text()
    session = attrs.evolve(session, id=insert_row(registry, "sessions", row))
    registry.record("create", "session", session.id, network=activity.network, after=public(session))
    return session


def add_session(registry: Registry, session: Session) -> Session:
    """Add a session to its activity's agenda."""
    activity = activities.get(registry, session.activity_id)
    with programme_change(registry, activity):
        session = insert_session(registry, activity, session)
        after_change(registry, activity)
    return session


def write_session(registry: Registry, activity: Activity, current: Session, action: str = "update",
                  **changes: Any) -> Session:
    """Store changes to a session without running the programme checks (for imports).

    Nothing is written or recorded when the changes leave the session as it
    was, so re-importing an unchanged programme changes nothing.
    """
    try:
        updated = attrs.evolve(current, **changes)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"session #{current.id} {current.title!r}: {error}") from None
    if updated == current:
        return current
    check_inside(activity, updated)
    _check_key(registry, updated)
    row = session_row(updated)
    row["updated_at"] = now_text()
    registry.db["sessions"].update(current.id, row)
    registry.record(action, "session", current.id, network=activity.network,
                    before=public(current), after=public(updated))
    return updated


def edit_session(registry: Registry, activity_id: int | str, ref: int | str, **changes: Any) -> Session:
    """Change a session's title, kind, track, room, description, key or times."""
    activity = activities.get(registry, activity_id)
    open_for_changes(activity)
    current = get_session(registry, activity, ref)
    if "status" in changes:
        raise ValidationError("a session's status changes only through cancel and reinstate")
    with programme_change(registry, activity):
        updated = write_session(registry, activity, current, "update", **changes)
        after_change(registry, activity)
    return updated


def move_session(registry: Registry, activity_id: int | str, ref: int | str, start: dt.datetime,
                 end: dt.datetime | None = None) -> Session:
    """Move a session; without ``end`` it keeps its length."""
    activity = activities.get(registry, activity_id)
    open_for_changes(activity)
    current = get_session(registry, activity, ref)
    end = end or start + (current.end - current.start)
    with programme_change(registry, activity):
        moved = write_session(registry, activity, current, "move", start=start, end=end)
        after_change(registry, activity)
    return moved


def cancel_session(registry: Registry, activity_id: int | str, ref: int | str) -> Session:
    """Cancel a session: it stays in the programme, the feeds and the pages, marked as cancelled.

    Its roles are kept (a reinstated session gets its people back). The
    checks leave a cancelled session out, so this never refuses for a clash.
    """
    activity = activities.get(registry, activity_id)
    open_for_changes(activity)
    current = get_session(registry, activity, ref)
    if current.status == "cancelled":
        raise ValidationError(f"session #{current.id} {current.title!r} is already cancelled")
    with programme_change(registry, activity):
        cancelled = write_session(registry, activity, current, "cancel", status="cancelled")
        after_change(registry, activity, refuse=False)
    return cancelled


def reinstate_session(registry: Registry, activity_id: int | str, ref: int | str) -> Session:
    """Undo a cancellation: the session takes place again, and is checked again (a clash refuses it)."""
    activity = activities.get(registry, activity_id)
    open_for_changes(activity)
    current = get_session(registry, activity, ref)
    if current.status != "cancelled":
        raise ValidationError(f"session #{current.id} {current.title!r} is not cancelled")
    with programme_change(registry, activity):
        reinstated = write_session(registry, activity, current, "reinstate", status="scheduled")
        after_change(registry, activity)
    return reinstated


def delete_session(registry: Registry, activity: Activity, session: Session) -> None:
    """Delete a session and its roles, recording each (no checks run)."""
    for role in roles_of(registry, activity.id, session.id):
        registry.record("delete", "role", role.id, network=activity.network, before=public(role))
    registry.conn.execute("DELETE FROM sessions WHERE id = ?", [session.id])
    registry.record("delete", "session", session.id, network=activity.network, before=public(session))


def remove_session(registry: Registry, activity_id: int | str, ref: int | str) -> Session:
    """Remove a session with its roles."""
    activity = activities.get(registry, activity_id)
    open_for_changes(activity)
    session = get_session(registry, activity, ref)
    with programme_change(registry, activity):
        delete_session(registry, activity, session)
        after_change(registry, activity, refuse=False)
    return session


