"""What changed between two versions of a programme.

Sessions are matched by their ``guid``, so a session keeps its identity
whatever happens to its title, time or room. A session is *added*,
*removed* (deleted outright, a mistake undone), *cancelled*, *reinstated*,
*moved* (its time, room or track changed: old → new), *retitled*, or
*changed* (its kind or description). People are matched on each session by
their role and name: a person is *added*, *removed* (declining removes a
person from the public programme), changes *status* (tbc → confirmed) or
*details* (affiliation, pre-recorded minutes). A
session added and cancelled between two versions was never announced, so
it is not listed; the details of a session that is now cancelled are not
either (its cancellation says it all).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ..models import Role, Session
from .snapshot import Programme

SESSION_CHANGES = ("added", "removed", "cancelled", "reinstated", "moved", "retitled", "changed")
PEOPLE_CHANGES = ("added", "removed", "status", "details")
_PLACE = ("start", "end", "room", "track")
_DETAILS = ("kind", "description")
_PERSON_DETAILS = ("affiliation", "prerecorded_minutes")


@attrs.frozen
class SessionSummary:
    """A session as a change names it: times are local ISO 8601 in the activity's zone."""

    guid: str
    id: int | None
    key: str
    title: str
    start: str
    end: str
    track: str
    room: str
    status: str

    @classmethod
    def of(cls, programme: Programme, session: Session) -> "SessionSummary":
        return cls(programme.guid(session), session.id, session.key, session.title,
                   session.local_start.isoformat(), session.local_end.isoformat(), session.track, session.room,
                   session.status)

    @property
    def when(self) -> str:
        start, end = dt.datetime.fromisoformat(self.start), dt.datetime.fromisoformat(self.end)
        return f"{start:%Y-%m-%d %H:%M}-" + (f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}")

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.when, self.room or (f"track {self.track}" if self.track else "")) if part)


@attrs.frozen
class SessionChange:
    """One change to a session; ``before``/``after`` hold the fields that changed (moved, retitled, changed)."""

    what: str
    session: SessionSummary
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    #: for a move: where the session was
    was: SessionSummary | None = None

    @property
    def line(self) -> str:
        title = self.session.title
        if self.what == "moved":
            return f"Moved: {title}: {self.was.place} → {self.session.place}"
        if self.what == "retitled":
            return f"Retitled: {self.before['title']!r} → {self.after['title']!r} ({self.session.when})"
        if self.what == "changed":
            return f"Changed: {title}: {', '.join(self.after)}"
        return f"{self.what.capitalize()}: {title} ({self.session.place})"


@attrs.frozen
class PersonChange:
    """A person added to a session, removed from it, or whose status changed."""

    what: str
    session: SessionSummary
    role: str
    name: str
    affiliation: str = ""
    before: str | None = None
    after: str | None = None

    @property
    def line(self) -> str:
        who = f"{self.role.capitalize()} {self.name or 'to be announced'}"
        if self.affiliation:
            who += f" ({self.affiliation})"
        if self.what == "status":
            return f"{who}: {self.before} → {self.after}, in {self.session.title}"
        if self.what == "details":
            return f"{who}: {self.after} changed, in {self.session.title}"
        status = f" [{self.after}]" if self.what == "added" else ""
        return f"{who}{status} {self.what} {'to' if self.what == 'added' else 'from'} {self.session.title}"


@attrs.frozen
class Diff:
    """The changes from one version of a programme (``source``) to another (``target``)."""

    activity_id: int
    source: str
    target: str
    sessions: tuple[SessionChange, ...] = ()
    people: tuple[PersonChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sessions or self.people)

    def of(self, what: str) -> list[SessionChange]:
        return [change for change in self.sessions if change.what == what]

    @property
    def lines(self) -> list[str]:
        """The changes for people, sessions first (in the order of SESSION_CHANGES), then people."""
        ordered = sorted(self.sessions, key=lambda change: SESSION_CHANGES.index(change.what))
        return [change.line for change in ordered] + [change.line for change in self.people]

    @property
    def counts(self) -> dict[str, int]:
        found = {what: len(self.of(what)) for what in SESSION_CHANGES}
        found["people"] = len(self.people)
        return {what: count for what, count in found.items() if count}


def compare(before: Programme | None, after: Programme) -> Diff:
    """The changes from ``before`` (None: nothing released yet) to ``after``."""
    old = {before.guid(session): session for session in before.sessions} if before else {}
    sessions: list[SessionChange] = []
    people: list[PersonChange] = []
    seen = set()
    for session in sorted(after.sessions, key=lambda s: (s.start, s.track, s.id or 0)):
        guid = after.guid(session)
        seen.add(guid)
        summary = SessionSummary.of(after, session)
        previous = old.get(guid)
        if previous is None:
            if session.status != "cancelled":
                sessions.append(SessionChange("added", summary))
            continue
        was = SessionSummary.of(before, previous)
        if previous.status != session.status:
            sessions.append(SessionChange("cancelled" if session.status == "cancelled" else "reinstated", summary))
        if session.status == "cancelled":
            continue
        sessions += _session_changes(previous, session, summary, was)
        people += _people_changes(before.roles_of(previous), after.roles_of(session), summary)
    for guid, session in old.items():
        if guid not in seen:
            sessions.append(SessionChange("removed", SessionSummary.of(before, session)))
    return Diff(after.activity_id, before.label if before else "nothing released", after.label,
                tuple(sessions), tuple(people))


def _session_changes(previous: Session, session: Session, summary: SessionSummary,
                     was: SessionSummary) -> list[SessionChange]:
    found = []
    if any(getattr(previous, name) != getattr(session, name) for name in _PLACE):
        found.append(SessionChange("moved", summary, {name: getattr(was, name) for name in _PLACE},
                                   {name: getattr(summary, name) for name in _PLACE}, was))
    if previous.title != session.title:
        found.append(SessionChange("retitled", summary, {"title": previous.title}, {"title": session.title}))
    details = [name for name in _DETAILS if getattr(previous, name) != getattr(session, name)]
    if details:
        found.append(SessionChange("changed", summary, {name: getattr(previous, name) for name in details},
                                   {name: getattr(session, name) for name in details}))
    return found


def _people_changes(before: list[Role], after: list[Role], summary: SessionSummary) -> list[PersonChange]:
    unmatched = list(before)
    found = []
    for role in after:
        match = next((old for old in unmatched if (old.role, old.person_key) == (role.role, role.person_key)), None)
        if match is None:
            found.append(PersonChange("added", summary, role.role, role.name, role.affiliation, after=role.status))
            continue
        unmatched.remove(match)
        if match.status != role.status:
            found.append(PersonChange("status", summary, role.role, role.name, role.affiliation,
                                      match.status, role.status))
        details = [name.replace("_", " ") for name in _PERSON_DETAILS if getattr(match, name) != getattr(role, name)]
        if details:
            found.append(PersonChange("details", summary, role.role, role.name, role.affiliation,
                                      after=", ".join(details)))
    found += [PersonChange("removed", summary, role.role, role.name, role.affiliation, before=role.status)
              for role in unmatched]
    return found
