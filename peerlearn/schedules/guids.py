"""Each session's ``guid`` in a schedule file: a UUID that never changes for that session.

A session imported from a schedule.json/xml keeps the guid the file gave it
(stored in ``session_guids``); any other session's guid is derived from its
calendar UID (``session-<id>.<activity UID>``, which never changes either:
session numbers are never reused) as ``uuid5(NAMESPACE_URL,
"urn:x-peerlearn:" + UID)``. So the guid in a schedule file, the UID in a
calendar feed and the session's number always name the same session.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity
    from ..registry.store import Registry

PREFIX = "urn:x-peerlearn:"


def calendar_uid(activity: "Activity", session_id: int) -> str:
    """The UID of a session's event in the calendar feeds."""
    return f"session-{session_id}.{activity.uid}"


def derived(activity: "Activity", session_id: int) -> str:
    """The guid of a session that was not imported with one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, PREFIX + calendar_uid(activity, session_id)))


def stored(registry: "Registry", activity_id: int) -> dict[int, str]:
    """The guids sessions of an activity were imported with, by session id."""
    return {row["session_id"]: row["guid"] for row in registry.query(
        "SELECT session_id, guid FROM session_guids WHERE activity_id = ?", [activity_id])}


def of_sessions(registry: "Registry", activity: "Activity", session_ids: list[int]) -> dict[int, str]:
    """Each session's guid (stored, else derived), by session id."""
    kept = stored(registry, activity.id)
    return {session_id: kept.get(session_id) or derived(activity, session_id) for session_id in session_ids}


def keep(registry: "Registry", activity: "Activity", session_id: int, guid: str) -> None:
    """Remember that a session was imported with ``guid`` (nothing is kept for a derived one)."""
    if guid == derived(activity, session_id):
        return
    registry.conn.execute("INSERT OR REPLACE INTO session_guids (session_id, activity_id, guid) VALUES (?, ?, ?)",
                        [session_id, activity.id, guid])
