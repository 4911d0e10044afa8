"""Bringing an activity's programme in line with a schedule file written by another system.

Each event is a session, matched to the activity's sessions by ``guid``:

- an event whose guid a session has (imported with it, or derived from its
  calendar UID, see :mod:`.guids`) updates that session in place — it keeps
  its number, its key and its calendar UID, and only what changed is
  written, so only changed sessions' SEQUENCE rises in the feeds; a
  cancelled session the file holds again is reinstated;
- an event with a new guid adds a session, which keeps that guid for ever;
- a session the file no longer holds is cancelled, not deleted (frab and
  pretalx leave cancelled events out of their schedules): it stays on
  record and calendars see it cancelled.

Rooms: a file from another system lays its timetable out by room, so each
session goes in the track named after its room (created when the activity
has none of that name), the rooms' order becomes the order of tracks, and
the room is kept as the session's room; that file's own ``track`` is a
topic, which peerlearn does not keep. A file peerlearn wrote keeps its
tracks. People: ``persons`` become speakers, confirmed, unless the
description's people block (:mod:`.people`) says what part they have and
their status. A role whose person stays keeps its number, its private
email, note and minutes; roles that declined (never in a public file) are
kept. Everything is checked before anything is kept: the import is all or
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ..agenda import role_sync, tracks
from ..agenda.changing import (after_change, check_inside, open_for_changes, programme_lines_of,
                               raise_sequence_if_changed)
from ..agenda.reading import roles_of, sessions_of
from ..agenda.sessions import insert_session, make_key, write_session
from ..errors import ValidationError
from ..models import Role, Session
from ..registry import activities
from . import guids, writer
from .reader import FileEvent, ScheduleError, ScheduleFile

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity
    from ..registry.store import Registry

_COMPARED = ("title", "kind", "start", "end", "track", "room", "description", "status")


@attrs.frozen
class PeopleChange:
    """A person added to, removed from or changed on a session by an import."""

    what: str
    session: Session
    role: Role
    before: Role | None = None


@attrs.frozen
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    activity_id: int
    source: str
    format: str
    added: tuple[Session, ...] = ()
    #: sessions updated in place, with the fields that changed
    changed: tuple[tuple[Session, tuple[str, ...]], ...] = ()
    cancelled: tuple[Session, ...] = ()
    reinstated: tuple[Session, ...] = ()
    unchanged: int = 0
    people: tuple[PeopleChange, ...] = ()
    new_tracks: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def lines(self) -> list[str]:
        """What was added, changed and removed, one line each, for people."""
        def when(session: Session) -> str:
            return f"{session.local_start:%Y-%m-%d %H:%M}-{session.local_end:%H:%M}" + \
                (f", {session.room}" if session.room else "")

        found = [f"added: {s.title} ({when(s)})" for s in self.added]
        found += [f"changed: {s.title} ({', '.join(fields)})" for s, fields in self.changed]
        found += [f"reinstated: {s.title} ({when(s)})" for s in self.reinstated]
        found += [f"removed (cancelled, kept on record): {s.title} ({when(s)})" for s in self.cancelled]
        for change in self.people:
            who = f"{change.role.role} {change.role.who}"
            if change.what == "changed":
                who += f" ({change.before.status} → {change.role.status})" \
                    if change.before.status != change.role.status else " (details)"
            found.append(f"person {change.what}: {who}, {change.session.title}")
        found += [f"new track: {track}" for track in self.new_tracks]
        return found


def import_schedule(registry: "Registry", activity_id: int | str, schedule: ScheduleFile) -> ImportReport:
    """Bring ``activity``'s programme in line with ``schedule`` (see the module's docstring)."""
    activity = activities.get(registry, activity_id)
    open_for_changes(activity)
    current = sessions_of(registry, activity.id)
    known = guids.of_sessions(registry, activity, [session.id for session in current])
    by_guid = {known[session.id]: session for session in current}
    known_tracks = {session.track for session in current}
    keys = {session.key for session in current}
    held: dict[int, list[Role]] = {}
    for role in roles_of(registry, activity.id):
        held.setdefault(role.session_id, []).append(role)
    programme_before = programme_lines_of(registry, activity)
    changes_before = len(registry.pending_changes or ())
    added, changed, reinstated, cancelled, people = [], [], [], [], []
    unchanged = 0
    for event in sorted(schedule.events, key=lambda e: e.start):
        wanted = _session(activity, schedule, event)
        session = by_guid.pop(event.guid, None)
        try:
            check_inside(activity, wanted)
        except ValidationError as error:
            raise ScheduleError(f"{schedule.source}: {event.where}: field 'date': {error}") from None
        if session is None:
            key = make_key(registry, activity.id, event.slug or event.title, keys)
            session = insert_session(registry, activity, attrs.evolve(wanted, key=key))
            guids.keep(registry, activity, session.id, event.guid)
            added.append(session)
        else:
            fields = {name: getattr(wanted, name) for name in _COMPARED}
            if event.kind is None:
                fields["kind"] = session.kind
            action = "reinstate" if session.status == "cancelled" else "update"
            updated = write_session(registry, activity, session, action, **fields)
            differ = tuple(name for name in _COMPARED if getattr(updated, name) != getattr(session, name))
            if session.status == "cancelled":
                reinstated.append(updated)
            elif differ:
                changed.append((updated, differ))
            else:
                unchanged += 1
            session = updated
        people += _sync_people(registry, activity, session, event, held.get(session.id, []))
    for session in by_guid.values():
        if session.status != "cancelled":
            cancelled.append(write_session(registry, activity, session, "cancel", status="cancelled"))
    order = schedule.tracks if schedule.from_peerlearn else schedule.rooms
    used = {event.track if schedule.from_peerlearn else event.room for event in schedule.events}
    tracks.set_explicit_order(registry, activity, [track for track in order if track in used])
    if len(registry.pending_changes or ()) > changes_before:
        registry.record("import", "programme", activity.id, network=activity.network,
                        after={"activity_id": activity.id, "source": schedule.source, "format": schedule.format,
                               "added": len(added), "changed": len(changed), "cancelled": len(cancelled),
                               "reinstated": len(reinstated)})
        after_change(registry, activity)
        raise_sequence_if_changed(registry, activity, programme_before)
    warnings = list(schedule.warnings)
    topics = sorted({event.track for event in schedule.events if event.track})
    if topics and not schedule.from_peerlearn:
        warnings.append(f"the file's tracks ({', '.join(topics)}) are topics; sessions are laid out by room,"
                        " and the topics are not kept")
    new_tracks = sorted({session.track for session in added} - known_tracks - {""})
    return ImportReport(activity.id, schedule.source, schedule.format, tuple(added), tuple(changed),
                        tuple(cancelled), tuple(reinstated), unchanged, tuple(people), tuple(new_tracks),
                        tuple(warnings))


def _session(activity: "Activity", schedule: ScheduleFile, event: FileEvent) -> Session:
    """The session an event describes (not yet matched or written)."""
    if schedule.from_peerlearn:
        track = event.track
        room = "" if event.room == writer.track_room(track) else event.room
    else:
        track = room = event.room
    try:
        return Session(activity_id=activity.id, title=event.title, kind=event.kind or "plenary",
                       start=event.start.astimezone(activity.local_start.tzinfo),
                       end=event.end.astimezone(activity.local_start.tzinfo), timezone=activity.timezone,
                       track=track, room=room, description=event.description)
    except ValueError as error:
        raise ScheduleError(f"{schedule.source}: {event.where}: {error}") from None


def _wanted_roles(event: FileEvent) -> tuple[list[Role], set[int]]:
    """The roles an event names, and which of them the file named only as persons (ids of those objects)."""
    named = list(event.roles or ())
    said = {role.person_key for role in named if role.name}
    implicit = [Role(session_id=0, role="speaker", status="confirmed", name=name)
                for name in event.persons if name.casefold() not in said]
    return named + implicit, {id(role) for role in implicit}


def _sync_people(registry: "Registry", activity: "Activity", session: Session, event: FileEvent,
                 current: list[Role]) -> list[PeopleChange]:
    wanted, implicit = _wanted_roles(event)

    def match(current: Role, role: Role) -> bool:
        if id(role) in implicit:
            return bool(current.name) and current.person_key == role.person_key
        return role_sync.same_person(current, role)

    def merge(current: Role, role: Role) -> Role:
        if id(role) in implicit:
            return current
        return attrs.evolve(current, role=role.role, status=role.status, name=role.name or current.name,
                            affiliation=role.affiliation)

    done = role_sync.sync_roles(registry, activity, session.id, wanted, match=match, merge=merge,
                             keep=lambda role: role.status == "declined", current=current)
    return ([PeopleChange("added", session, role) for role in done.added]
            + [PeopleChange("changed", session, after, before) for before, after in done.changed]
            + [PeopleChange("removed", session, role) for role in done.removed])
