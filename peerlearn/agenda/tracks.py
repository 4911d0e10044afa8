"""The order of an activity's tracks: the columns of its timetable.

An activity may keep an explicit order of its tracks (a programme file's
``tracks:`` list, a schedule file's rooms, ``agenda tracks``); tracks it does
not name follow, by name. Without an explicit order the tracks read by name.
Either way the columns never depend on when sessions start, so moving
workshop 2 later still leaves the columns A, B, C. The main track (no name)
comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity
    from ..registry.store import Registry


def ordered(tracks: Iterable[str], explicit: Sequence[str] = ()) -> list[str]:
    """``tracks`` (each once) in timetable order: the main track, ``explicit``'s order, then by name."""
    found = set(tracks)
    position = {name: index for index, name in enumerate(explicit)}
    return sorted(found, key=lambda name: (name != "", position.get(name, len(position)), name.casefold(), name))


def explicit_order(registry: "Registry", activity_id: int) -> list[str]:
    """The activity's explicit order of tracks (empty when its tracks read by name)."""
    return [row["name"] for row in registry.query(
        "SELECT name FROM activity_tracks WHERE activity_id = ? ORDER BY position", [activity_id])]


def set_explicit_order(registry: "Registry", activity: "Activity", names: Sequence[str]) -> bool:
    """Keep ``names`` as the activity's order of tracks (empty: by name); records a change; False if unchanged."""
    names = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    before = explicit_order(registry, activity.id)
    if names == before:
        return False
    registry.conn.execute("DELETE FROM activity_tracks WHERE activity_id = ?", [activity.id])
    registry.conn.executemany("INSERT INTO activity_tracks (activity_id, name, position) VALUES (?, ?, ?)",
                            [(activity.id, name, index) for index, name in enumerate(names, start=1)])
    registry.record("order-tracks", "programme", activity.id, network=activity.network,
                    before={"activity_id": activity.id, "tracks": before},
                    after={"activity_id": activity.id, "tracks": names})
    return True
