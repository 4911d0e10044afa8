"""The people on an activity's sessions: putting them on, confirming, declining, changing and removing them.

Every function that writes runs inside ``Registry.transaction()``, records
each change and then checks the programme, as :mod:`peerlearn.agenda.sessions`
does; the ``insert_``/``write_``/``delete_`` functions skip the checks, for
imports that check once at the end.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..errors import NotFound, ValidationError
from ..models import Activity, Role
from ..registry import activities
from ..registry.records import public, role_row
from ..registry.store import Registry
from .changing import after_change, insert_row, open_for_changes
from .reading import get_role, get_session, session_activity


def _with_member(registry: Registry, role: Role) -> Role:
    if role.member_id is None:
        return role
    row = registry.one("SELECT name FROM members WHERE id = ?", [role.member_id])
    if row is None:
        raise NotFound(f"unknown member #{role.member_id}")
    return role if role.name else attrs.evolve(role, name=row["name"])


def insert_role(registry: Registry, activity: Activity, role: Role, position: int | None = None) -> Role:
    """Write a role without running the programme checks (for imports)."""
    open_for_changes(activity)
    if registry.one("SELECT id FROM sessions WHERE id = ? AND activity_id = ?",
                    [role.session_id, activity.id]) is None:
        raise NotFound(f"activity #{activity.id} has no session #{role.session_id}")
    role = _with_member(registry, attrs.evolve(role, id=None))
    row = role_row(role)
    row.pop("id")
    if position is None:
        position = registry.conn.execute("SELECT coalesce(max(position), 0) + 1 FROM roles WHERE session_id = ?",
                                       [role.session_id]).fetchone()[0]
    row["position"] = position
    role = attrs.evolve(role, id=insert_row(registry, "roles", row))
    registry.record("create", "role", role.id, network=activity.network, after=public(role))
    return role


def add_role(registry: Registry, activity_id: int | str, session_ref: int | str, role: Role) -> Role:
    """Put a person (or a tbd placeholder) on a session."""
    activity = activities.get(registry, activity_id)
    session = get_session(registry, activity, session_ref)
    role = insert_role(registry, activity, attrs.evolve(role, session_id=session.id))
    if session.status == "cancelled":
        registry.warnings.append(f"session #{session.id} {session.title!r} is cancelled; the role is kept for"
                                 " when it is reinstated")
    after_change(registry, activity)
    return role


def edit_role(registry: Registry, role_id: int | str, *, action: str = "update", **changes: Any) -> Role:
    """Change a role: its person, status, minutes or note."""
    current = get_role(registry, role_id)
    activity = session_activity(registry, current.session_id)
    open_for_changes(activity)
    try:
        updated = attrs.evolve(current, **changes)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"role #{current.id}: {error}") from None
    updated = write_role(registry, activity, current, updated, action)
    if updated != current:
        after_change(registry, activity, refuse=updated.status != "declined")
    return updated


def write_role(registry: Registry, activity: Activity, current: Role, updated: Role, action: str = "update",
               position: int | None = None) -> Role:
    """Store ``updated`` over ``current`` without running the programme checks (for imports).

    The role keeps its number; nothing is recorded when nothing changed. A
    new ``position`` (its place among the session's roles) is stored quietly.
    """
    open_for_changes(activity)
    updated = _with_member(registry, attrs.evolve(updated, id=current.id, session_id=current.session_id))
    if position is not None:
        registry.conn.execute("UPDATE roles SET position = ? WHERE id = ? AND position != ?",
                            [position, current.id, position])
    if updated == current:
        return current
    registry.db["roles"].update(current.id, role_row(updated))
    registry.record(action, "role", current.id, network=activity.network,
                    before=public(current), after=public(updated))
    return updated


def confirm_role(registry: Registry, role_id: int | str, **person: Any) -> Role:
    """Confirm a role, naming its person where it had none."""
    return edit_role(registry, role_id, action="confirm", status="confirmed",
                     **{k: v for k, v in person.items() if v not in (None, "")})


def decline_role(registry: Registry, role_id: int | str) -> Role:
    return edit_role(registry, role_id, action="decline", status="declined")


def delete_role(registry: Registry, activity: Activity, role: Role) -> None:
    """Delete a role, recording it (no checks run)."""
    registry.conn.execute("DELETE FROM roles WHERE id = ?", [role.id])
    registry.record("delete", "role", role.id, network=activity.network, before=public(role))


def remove_role(registry: Registry, role_id: int | str) -> Role:
    current = get_role(registry, role_id)
    activity = session_activity(registry, current.session_id)
    open_for_changes(activity)
    delete_role(registry, activity, current)
    after_change(registry, activity, refuse=False)
    return current
