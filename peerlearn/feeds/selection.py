"""What a feed holds: its subject, its filters and its window, as SQL over the activities.

A feed is a network's activities, one activity with its sessions, or a
member's activities and sessions. It covers a window: by default the last
:data:`WINDOW_PAST` and everything ahead (a recurring activity while it
recurs), so it stays small. Drafts never reach a feed; a cancelled activity
stays in it with ``STATUS:CANCELLED`` and a raised SEQUENCE until it leaves
the window, so subscribed calendars drop it. The text of a resolved feed is
written by :mod:`peerlearn.feeds.blocks`.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, NamedTuple

import attrs

from ..agenda.reading import sessions_of
from ..errors import NotFound, ValidationError
from ..models import ACTIVITY_STATUSES, Activity, Network, is_published
from ..registry import activities, networks
from ..registry.activities import published_sql
from ..registry.store import Registry
from ..text import is_number, number_in
from ..timeutil import now_utc, to_utc_text
from . import events as feed_events
from .events import SessionEvent

#: How far back a feed reaches by default; everything ahead is always included.
WINDOW_PAST = dt.timedelta(days=183)
#: Participations that put an activity in a member's feed.
MEMBER_STATUSES = ("invited", "registered", "waitlisted", "attended")
SCOPES = ("network", "activity", "member")


@attrs.frozen
class FeedQuery:
    """What a feed holds: a scope and its key, filters, and the window."""

    scope: str = attrs.field(validator=attrs.validators.in_(SCOPES))
    #: network slug, activity id or member reference
    key: str = attrs.field(converter=str)
    kind: str | None = None
    status: str | None = None
    #: window start (default: now minus WINDOW_PAST) and end (default: open)
    start: dt.datetime | None = None
    end: dt.datetime | None = None


class Feed(NamedTuple):
    """A resolved feed: its calendar name, the SQL selecting its activities, its sessions."""

    query: FeedQuery
    name: str
    description: str
    where: str
    params: tuple
    sessions: tuple[tuple[Activity, SessionEvent], ...] = ()
    private: bool = False
    #: the zone of the feed's subject: its VTIMEZONE is the feed's when none of its events has a time
    timezone: str = "UTC"


def resolve(registry: Registry, query: FeedQuery, *, now: dt.datetime | None = None,
            known: dict[str, Network] | None = None) -> Feed:
    """Check that the feed's subject exists and work out what it holds.

    ``known`` (networks by slug, e.g. ``BlockCache.networks``) saves asking
    the plugins again when many feeds are resolved at once.
    """
    if query.status and query.status not in ACTIVITY_STATUSES:
        shown = ", ".join(status for status in ACTIVITY_STATUSES if is_published(status))
        raise ValidationError(f"unknown status {query.status!r} (one of {shown})", field="status")
    if query.status and not is_published(query.status):
        raise ValidationError(f"{query.status}: drafts never reach a feed", field="status")
    start = query.start or (now or now_utc()) - WINDOW_PAST
    where, params = window_conditions(start)
    if query.end:
        if query.end <= start:
            raise ValidationError("the window ends before it starts", field="end")
        where.append("a.start_utc < ?")
        params.append(to_utc_text(query.end))
    if query.kind:
        where.append("a.kind = ?")
        params.append(query.kind)
    if query.status:
        where.append("a.status = ?")
        params.append(query.status)
    if query.scope == "network":
        network = (known or {}).get(query.key) or networks.get(registry, query.key)
        return Feed(query, network.name, network.description, " AND ".join([*where, "a.network = ?"]),
                    (*params, network.slug), (), False, network.timezone)
    if query.scope == "activity":
        activity = activities.get(registry, query.key)
        if not activity.published:
            raise NotFound(f"unknown activity {query.key!r} in feeds (it is a draft)")
        network = (known or {}).get(activity.network) or networks.get(registry, activity.network)
        events = feed_events.session_events(registry, activity) if _matches(activity, query, start) else []
        return activity_feed(query, where, params, activity, network, events, start)
    member_id, name = _member(registry, query.key)
    return member_feed(query, where, params, member_id, name, _member_sessions(registry, member_id, query, start))


def _member(registry: Registry, key: str) -> tuple[int, str]:
    """A member's id and name: by number straight from its row (as builds ask), else as ``members.get`` finds it."""
    number = number_in(key) if is_number(key) else None  # (None past the largest number a record can have)
    if number is not None:
        row = registry.conn.execute("SELECT id, name FROM members WHERE id = ?", [number]).fetchone()
        if row is not None:
            return row[0], row[1]
    from ..registry import members  # its models are not every build's to load

    member = members.get(registry, key)
    return member.id, member.name


def activity_feed(query: FeedQuery, where: list[str], params: list, activity: Activity, network: Network,
                  events: list[SessionEvent], start: dt.datetime) -> Feed:
    """The feed of one activity: ``where``/``params`` from :func:`window_conditions` and the filters,
    ``events`` its sessions in the agenda's order (none where the activity is outside the window)."""
    sessions = [(activity, session) for session in events
                if session.end > start and (query.end is None or session.start < query.end)]
    return Feed(query, activity.title, network.name, " AND ".join([*where, "a.id = ?"]), (*params, activity.id),
                tuple(sessions), False, activity.timezone)


def member_feed(query: FeedQuery, where: list[str], params: list, member_id: int, member_name: str,
                sessions: list[tuple[Activity, SessionEvent]]) -> Feed:
    """The private feed of one member; ``sessions`` those where it holds a role, in the agenda's order."""
    statuses = ", ".join(f"'{status}'" for status in MEMBER_STATUSES)
    # one UNION of the three ways an activity concerns a member (tracking.concerned_members reads the same
    # ways from the activity's side), each through its own index, so that the plan reads the member's rows
    # only, with or without ANALYZE
    condition = (
        f"a.id IN (SELECT activity_id FROM participations WHERE member_id = ? AND status IN ({statuses})"
        " UNION SELECT id FROM activities WHERE host_member_id = ?"
        " UNION SELECT activity_id FROM activity_peers WHERE member_id = ?)"
        " AND a.network IN (SELECT network FROM memberships WHERE member_id = ?)"
    )
    # a member may belong to networks in several zones: UTC is its feed's own
    return Feed(query, f"{member_name}: peer-learning activities", "Private feed: do not share its address.",
                " AND ".join([*where, condition]), (*params, *[member_id] * 4), tuple(sessions), True, "UTC")


def window_conditions(start: dt.datetime) -> tuple[list[str], list]:
    """SQL conditions on activities ``a`` of every feed: published, not ended before ``start`` unless recurring.

    :func:`in_window` is the same window in Python.
    """
    return [published_sql("a"), "(a.end_utc > ? OR a.rrule != '')"], [to_utc_text(start)]


def in_window(end_utc: str, rrule: str, start_utc: str) -> bool:
    """Whether an activity ending at ``end_utc`` with the rule ``rrule`` is in the window from ``start_utc``
    (times as stored, UTC text): the window of :func:`window_conditions`, for a row already read."""
    return end_utc > start_utc or bool(rrule)


def _matches(activity: Activity, query: FeedQuery, start: dt.datetime) -> bool:
    return (activity.published and in_window(to_utc_text(activity.end), activity.rrule, to_utc_text(start))
            and (query.end is None or activity.start < query.end)
            and query.kind in (None, activity.kind) and query.status in (None, activity.status))


def _member_sessions(registry: Registry, member_id: int, query: FeedQuery,
                     start: dt.datetime) -> list[tuple[Activity, SessionEvent]]:
    found = []
    by_activity: dict[int, list] = {}
    for session in feed_events.member_sessions(registry, member_id):
        by_activity.setdefault(session.activity_id, []).append(session)
    for activity_id, sessions in by_activity.items():
        activity = activities.get(registry, activity_id)
        if not _matches(activity, query, start):
            continue
        parallel = feed_events.parallel_ids(sessions_of(registry, activity_id))
        for session in sessions:
            event = feed_events.session_event(registry, activity, session, parallel)
            if event.end > start and (query.end is None or event.start < query.end):
                found.append((activity, event))
    return sorted(found, key=lambda pair: feed_events.order(pair[1]))


def subjects(registry: Registry, scope: str) -> Iterable[str]:
    """Every network slug, published activity id or member id that has a feed."""
    if scope == "network":
        return [row["slug"] for row in registry.query("SELECT slug FROM networks ORDER BY slug")]
    if scope == "activity":
        return [str(row[0]) for row in registry.conn.execute(
            f"SELECT id FROM activities WHERE {published_sql()} ORDER BY id")]
    return [str(row[0]) for row in registry.conn.execute("SELECT id FROM members ORDER BY id")]
