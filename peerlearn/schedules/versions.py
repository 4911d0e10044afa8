"""Released versions of a programme: frozen, named, numbered, never changed.

``release`` freezes an activity's working programme (its public part, see
:mod:`.snapshot`) as the next version, ``v1``, ``v2``… unless given a name.
A version is named by its name, by its number, or as ``latest``; the word
``working`` names the working programme. Once an activity has a release,
its website and the schedule files there show the latest release (see
:func:`published`); the calendar feeds always follow the working programme.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from ..errors import NotFound, ValidationError
from ..text import is_number, number_in
from ..text import problem as text_problem
from .snapshot import Programme, Version, from_data, to_data, working

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity
    from ..registry.store import Registry

WORKING = "working"
LATEST = "latest"
MAX_NAME = 60


def _version(row: dict) -> Version:
    return Version(activity_id=row["activity_id"], number=row["number"], name=row["name"],
                   released_at=dt.datetime.fromisoformat(row["released_at"]), actor=row["actor"], id=row["id"])


def list_versions(registry: "Registry", activity_id: int) -> list[Version]:
    """An activity's released versions, oldest first."""
    return [_version(row) for row in registry.query(
        "SELECT id, activity_id, number, name, released_at, actor FROM programme_versions"
        " WHERE activity_id = ? ORDER BY number", [activity_id])]


def get_version(registry: "Registry", activity: "Activity", ref: str | int) -> Version:
    """A released version of ``activity`` by name, number or ``latest``."""
    text = str(ref).strip()
    found = list_versions(registry, activity.id)
    if text.casefold() == LATEST and found:
        return found[-1]
    for version in found:
        if version.name == text:
            return version
    number = number_in(text)
    for version in found:
        if number is not None and version.number == number:
            return version
    names = ", ".join(version.name for version in found) or "none yet; see 'agenda release'"
    raise NotFound(f"activity #{activity.id} has no released version {text!r} (versions: {names})")


def load(registry: "Registry", activity: "Activity", ref: str | int | None) -> Programme:
    """The programme ``ref`` names: a released version, or (None or ``working``) the working programme."""
    if ref is None or str(ref).strip().casefold() == WORKING:
        return working(registry, activity)
    version = get_version(registry, activity, ref)
    return from_data(activity.id, json.loads(_snapshot(registry, version)), version)


def _snapshot(registry: "Registry", version: Version) -> str:
    return registry.one("SELECT snapshot FROM programme_versions WHERE id = ?", [version.id])["snapshot"]


def published(registry: "Registry", activity: "Activity") -> Programme:
    """What the website shows: the latest release, or the working programme before the first release."""
    return load(registry, activity, LATEST) if list_versions(registry, activity.id) else working(registry, activity)


def previous(registry: "Registry", activity: "Activity", version: Version) -> Programme | None:
    """The release before ``version`` (None for the first)."""
    return load(registry, activity, version.number - 1) if version.number > 1 else None


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("a version needs a name")
    wrong = text_problem(name)
    if wrong:  # it is written into schedule.xml, which a control character would make no XML
        raise ValidationError(f"a version name {wrong}", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"version name {name[:20]!r}… is longer than {MAX_NAME} characters")
    if name.casefold() in (WORKING, LATEST) or is_number(name.lstrip("#")):
        raise ValidationError(f"{name!r} cannot name a version (it would be read as a number, 'working' or"
                              " 'latest'); try 'v2'")
    return name


def release(registry: "Registry", activity_id: int | str, name: str | None = None, *,
            now: dt.datetime | None = None) -> Version:
    """Freeze the working programme of an activity as its next released version.

    Refused when the activity has no programme, or when nothing the public
    sees changed since the latest release (the diff, :mod:`.diff`, is empty).
    """
    from ..registry import activities
    from .diff import compare

    activity = activities.get(registry, activity_id)
    programme = working(registry, activity)
    if not programme.sessions:
        raise ValidationError(f"activity #{activity.id} has no programme to release (add sessions first)")
    found = list_versions(registry, activity.id)
    number = found[-1].number + 1 if found else 1
    name = check_name(name if name is not None else f"v{number}")
    if any(version.name == name for version in found):
        raise ValidationError(f"activity #{activity.id} already has a version {name!r}")
    if found and not compare(load(registry, activity, found[-1].number), programme):
        raise ValidationError(f"nothing changed in activity #{activity.id}'s programme since {found[-1].name};"
                              " nothing to release")
    snapshot = json.dumps(to_data(programme), ensure_ascii=False, sort_keys=True)
    released_at = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    version_id = registry.db["programme_versions"].insert({
        "activity_id": activity.id, "number": number, "name": name, "released_at": released_at.isoformat(),
        "actor": registry.actor, "snapshot": snapshot,
    }).last_pk
    version = Version(activity.id, number, name, released_at, registry.actor, version_id)
    registry.record("release", "programme", activity.id, network=activity.network,
                    after={"activity_id": activity.id, "version": name, "number": number,
                           "sessions": len(programme.sessions)})
    return version
