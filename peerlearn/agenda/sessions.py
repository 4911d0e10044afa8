"""An activity's agenda: its sessions and the roles people hold on them.

Every function that writes runs inside ``Registry.transaction()``, records
each change in the change log and then checks the programme
(:mod:`peerlearn.agenda.clashes` and the plugins): errors refuse the change,
warnings are kept on ``registry.warnings``. A cancelled or completed
activity keeps its programme for the record and refuses changes to it.

A cancelled session stays in the programme (``status`` ``cancelled``): the
feeds keep its event with ``STATUS:CANCELLED``, the timetable and the pages
strike it through, and the checks leave it out. ``remove`` is for mistakes.
A change that alters what the activity's own calendar event shows of its
programme (a session added, removed, moved, renamed, cancelled…) raises the
activity's SEQUENCE once per command (:func:`programme_change`), so every
calendar holding the activity, a participant's included, sees it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any, Iterator

import attrs

from .. import plugins
from ..errors import NotFound, ValidationError
from ..models import Activity, Role, Session
from ..registry import activities, networks
from ..registry.records import public, role_from_row, role_row, session_from_row, session_row
from ..registry.store import Registry
from ..registry.validation import enforce
from ..timeutil import localize
from . import timetable

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FROZEN_STATUSES = ("cancelled", "completed")


# -- reading ----------------------------------------------------------------


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
    """A session of ``activity`` by number or by key."""
    text = str(ref).strip().lstrip("#")
    if text.isdigit():
        row = registry.one("SELECT * FROM sessions WHERE id = ? AND activity_id = ?", [int(text), activity.id])
    else:
        row = registry.one("SELECT * FROM sessions WHERE key = ? AND activity_id = ?", [text, activity.id])
    if row is None:
        raise NotFound(f"activity #{activity.id} has no session {ref!r}")
    return session_from_row(row)


def get_role(registry: Registry, role_id: int | str) -> Role:
    text = str(role_id).strip().lstrip("#")
    row = registry.one("SELECT * FROM roles WHERE id = ?", [int(text)]) if text.isdigit() else None
    if row is None:
        raise NotFound(f"unknown role {role_id!r} (roles are named by their number; see 'roles list')")
    return role_from_row(row)


def session_activity(registry: Registry, session_id: int) -> Activity:
    row = registry.one("SELECT activity_id FROM sessions WHERE id = ?", [session_id])
    if row is None:
        raise NotFound(f"unknown session #{session_id}")
    return activities.get(registry, row["activity_id"])


# -- checking ---------------------------------------------------------------


def _open_for_changes(activity: Activity) -> None:
    if activity.status in FROZEN_STATUSES:
        raise ValidationError(
            f"activity #{activity.id} is {activity.status}; its programme is kept for the record and cannot change")


def _span(moment: dt.datetime, end: dt.datetime, tzname: str) -> str:
    from ..timeutil import zone

    tz = zone(tzname)
    start, finish = moment.astimezone(tz), end.astimezone(tz)
    if start.date() == finish.date():
        return f"{start:%Y-%m-%d %H:%M}-{finish:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} to {finish:%Y-%m-%d %H:%M}"


def check_inside(activity: Activity, session: Session) -> None:
    """Refuse a session that lies outside its activity's time."""
    if session.start < activity.start or session.end > activity.end:
        raise ValidationError(
            f"session {session.title!r} ({_span(session.start, session.end, activity.timezone)}) lies outside"
            f" activity #{activity.id} ({_span(activity.start, activity.end, activity.timezone)})")


def check_programme(registry: Registry, activity: Activity, *, refuse: bool = True) -> None:
    """Check ``activity``'s programme after a change: errors refuse it, warnings are kept.

    With ``refuse=False`` (removing things only lessens problems) errors are
    kept as warnings too.
    """
    from . import clashes

    findings = clashes.check_activity(registry, activity)
    subject = f"activity #{activity.id} programme"
    errors = [finding.message for finding in findings if finding.severity == "error"]
    warnings = [finding.message for finding in findings if finding.severity == "warning"]
    registry.warnings.extend(f"{subject}: {message}" for message in warnings)
    if errors and refuse:
        raise ValidationError(f"{subject}: {'; '.join(errors)}")
    registry.warnings.extend(f"{subject}: {message}" for message in errors)


def _validate_with_plugins(registry: Registry, activity: Activity) -> None:
    network = networks.ensure(registry, activity.network)
    problems = plugins.validate_activity(network=network, activity=activity,
                                         sessions=sessions_of(registry, activity.id))
    enforce(registry, problems, f"activity {activity.title!r}")


def after_change(registry: Registry, activity: Activity, *, refuse: bool = True) -> None:
    """Run every check that follows a change of ``activity``'s programme."""
    _validate_with_plugins(registry, activity)
    check_programme(registry, activity, refuse=refuse)


@contextlib.contextmanager
def programme_change(registry: Registry, activity: Activity) -> Iterator[None]:
    """Around a change of ``activity``'s programme: raise its SEQUENCE once if its event's programme changed.

    The activity's calendar event carries its programme
    (:func:`peerlearn.agenda.timetable.programme_lines`); when those lines differ
    after the change, the activity's SEQUENCE rises by one and its last
    change becomes now, so every feed holding the activity shows the new
    programme. A change they do not show (a role, a key) raises nothing.
    """
    before = programme_lines_of(registry, activity)
    yield
    raise_sequence_if_changed(registry, activity, before)


def programme_lines_of(registry: Registry, activity: Activity) -> list[str]:
    """What ``activity``'s calendar event shows of its programme now."""
    return timetable.programme_lines(activity, sessions_of(registry, activity.id))


def raise_sequence_if_changed(registry: Registry, activity: Activity, before: list[str]) -> None:
    """Raise the activity's SEQUENCE (and its last change) when its programme lines differ from ``before``."""
    if programme_lines_of(registry, activity) != before:
        registry.db.execute("UPDATE activities SET sequence = sequence + 1, updated_at = ? WHERE id = ?",
                            [_now(), activity.id])


# -- sessions ---------------------------------------------------------------


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


def _insert(registry: Registry, table: str, row: dict[str, Any]) -> int:
    """Insert one row (its columns as they are); its new id."""
    columns = ", ".join(f"[{name}]" for name in row)
    marks = ", ".join("?" for _ in row)
    return registry.db.conn.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", list(row.values())).lastrowid


def _check_key(registry: Registry, session: Session) -> None:
    if not KEY_PATTERN.match(session.key):
        raise ValidationError(f"session key {session.key!r} must be lower-case letters, digits, - or _")
    clash = registry.one("SELECT id, title FROM sessions WHERE activity_id = ? AND key = ? AND id IS NOT ?",
                         [session.activity_id, session.key, session.id])
    if clash:
        raise ValidationError(f"activity #{session.activity_id} already has a session {session.key!r}"
                              f" (#{clash['id']} {clash['title']!r})")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def insert_session(registry: Registry, activity: Activity, session: Session) -> Session:
    """Write a new session without running the programme checks (for imports)."""
    _open_for_changes(activity)
    session = attrs.evolve(session, id=None, activity_id=activity.id, timezone=activity.timezone,
                           key=session.key or make_key(registry, activity.id, session.title))
    check_inside(activity, session)
    _check_key(registry, session)
    row = session_row(session)
    row.pop("id")
    row["created_at"] = row["updated_at"] = _now()
    session = attrs.evolve(session, id=_insert(registry, "sessions", row))
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
    row["updated_at"] = _now()
    registry.db["sessions"].update(current.id, row)
    registry.record(action, "session", current.id, network=activity.network,
                    before=public(current), after=public(updated))
    return updated


def edit_session(registry: Registry, activity_id: int | str, ref: int | str, **changes: Any) -> Session:
    """Change a session's title, kind, track, room, description, key or times."""
    activity = activities.get(registry, activity_id)
    _open_for_changes(activity)
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
    _open_for_changes(activity)
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
    _open_for_changes(activity)
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
    _open_for_changes(activity)
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
    registry.db.execute("DELETE FROM sessions WHERE id = ?", [session.id])
    registry.record("delete", "session", session.id, network=activity.network, before=public(session))


def remove_session(registry: Registry, activity_id: int | str, ref: int | str) -> Session:
    """Remove a session with its roles."""
    activity = activities.get(registry, activity_id)
    _open_for_changes(activity)
    session = get_session(registry, activity, ref)
    with programme_change(registry, activity):
        delete_session(registry, activity, session)
        after_change(registry, activity, refuse=False)
    return session


# -- following the activity -------------------------------------------------


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
            row["updated_at"] = _now()
            registry.db["sessions"].update(old.id, row)
            registry.record("reschedule", "session", old.id, network=activity.network,
                            before=public(old), after=public(new))
    for session in after:
        check_inside(activity, session)
    if activity.status not in FROZEN_STATUSES:
        check_programme(registry, activity)


# -- roles ------------------------------------------------------------------


def _with_member(registry: Registry, role: Role) -> Role:
    if role.member_id is None:
        return role
    row = registry.one("SELECT name FROM members WHERE id = ?", [role.member_id])
    if row is None:
        raise NotFound(f"unknown member #{role.member_id}")
    return role if role.name else attrs.evolve(role, name=row["name"])


def insert_role(registry: Registry, activity: Activity, role: Role, position: int | None = None) -> Role:
    """Write a role without running the programme checks (for imports)."""
    _open_for_changes(activity)
    if registry.one("SELECT id FROM sessions WHERE id = ? AND activity_id = ?",
                    [role.session_id, activity.id]) is None:
        raise NotFound(f"activity #{activity.id} has no session #{role.session_id}")
    role = _with_member(registry, attrs.evolve(role, id=None))
    row = role_row(role)
    row.pop("id")
    if position is None:
        position = registry.db.execute("SELECT coalesce(max(position), 0) + 1 FROM roles WHERE session_id = ?",
                                       [role.session_id]).fetchone()[0]
    row["position"] = position
    role = attrs.evolve(role, id=_insert(registry, "roles", row))
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
    _open_for_changes(activity)
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
    _open_for_changes(activity)
    updated = _with_member(registry, attrs.evolve(updated, id=current.id, session_id=current.session_id))
    if position is not None:
        registry.db.execute("UPDATE roles SET position = ? WHERE id = ? AND position != ?",
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
    registry.db.execute("DELETE FROM roles WHERE id = ?", [role.id])
    registry.record("delete", "role", role.id, network=activity.network, before=public(role))


def remove_role(registry: Registry, role_id: int | str) -> Role:
    current = get_role(registry, role_id)
    activity = session_activity(registry, current.session_id)
    _open_for_changes(activity)
    delete_role(registry, activity, current)
    after_change(registry, activity, refuse=False)
    return current


def summary(registry: Registry, activity: Activity) -> dict:
    """Counts of an activity's programme (sessions, cancelled ones, tracks, roles by status)."""
    sessions = sessions_of(registry, activity.id)
    statuses = dict(registry.db.execute(
        "SELECT r.status, count(*) FROM roles r JOIN sessions s ON s.id = r.session_id WHERE s.activity_id = ?"
        " GROUP BY r.status", [activity.id]).fetchall())
    return {"sessions": len(sessions), "cancelled": len(sessions) - len(taking_place(sessions)),
            "tracks": sorted({s.track for s in sessions if s.track}), "roles": statuses}

