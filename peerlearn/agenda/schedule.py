"""An activity changed together with its programme: edited, moved, cancelled, completed, reinstated, deleted.

The activity's own record is :mod:`peerlearn.registry.activities`; here its
sessions follow it. Moving an activity moves its sessions with it (they
keep their wall-clock offset from its start), each recorded, and the
programme is checked again; deleting it deletes its sessions and their roles
first, each recorded. Every function runs inside ``Registry.transaction()``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ..errors import ValidationError
from ..models import Activity, Session
from ..registry import activities, participation
from ..registry.records import public, session_row
from ..registry.store import Registry
from ..timeutil import localize
from .changing import FROZEN_STATUSES, check_inside, check_programme, now_text
from .reading import sessions_of
from .sessions import delete_session


def follow(current: Activity, updated: Activity, sessions: list[Session]) -> list[Session]:
    """Where ``sessions`` go when their activity moves from ``current`` to ``updated``.

    Sessions keep their wall-clock offset from the activity's start in the
    activity's (possibly new) timezone, so 11:45 on the first day stays
    11:45 on the new first day across a DST change.
    """
    if current.local_start.replace(tzinfo=None) == updated.local_start.replace(tzinfo=None) \
            and current.timezone == updated.timezone and current.start == updated.start:
        return sessions
    shift = updated.local_start.replace(tzinfo=None) - current.local_start.replace(tzinfo=None)
    moved = []
    for session in sessions:
        try:
            start = localize(session.local_start.replace(tzinfo=None) + shift, updated.timezone)
            end = localize(session.local_end.replace(tzinfo=None) + shift, updated.timezone)
        except ValueError as error:
            raise ValidationError(f"session #{session.id} {session.title!r} cannot move with its activity: {error}")
        moved.append(attrs.evolve(session, start=start, end=end, timezone=updated.timezone))
    return moved


def write_followed(registry: Registry, activity: Activity, before: list[Session], after: list[Session]) -> None:
    """Store sessions moved with their activity, record each, and check the programme."""
    if not before:
        return
    for old, new in zip(before, after):
        if old != new:
            check_inside(activity, new)
            row = session_row(new)
            row["updated_at"] = now_text()
            registry.db["sessions"].update(old.id, row)
            registry.record("reschedule", "session", old.id, network=activity.network,
                            before=public(old), after=public(new))
    for session in after:
        check_inside(activity, session)
    if activity.status not in FROZEN_STATUSES:
        check_programme(registry, activity)


def edit(registry: Registry, activity_id: int | str, *, action: str = "update", now: dt.datetime | None = None,
         allow_early: bool = False, **changes: Any) -> Activity:
    """Change fields of an activity; raises SEQUENCE where a calendar must see it. Its sessions follow a move.

    A new status must follow :data:`peerlearn.registry.activities.TRANSITIONS`.
    A capacity lowered below the places already taken is kept, with a warning
    naming who is over it (the last to register); they keep their places. A
    capacity or country quota raised (or removed) moves waitlisted members
    up while they fit, first waitlisted first, each named in a warning.
    """
    current = activities.get(registry, activity_id)
    updated = activities.changed(registry, current, changes, action=action, now=now, allow_early=allow_early)
    if updated is current:
        return current
    sessions = sessions_of(registry, current.id)
    followed = follow(current, updated, sessions)
    activities.store(registry, current, updated, action=action, sessions=followed)
    if any(getattr(current, field) != getattr(updated, field) for field in ("start", "end", "timezone", "all_day")):
        write_followed(registry, updated, sessions, followed)
    if _more_room(current.capacity, updated.capacity) or _more_room(current.country_quota, updated.country_quota):
        participation.promote(registry, updated)
    return updated


def _more_room(before: int | None, after: int | None) -> bool:
    """Whether a limit (capacity, quota) went up or away."""
    return before is not None and (after is None or after > before)


def reschedule(registry: Registry, activity_id: int | str, start: dt.datetime, end: dt.datetime | None = None,
               all_day: bool | None = None) -> Activity:
    """Move an activity; without ``end`` it keeps its length. Its sessions move with it."""
    current = activities.get(registry, activity_id)
    if current.status in ("cancelled", "completed"):
        raise ValidationError(f"activity #{current.id} is {current.status}; it cannot be rescheduled")
    end = end or start + (current.end - current.start)
    changes: dict[str, Any] = {"start": start, "end": end}
    if all_day is not None:
        changes["all_day"] = all_day
    return edit(registry, current.id, action="reschedule", **changes)


def cancel(registry: Registry, activity_id: int | str) -> Activity:
    """Cancel an activity; its programme is kept for the record and feeds show it cancelled."""
    current = activities.get(registry, activity_id)
    if current.status == "cancelled":
        raise ValidationError(f"activity #{current.id} is already cancelled")
    return edit(registry, current.id, action="cancel", status="cancelled")


def complete(registry: Registry, activity_id: int | str, *, now: dt.datetime | None = None,
             allow_early: bool = False) -> Activity:
    """Mark an activity that has started (by ``now``) as completed (final); ``allow_early`` to rehearse."""
    current = activities.get(registry, activity_id)
    if current.status == "completed":
        raise ValidationError(f"activity #{current.id} is already completed")
    return edit(registry, current.id, action="complete", status="completed", now=now, allow_early=allow_early)


def reinstate(registry: Registry, activity_id: int | str, status: str = "confirmed") -> Activity:
    """Bring a cancelled activity back as confirmed (or tentative): SEQUENCE rises, feeds show it again."""
    current = activities.get(registry, activity_id)
    activities.check_transition(current, status, action="reinstate")
    return edit(registry, current.id, action="reinstate", status=status)


def delete(registry: Registry, activity_id: int | str) -> Activity:
    """Delete an activity with its sessions, roles, participations and outputs (the change log keeps it)."""
    current = activities.get(registry, activity_id)
    for session in sessions_of(registry, current.id):
        delete_session(registry, current, session)
    activities.delete_record(registry, current)
    return current
