"""An activity's public programme as data: the working programme, or a released version of it.

A :class:`Programme` holds what the public may see of a programme — its
sessions (cancelled ones included, marked), the people on them without
private fields (no email, no note, no member link; declined roles left
out), each session's ``guid`` and the explicit order of tracks. The same
data is what a release freezes (:func:`to_data` / :func:`from_data`, JSON in
``programme_versions.snapshot``), what a schedule file is written from, what
two versions are compared by, and what the website shows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from ..models import Role, Session
from . import guids

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity
    from ..registry.store import Registry

#: The version of the snapshot's JSON layout, stored with each release.
FORMAT = 1
#: What a role may show in public (and so what a release keeps of it).
PUBLIC_ROLE_FIELDS = ("role", "status", "name", "affiliation", "speaking_minutes", "prerecorded_minutes")
SESSION_FIELDS = ("id", "key", "title", "kind", "status", "track", "room", "description")


@attrs.frozen
class Version:
    """A released version of an activity's programme."""

    activity_id: int
    number: int
    name: str
    released_at: dt.datetime
    actor: str = ""
    id: int | None = None


@attrs.frozen
class Programme:
    """An activity's public programme; ``version`` is None for the working programme."""

    activity_id: int
    timezone: str
    sessions: tuple[Session, ...] = ()
    roles: tuple[Role, ...] = ()
    #: each session's guid, by session id
    guids: dict[int, str] = attrs.field(factory=dict, hash=False)
    #: the explicit order of tracks (others follow by name)
    tracks: tuple[str, ...] = ()
    version: Version | None = None
    _people: dict[int, list[Role]] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        people: dict[int, list[Role]] = {}
        for role in self.roles:
            people.setdefault(role.session_id, []).append(role)
        object.__setattr__(self, "_people", people)

    def guid(self, session: Session) -> str:
        return self.guids[session.id]

    def roles_of(self, session: Session) -> list[Role]:
        """The people on ``session``, in their order."""
        return list(self._people.get(session.id, ()))

    @property
    def label(self) -> str:
        """``v2`` for a release, ``working programme`` for the working one."""
        return self.version.name if self.version else "working programme"


def public_role(role: Role) -> Role:
    """A role as the public may see it: no email, note or member link."""
    return attrs.evolve(role, email="", note="", member_id=None)


def working(registry: "Registry", activity: "Activity") -> Programme:
    """The working programme of ``activity``: what its sessions and roles hold now."""
    from ..agenda import tracks
    from ..agenda.reading import roles_of, sessions_of

    sessions = sessions_of(registry, activity.id)
    roles = tuple(public_role(role) for role in roles_of(registry, activity.id) if role.status != "declined")
    return Programme(activity.id, activity.timezone, tuple(sessions), roles,
                     guids.of_sessions(registry, activity, [session.id for session in sessions]),
                     tuple(tracks.explicit_order(registry, activity.id)))


def to_data(programme: Programme) -> dict[str, Any]:
    """The programme as JSON-ready data (what a release stores)."""
    people: dict[int, list[dict]] = {}
    for role in programme.roles:
        people.setdefault(role.session_id, []).append({name: getattr(role, name) for name in PUBLIC_ROLE_FIELDS})
    return {
        "format": FORMAT,
        "timezone": programme.timezone,
        "tracks": list(programme.tracks),
        "sessions": [
            {**{name: getattr(session, name) for name in SESSION_FIELDS}, "guid": programme.guid(session),
             "start": session.start.isoformat(), "end": session.end.isoformat(),
             "people": people.get(session.id, [])}
            for session in programme.sessions
        ],
    }


def from_data(activity_id: int, data: dict[str, Any], version: Version | None = None) -> Programme:
    """The programme :func:`to_data` gave."""
    sessions, roles, found = [], [], {}
    for item in data["sessions"]:
        session = Session(activity_id=activity_id, timezone=data["timezone"],
                          start=dt.datetime.fromisoformat(item["start"]), end=dt.datetime.fromisoformat(item["end"]),
                          **{name: item[name] for name in SESSION_FIELDS})
        sessions.append(session)
        found[session.id] = item["guid"]
        roles += [Role(session_id=session.id, **person) for person in item["people"]]
    return Programme(activity_id, data["timezone"], tuple(sessions), tuple(roles), found, tuple(data["tracks"]),
                     version)
