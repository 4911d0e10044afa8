"""Every feed of a whole build, worked out in a few passes over the registry instead of queries per feed.

A whole build (the first into a folder, or after a plugin, the networks,
the zone data or the base URL changed) publishes every network, activity
and member feed. Resolving each on its own (:func:`peerlearn.feeds.selection.resolve`)
reads an activity, its sessions and their people once per feed holding
them; here the activities, their peers and every session with its people
are read once each, in order, and each feed is put together from them with
the same functions ``resolve`` uses (:func:`~peerlearn.feeds.selection.activity_feed`,
:func:`~peerlearn.feeds.selection.member_feed`), so both give the same feed.
Only the sessions some member holds a role on are kept until the member
feeds are made; everything else streams.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import attrs

from ..models import Activity, Network
from ..registry import networks as network_records
from ..registry.activities import published_sql
from ..registry.records import activity_from_row
from ..registry.store import Registry
from . import events as feed_events
from . import selection
from .events import SessionEvent


@attrs.frozen
class Subject:
    """One feed of the build: its scope, its file name (slug, number or token), its title and the feed."""

    scope: str
    name: str
    title: str
    feed: selection.Feed


def feeds(registry: Registry, networks: dict[str, Network], *, now: dt.datetime) -> Iterator[Subject]:
    """Every network feed (by slug), activity feed (by number) and member feed (by number), as ``resolve``
    would make them with no filter at ``now``."""
    for slug in selection.subjects(registry, "network"):
        feed = selection.resolve(registry, selection.FeedQuery("network", slug), now=now, known=networks)
        yield Subject("network", slug, feed.name, feed)
    start = now - selection.WINDOW_PAST
    holders: dict[int, list[int]] = {}
    for member_id, session_id in feed_events.session_roles_by_member(registry):
        holders.setdefault(session_id, []).append(member_id)
    held: dict[int, list[tuple[Activity, SessionEvent]]] = {}
    peers: dict[int, list[int]] = {}
    for activity_id, member_id in registry.conn.execute(
            "SELECT activity_id, member_id FROM activity_peers ORDER BY activity_id, member_id"):
        peers.setdefault(activity_id, []).append(member_id)
    sessions = feed_events.all_sessions(registry)
    pending = next(sessions, None)
    for row in registry.rows(f"SELECT * FROM activities WHERE {published_sql()} ORDER BY id"):
        while pending is not None and pending[0].activity_id < row["id"]:
            pending = next(sessions, None)
        activity = activity_from_row(row, tuple(peers.pop(row["id"], ())))
        shown = selection.matches_by_default(activity, start)
        events = []
        while pending is not None and pending[0].activity_id == row["id"]:
            if shown:
                events.append(feed_events.event_of(activity, *pending))
            pending = next(sessions, None)
        events.sort(key=feed_events.order)
        for event in events:
            if event.end > start:
                for member_id in holders.get(event.id, ()):
                    held.setdefault(member_id, []).append((activity, event))
        query = selection.FeedQuery("activity", activity.id)
        where, params = selection.window_conditions(start)
        network = networks.get(activity.network) or network_records.get(registry, activity.network)
        feed = selection.activity_feed(query, where, params, activity, network, events, start)
        yield Subject("activity", str(activity.id), activity.title, feed)
    for member_id, name, token in registry.conn.execute("SELECT id, name, feed_token FROM members ORDER BY id"):
        where, params = selection.window_conditions(start)
        mine = sorted(held.pop(member_id, ()), key=lambda pair: feed_events.order(pair[1]))
        feed = selection.member_feed(selection.FeedQuery("member", member_id), where, params, member_id, name, mine)
        yield Subject("member", token, name, feed)
