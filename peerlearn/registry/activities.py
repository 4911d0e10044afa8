"""Activities as records: reading, scheduling, and the rules every change of one follows.

Every function that writes runs inside ``Registry.transaction()``. A change
that a subscribed calendar must see (time, place, title, description,
status, recurrence) raises the activity's SEQUENCE.

An activity's status follows one lifecycle, :data:`TRANSITIONS`, whatever
changes it (:func:`check_transition`): a draft becomes tentative or
confirmed (and then stays in calendar feeds: it never goes back to draft), a
tentative or confirmed activity that has started can be completed, and
anything not yet completed can be cancelled. A completed activity is final. A
cancelled one comes back only through ``reinstate``, which raises SEQUENCE so
that subscribed calendars show it again.

An activity is changed together with its programme (its sessions move with
it, and go when it is deleted): :mod:`peerlearn.agenda.schedule` does that,
with :func:`changed`, :func:`store` and :func:`delete_record` here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import TYPE_CHECKING, Any, Iterator

import attrs

from .. import plugins
from ..errors import NotFound, ValidationError
from ..models import UNPUBLISHED_STATUSES
from ..text import number_in
from ..timeutil import to_utc_text
from . import networks
from .records import activity_from_row, activity_row, public
from .store import Registry
from .validation import enforce

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity

#: Fields whose change a calendar must see: changing one raises SEQUENCE.
CALENDAR_FIELDS = frozenset(
    {"title", "description", "start", "end", "timezone", "all_day", "venue", "city", "country", "online_url",
     "status", "rrule"}
)
UID_DOMAIN = "peerlearn"

#: The statuses an activity may move to from each status (see the module's docstring).
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"tentative", "confirmed", "cancelled"}),
    "tentative": frozenset({"confirmed", "completed", "cancelled"}),
    "confirmed": frozenset({"tentative", "completed", "cancelled"}),
    "cancelled": frozenset(),
    "completed": frozenset(),
}
#: What :func:`reinstate` may bring a cancelled activity back as.
REINSTATED_STATUSES = ("confirmed", "tentative")


def when(activity: Activity) -> str:
    """When an activity starts, for messages: ``starts 2027-06-10 09:00 Europe/Brussels``."""
    return f"it starts {activity.local_start:%Y-%m-%d %H:%M} {activity.timezone}"


def check_transition(activity: Activity, status: str, *, action: str = "update",
                     now: dt.datetime | None = None, allow_early: bool = False,
                     warnings: list[str] | None = None) -> None:
    """Refuse moving ``activity`` to ``status`` where its lifecycle does not allow it (``action="reinstate"``
    is the one way out of ``cancelled``).

    Completing an activity before it starts (by ``now``) is refused, unless
    ``allow_early`` (to rehearse), which adds a warning to ``warnings``.
    """
    current, number = activity.status, f"activity #{activity.id}"
    if action == "reinstate":
        if current != "cancelled":
            raise ValidationError(f"{number} is {current}, not cancelled; there is nothing to reinstate")
        if status not in REINSTATED_STATUSES:
            raise ValidationError(f"{number} can be reinstated as {' or '.join(REINSTATED_STATUSES)}, not {status}")
        return
    if status in TRANSITIONS[current]:
        if status == "completed" and activity.start > (now or dt.datetime.now(dt.timezone.utc)):
            if not allow_early:
                raise ValidationError(f"{number} has not started yet; it cannot be completed"
                                      " (except early, to rehearse)")
            if warnings is not None:
                warnings.append(f"{number} has not started yet ({when(activity)}); it is completed early")
        return
    if current == "cancelled":
        reason = "it cannot be completed" if status == "completed" else "reinstate it to bring it back"
        raise ValidationError(f"{number} was cancelled; {reason}")
    if current == "completed":
        verb = "be cancelled" if status == "cancelled" else f"become {status}"
        raise ValidationError(f"{number} has taken place; it cannot {verb}")
    if status == "draft":
        raise ValidationError(f"{number} is {current} and published in calendar feeds; it cannot go back to draft"
                              " (cancel it if it will not happen)")
    if current == "draft" and status == "completed":
        raise ValidationError(f"{number} is a draft; confirm it before completing it")
    raise ValidationError(f"{number} cannot go from {current} to {status}")


def published_sql(alias: str = "") -> str:
    """The SQL condition that an ``activities`` row (named ``alias``) is published: the twin of
    :func:`peerlearn.models.is_published`, the one way feeds, pages and the open data select activities."""
    column = f"{alias}.status" if alias else "status"
    return f"{column} NOT IN ({', '.join(repr(status) for status in UNPUBLISHED_STATUSES)})"


def get(registry: Registry, activity_id: int | str) -> Activity:
    """The activity numbered ``activity_id`` (``12`` or ``"#12"``), with its peers; NotFound where there is none."""
    number = number_in(activity_id)
    if number is None:
        raise NotFound(f"unknown activity {activity_id!r} (activities are named by their number)")
    row = registry.one("SELECT * FROM activities WHERE id = ?", [number])
    if row is None:
        raise NotFound(f"unknown activity {activity_id!r}")
    peers = tuple(r["member_id"] for r in registry.query(
        "SELECT member_id FROM activity_peers WHERE activity_id = ? ORDER BY member_id", [row["id"]]))
    return activity_from_row(row, peers)


def list_activities(
    registry: Registry,
    *,
    network: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    published: bool = False,
) -> list[Activity]:
    """Activities overlapping [start, end), in time order; with ``published``, only those published (no drafts)."""
    condition, params = _where(registry, published=published, network=network, kind=kind, status=status,
                               ending_after=start, starting_before=end)
    rows = registry.query(f"SELECT * FROM activities{condition} ORDER BY start_utc, id", params)
    peers: dict[int, list[int]] = {}
    if rows:
        peer_sql = (f"SELECT activity_id, member_id FROM activity_peers WHERE activity_id IN"
                    f" (SELECT id FROM activities{condition}) ORDER BY member_id")
        for activity_id, member_id in registry.conn.execute(peer_sql, params):
            peers.setdefault(activity_id, []).append(member_id)
    return [activity_from_row(row, tuple(peers.get(row["id"], ()))) for row in rows]


def iter_activities(registry: Registry, *, network: str | None = None, published: bool = False,
                    ending_after: dt.datetime | None = None, ending_by: dt.datetime | None = None,
                    latest_first: bool = False) -> Iterator[Activity]:
    """Activities one at a time, in time order (``latest_first``: the reverse), each with its peers.

    For a reader of every activity of a large registry (a page listing them
    all): :func:`list_activities` builds them all at once. ``ending_after``
    keeps those ending after that moment (upcoming then), ``ending_by``
    those ending at or before it (past). The rows are read as they are
    iterated, so the registry must not change meanwhile (read them inside
    ``Registry.snapshot()`` where another process might write).
    """
    condition, params, order = _selection(registry, network, published, ending_after, ending_by, latest_first)
    rows = registry.rows(f"SELECT * FROM activities{condition} ORDER BY {order}", params)
    while chunk := list(itertools.islice(rows, 500)):
        peers: dict[int, list[int]] = {}
        ids = [row["id"] for row in chunk]
        for activity_id, member_id in registry.conn.execute(
                f"SELECT activity_id, member_id FROM activity_peers WHERE activity_id IN ({', '.join('?' * len(ids))})"
                " ORDER BY member_id", ids):
            peers.setdefault(activity_id, []).append(member_id)
        for row in chunk:
            yield activity_from_row(row, tuple(peers.get(row["id"], ())))


def activity_ids(registry: Registry, *, network: str | None = None, published: bool = False,
                 ending_after: dt.datetime | None = None, ending_by: dt.datetime | None = None,
                 latest_first: bool = False) -> list[int]:
    """The numbers of the activities :func:`iter_activities` gives for the same arguments, in the same order.

    Building an :class:`Activity` costs far more than reading its number: a
    page that keeps what it showed of each activity needs only the order.
    """
    condition, params, order = _selection(registry, network, published, ending_after, ending_by, latest_first)
    return [row[0] for row in registry.conn.execute(f"SELECT id FROM activities{condition} ORDER BY {order}", params)]


def _selection(registry: Registry, network: str | None, published: bool, ending_after: dt.datetime | None,
               ending_by: dt.datetime | None, latest_first: bool) -> tuple[str, list, str]:
    """The WHERE clause, its parameters and the ORDER BY of :func:`iter_activities`."""
    condition, params = _where(registry, published=published, network=network, ending_after=ending_after,
                               ending_by=ending_by)
    return condition, params, "start_utc DESC, id DESC" if latest_first else "start_utc, id"


def _where(registry: Registry, *, published: bool = False, network: str | None = None, kind: str | None = None,
           status: str | None = None, ending_after: dt.datetime | None = None,
           ending_by: dt.datetime | None = None, starting_before: dt.datetime | None = None) -> tuple[str, list]:
    """The WHERE clause (empty where nothing is asked) and its parameters of a selection of activities."""
    where, params = [], []
    if published:
        where.append(published_sql())
    if network:
        networks.get(registry, network)
        where.append("network = ?")
        params.append(network)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if status:
        where.append("status = ?")
        params.append(status)
    if ending_after:
        where.append("end_utc > ?")
        params.append(to_utc_text(ending_after))
    if ending_by:
        where.append("end_utc <= ?")
        params.append(to_utc_text(ending_by))
    if starting_before:
        where.append("start_utc < ?")
        params.append(to_utc_text(starting_before))
    return (f" WHERE {' AND '.join(where)}" if where else ""), params


def list_query_plan(registry: Registry, network: str, start: dt.datetime, end: dt.datetime) -> list[str]:
    """The query plan of a network-and-period listing (for benchmarks)."""
    sql = "EXPLAIN QUERY PLAN SELECT * FROM activities WHERE network = ? AND end_utc > ? AND start_utc < ? ORDER BY start_utc, id"
    return [row[3] for row in registry.conn.execute(sql, [network, to_utc_text(start), to_utc_text(end)])]


def _validate(registry: Registry, activity: Activity, sessions: list | None = None) -> None:
    network = networks.ensure(registry, activity.network)
    kinds = plugins.activity_kinds(network.slug)
    if activity.kind not in kinds and activity.kind not in network.kinds:
        raise ValidationError(f"unknown kind of activity {activity.kind!r} (kinds: {', '.join(kinds)})")
    for member_id in filter(None, (activity.host_member_id, *activity.peer_member_ids)):
        if registry.one("SELECT id FROM members WHERE id = ?", [member_id]) is None:
            raise NotFound(f"unknown member #{member_id}")
    if activity.host_member_id is not None and activity.host_member_id in activity.peer_member_ids:
        raise ValidationError("the host of an activity cannot also be one of its peers")
    problems = plugins.validate_activity(network=network, activity=activity, sessions=sessions or [])
    enforce(registry, problems, f"activity {activity.title!r}")


def _write_peers(registry: Registry, activity: Activity) -> None:
    registry.conn.execute("DELETE FROM activity_peers WHERE activity_id = ?", [activity.id])
    registry.conn.executemany(
        "INSERT INTO activity_peers (activity_id, member_id) VALUES (?, ?)",
        [(activity.id, member_id) for member_id in activity.peer_member_ids],
    )


def add(registry: Registry, activity: Activity) -> Activity:
    """Schedule a new activity."""
    from . import recurrence  # rules are checked on writes only

    activity = attrs.evolve(activity, id=None, uid=activity.uid or f"{uuid.uuid4()}@{UID_DOMAIN}", sequence=0,
                            rrule=recurrence.normalize(activity.rrule))
    _validate(registry, activity)
    row = activity_row(activity)
    row.pop("id")
    row["created_at"] = row["updated_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    activity_id = registry.db["activities"].insert(row).last_pk
    activity = attrs.evolve(activity, id=activity_id)
    _write_peers(registry, activity)
    registry.record("create", "activity", activity_id, network=activity.network, after=public(activity))
    return activity


def changed(registry: Registry, current: Activity, changes: dict[str, Any], *, action: str = "update",
            now: dt.datetime | None = None, allow_early: bool = False) -> Activity:
    """``current`` with ``changes`` made, checked, nothing written yet; ``current`` itself where nothing changes.

    A new status must follow :data:`TRANSITIONS`; a change a calendar must
    see raises SEQUENCE. A capacity lowered below the places already taken
    is kept, with a warning naming who is over it (the last to register);
    they keep their places. Store the result with :func:`store`.
    """
    from . import recurrence  # rules are checked on writes only

    if "network" in changes and changes["network"] != current.network:
        raise ValidationError("an activity cannot move to another network; add it there instead")
    if "rrule" in changes:
        changes = {**changes, "rrule": recurrence.normalize(changes["rrule"])}
    try:
        updated = attrs.evolve(current, **changes)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"activity #{current.id}: {error}") from None
    fields = {field for field in changes if getattr(current, field) != getattr(updated, field)}
    if not fields:
        return current
    if "status" in fields:
        check_transition(current, updated.status, action=action, now=now, allow_early=allow_early,
                         warnings=registry.warnings)
    if "capacity" in fields and updated.capacity is not None:
        _warn_over_capacity(registry, updated)
    if fields & CALENDAR_FIELDS:
        updated = attrs.evolve(updated, sequence=current.sequence + 1)
    return updated


def store(registry: Registry, current: Activity, updated: Activity, *, action: str = "update",
          sessions: list | None = None) -> Activity:
    """Write ``updated`` over ``current`` and record it, once the plugins accept it with its ``sessions``.

    ``sessions`` is the agenda the plugins' ``peerlearn_validate_activity``
    sees (after a move, already moved with it); moving the sessions
    themselves is :mod:`peerlearn.agenda.schedule`'s part.
    """
    _validate(registry, updated, sessions)
    row = activity_row(updated)
    row["updated_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    registry.db["activities"].update(current.id, row)
    if updated.peer_member_ids != current.peer_member_ids:
        _write_peers(registry, updated)
    registry.record(action, "activity", current.id, network=current.network,
                    before=public(current), after=public(updated))
    return updated


def _warn_over_capacity(registry: Registry, activity: Activity) -> None:
    """Warn, naming them, of the members holding a place beyond a lowered capacity (the last to register)."""
    holders = registry.query(
        "SELECT m.name FROM participations p JOIN members m ON m.id = p.member_id WHERE p.activity_id = ?"
        " AND p.status IN ('registered', 'attended') ORDER BY p.updated_at, p.member_id", [activity.id])
    over = [row["name"] for row in holders[activity.capacity:]]
    if over:
        registry.warnings.append(
            f"activity #{activity.id} now has {len(holders)} places taken for a capacity of {activity.capacity};"
            f" over it: {', '.join(over)} (they keep their places until they decline)")




def delete_record(registry: Registry, activity: Activity) -> None:
    """Delete the activity's row (its peers, participations and outputs go with it) and record it.

    Its sessions and their roles are deleted first, each recorded, by
    :func:`peerlearn.agenda.schedule.delete`.
    """
    registry.conn.execute("DELETE FROM activities WHERE id = ?", [activity.id])
    registry.record("delete", "activity", activity.id, network=activity.network, before=public(activity))
