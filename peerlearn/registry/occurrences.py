"""Cancelling one occurrence of a recurring activity (an EXDATE in its feeds).

Like any change a calendar must see, it raises the activity's SEQUENCE.
Runs inside ``Registry.transaction()``.
"""

from __future__ import annotations

import datetime as dt

from ..errors import ValidationError
from ..timeutil import to_local_text
from . import activities, recurrence
from .store import Registry


def is_occurrence(rrule: str, first: dt.datetime, moment: dt.datetime) -> bool:
    """Whether ``moment`` (wall time in ``first``'s zone) is an occurrence of the rule starting at ``first``.

    The rule is read as the feeds write it (:func:`peerlearn.registry.recurrence.wall_times`).
    """
    rule = recurrence.wall_times(rrule, first)
    wall = moment.astimezone(first.tzinfo).replace(tzinfo=None)
    return rule.after(wall - dt.timedelta(seconds=1)) == wall


def cancel_occurrence(registry: Registry, activity_id: int | str, moment: dt.datetime) -> list[dt.datetime]:
    """Cancel the occurrence starting at ``moment``; returns the activity's cancelled occurrences."""
    activity = activities.get(registry, activity_id)
    if not activity.rrule:
        raise ValidationError(f"activity #{activity.id} does not recur; cancel the activity instead")
    if not is_occurrence(activity.rrule, activity.local_start, moment):
        raise ValidationError(
            f"activity #{activity.id} has no occurrence at {moment.astimezone(activity.local_start.tzinfo):%Y-%m-%d %H:%M}")
    local = to_local_text(moment, activity.timezone)
    if registry.one("SELECT 1 AS x FROM activity_exdates WHERE activity_id = ? AND occurrence_local = ?",
                    [activity.id, local]):
        raise ValidationError(f"the occurrence of activity #{activity.id} at {local} is already cancelled")
    registry.conn.execute("INSERT INTO activity_exdates (activity_id, occurrence_local) VALUES (?, ?)",
                        [activity.id, local])
    registry.conn.execute("UPDATE activities SET sequence = sequence + 1, updated_at = ? WHERE id = ?",
                        [dt.datetime.now(dt.timezone.utc).isoformat(), activity.id])
    registry.record("cancel-occurrence", "activity", activity.id, network=activity.network,
                    before={"sequence": activity.sequence},
                    after={"sequence": activity.sequence + 1, "cancelled_occurrence": local})
    return [row["occurrence_local"] for row in registry.query(
        "SELECT occurrence_local FROM activity_exdates WHERE activity_id = ? ORDER BY occurrence_local",
        [activity.id])]
