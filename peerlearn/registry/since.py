"""What changed since a given point of the change log, for builds that redo only what changed.

A build that keeps the number of the last change it saw (``peerlearn
publish`` keeps it in its folder's manifest) asks :func:`changes_since` at its
next run: the change log is append-only and numbered, so the changes after
that number are exactly what happened in between. Each change is traced to
the activity it concerns: an activity or its programme directly, a session
or an output through its ``activity_id``, a role through its session (a
deleted session through the log itself), a participation through its
``<activity>/<member>`` key.
"""

from __future__ import annotations

import datetime as dt

import attrs

from .store import Registry

#: Each change after ``:since`` with the activity it concerns (NULL where it concerns none).
_SQL = """
SELECT c.entity, c.network,
    CASE
        WHEN c.entity IN ('activity', 'programme') THEN CAST(c.entity_id AS INTEGER)
        WHEN c.entity = 'participation' THEN CAST(substr(c.entity_id, 1, instr(c.entity_id, '/') - 1) AS INTEGER)
        WHEN c.entity IN ('session', 'output') THEN json_extract(coalesce(c.after, c.before), '$.activity_id')
        WHEN c.entity = 'role' THEN coalesce(
            (SELECT s.activity_id FROM sessions s
             WHERE s.id = json_extract(coalesce(c.after, c.before), '$.session_id')),
            (SELECT json_extract(coalesce(l.after, l.before), '$.activity_id') FROM changes l
             WHERE l.entity = 'session'
             AND l.entity_id = CAST(json_extract(coalesce(c.after, c.before), '$.session_id') AS TEXT)
             ORDER BY l.id DESC LIMIT 1))
    END AS activity
FROM changes c WHERE c.id > :since
"""
#: The local years an activity's changes after ``:since`` moved it from and to.
_YEARS_SQL = """
SELECT DISTINCT CAST(substr(json_extract(value, '$.start'), 1, 4) AS INTEGER) FROM (
    SELECT before AS value FROM changes WHERE id > :since AND entity = 'activity' AND before IS NOT NULL
    UNION ALL SELECT after FROM changes WHERE id > :since AND entity = 'activity' AND after IS NOT NULL)
"""


@attrs.frozen
class ChangesSince:
    """The changes after one number of the change log, summed up."""

    #: the number of the last change now (0 for an empty log): keep it for the next call
    last: int
    #: when that change was made (``""`` for an empty log): keep it too, to know the log is the same one
    last_at: str = ""
    #: how many changes there were
    count: int = 0
    #: the activities they concern (an activity's programme, sessions, roles, participations and outputs included)
    activities: frozenset[int] = frozenset()
    #: the networks the change log names for them
    networks: frozenset[str] = frozenset()
    #: the kinds of record changed that belong to no activity (``network``, ``member``, ``membership``…)
    other: frozenset[str] = frozenset()
    #: whether a change names no network (a member's, say): it may concern any network
    unscoped: bool = False
    #: the years (in local time) the activities concerned start in, before and after their changes
    years: frozenset[int] = frozenset()

    @property
    def none(self) -> bool:
        return self.count == 0


def last_change(registry: Registry) -> tuple[int, str]:
    """The number of the last change in the change log and when it was made (``(0, "")`` where it is empty)."""
    row = registry.conn.execute("SELECT id, at FROM changes ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, "")


def changes_since(registry: Registry, number: int, at: str | None = None) -> ChangesSince:
    """What changed after change ``number`` (see :class:`ChangesSince`); cheap when nothing did.

    ``at`` is when change ``number`` was made, as an earlier call's
    ``last_at`` gave it: where the log's change ``number`` is not that one
    (the registry was replaced, by an older copy or a new demo), nothing can
    be traced and everything counts as changed (``other`` holds
    ``registry``).
    """
    last, last_at = last_change(registry)
    if at is not None and number:
        row = registry.conn.execute("SELECT at FROM changes WHERE id = ?", [number]).fetchone()
        if row is None or row[0] != at:
            return ChangesSince(last, last_at, count=1, other=frozenset({"registry"}), unscoped=True)
    if number == last:
        return ChangesSince(last, last_at)
    if number > last:
        return ChangesSince(last, last_at, count=1, other=frozenset({"registry"}), unscoped=True)
    activities, networks, other = set(), set(), set()
    count, unscoped = 0, False
    for entity, network, activity in registry.conn.execute(_SQL, {"since": number}):
        count += 1
        if network:
            networks.add(network)
        else:
            unscoped = True
        if activity is not None:
            activities.add(int(activity))
        else:
            other.add(entity)
    years = {row[0] for row in registry.conn.execute(_YEARS_SQL, {"since": number}) if row[0]}
    years |= {row[0] for row in registry.select_in(
        "SELECT DISTINCT CAST(substr(start_local, 1, 4) AS INTEGER) FROM activities WHERE id IN ({ids})",
        sorted(activities))}
    return ChangesSince(last, last_at, count, frozenset(activities), frozenset(networks), frozenset(other), unscoped,
                        frozenset(years))


def ends_around(registry: Registry, now: dt.datetime) -> tuple[str, str]:
    """Where ``now`` sits among the ends of published activities: the last end at or before it, the first after.

    As UTC text (``""`` where there is none). Keep it with a build: while
    the clock stays between the two, no activity has become past (or,
    moved back, upcoming again), and two builds made between the same two
    ends keep the same pair (unlike the moment itself).
    """
    from ..timeutil import to_utc_text
    from .activities import published_sql

    moment = to_utc_text(now)
    low = registry.conn.execute(f"SELECT max(end_utc) FROM activities WHERE {published_sql()} AND end_utc <= ?",
                              [moment]).fetchone()[0]
    high = registry.conn.execute(f"SELECT min(end_utc) FROM activities WHERE {published_sql()} AND end_utc > ?",
                               [moment]).fetchone()[0]
    return low or "", high or ""


def crossed(registry: Registry, around: tuple[str, str], now: dt.datetime) -> list[tuple[int, str]]:
    """The published activities whose end the clock has crossed since ``around`` (:func:`ends_around` then).

    (id, network) pairs: those that have become past, or, where the clock
    went back, upcoming again. Empty while ``now`` stays between the two ends.
    """
    from ..timeutil import to_utc_text
    from .activities import published_sql

    low, high = around
    moment = to_utc_text(now)
    if low <= moment and (not high or moment < high):
        return []
    first, last = (low, moment) if moment >= low else (moment, low)
    sql = f"SELECT id, network FROM activities WHERE {published_sql()} AND end_utc > ? AND end_utc <= ? ORDER BY id"
    return [(row[0], row[1]) for row in registry.conn.execute(sql, [first, last])]
