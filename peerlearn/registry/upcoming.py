"""What is coming next in a network, counted in SQL: for pages that show counts and the first few only."""

from __future__ import annotations

import datetime as dt

import attrs

from ..models import Activity
from ..timeutil import to_utc_text
from .activities import get as get_activity
from .activities import published_sql
from .store import Registry


@attrs.frozen
class Upcoming:
    """A network's published activities seen from one moment: how many are ahead and past, and the next few."""

    #: activities not yet ended
    upcoming: int
    #: activities ended
    past: int
    #: the first of those ahead, in time order (then by number)
    first: tuple[Activity, ...]


def upcoming(registry: Registry, network: str, now: dt.datetime, first: int = 10) -> Upcoming:
    """Count ``network``'s published activities ending after ``now`` and the others; read the ``first`` ahead.

    An activity ending exactly at ``now`` is past, as on the network's page.
    """
    moment = to_utc_text(now)
    ahead, behind = registry.conn.execute(
        f"SELECT count(*) FILTER (WHERE end_utc > :now), count(*) FILTER (WHERE end_utc <= :now)"
        f" FROM activities WHERE network = :network AND {published_sql()}", {"now": moment, "network": network},
    ).fetchone()
    ids = [row[0] for row in registry.conn.execute(
        f"SELECT id FROM activities WHERE network = ? AND {published_sql()} AND end_utc > ?"
        " ORDER BY start_utc, id LIMIT ?", [network, moment, first])]
    return Upcoming(ahead, behind, tuple(get_activity(registry, activity_id) for activity_id in ids))
