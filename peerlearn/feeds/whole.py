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
feeds are made; everything else streams. Each activity feed comes with
what it is written from (:class:`~peerlearn.feeds.blocks.Known`): its
activity's cached block and its sessions', read in the same passes, so that
writing it asks the registry nothing more.
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
from . import blocks
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
    #: what the feed is written from, where already read (see :class:`peerlearn.feeds.blocks.Known`)
    known: blocks.Known | None = None


def feeds(registry: Registry, networks: dict[str, Network], *, now: dt.datetime,
          preload: bool = True) -> Iterator[Subject]:
    """Every network feed (by slug), activity feed (by number) and member feed (by number), as ``resolve``
    would make them with no filter at ``now``; ``preload``: give each activity feed its ``known`` blocks
    (where the cache keeps them in ``ical_blocks``)."""
    for slug in selection.subjects(registry, "network"):
        feed = selection.resolve(registry, selection.FeedQuery("network", slug), now=now, known=networks)
        yield Subject("network", slug, feed.name, feed)
    start = now - selection.WINDOW_PAST
    where, params = selection.window_conditions(start)
    holders: dict[int, list[int]] = {}
    for member_id, session_id in feed_events.session_roles_by_member(registry):
        holders.setdefault(session_id, []).append(member_id)
    held: dict[int, list[tuple[Activity, SessionEvent]]] = {}
    peers: dict[int, list[int]] = {}
    for activity_id, member_id in registry.conn.execute(
            "SELECT activity_id, member_id FROM activity_peers ORDER BY activity_id, member_id"):
        peers.setdefault(activity_id, []).append(member_id)
    sessions = feed_events.session_rows_by_activity(registry)
    people = feed_events.people_by_session(registry)
    pending = next(sessions, None)
    cached = _session_blocks(registry) if preload else iter(())
    block_row = next(cached, None)
    # the window's condition (the last of window_conditions) read with each row: the activity's block is in
    # its feed exactly where the feed's SQL would select it
    rows = registry.rows(
        f"SELECT a.*, b.block AS known_block, b.source_key IS {blocks.ACTIVITY_KEY_SQL} AS known_current,"
        f" {where[-1]} AS known_shown FROM activities a LEFT JOIN ical_blocks b ON b.uid = a.uid"
        f" WHERE {published_sql('a')} ORDER BY a.id", params[-1:]) if preload else registry.rows(
        f"SELECT a.*, {where[-1]} AS known_shown FROM activities a WHERE {published_sql('a')} ORDER BY a.id",
        params[-1:])
    for row in rows:
        while pending is not None and pending[0] < row["id"]:
            pending = next(sessions, None)
        stored: list[tuple] = []
        if pending is not None and pending[0] == row["id"]:
            _activity_id, stored = pending
            pending = next(sessions, None)
        activity = activity_from_row(row, tuple(peers.pop(row["id"], ())))
        shown = bool(row["known_shown"])  # the window's condition, read with the row
        found: dict[str, tuple[str, str]] = {}
        if preload:
            while block_row is not None and block_row[0] < row["id"]:
                block_row = next(cached, None)
            while block_row is not None and block_row[0] == row["id"]:
                found[block_row[1]] = block_row[2:]
                block_row = next(cached, None)
        events = []
        if shown and stored:
            # read as stored where every session's kept block says that is what the model reads (see
            # events.stored_events); else through the model
            events = feed_events.stored_events(activity, stored, people) if found else []
            if not events or any(found.get(event.uid, ("",))[0] != event.source_key for event in events):
                events = feed_events.checked_events(registry, activity, people)
        events.sort(key=feed_events.order)
        for event in events:
            if event.end > start:
                for member_id in holders.get(event.id, ()):
                    held.setdefault(member_id, []).append((activity, event))
        query = selection.FeedQuery("activity", activity.id)
        network = networks.get(activity.network) or network_records.get(registry, activity.network)
        feed = selection.activity_feed(query, list(where), list(params), activity, network, events, start)
        known = None
        if preload:
            own = ()
            if row["known_shown"]:
                year = None if row["all_day"] else int(row["start_local"][:4])
                own = ((row["known_block"] if row["known_current"] else None, row["timezone"], year),)
            known = blocks.Known(own, found)
        yield Subject("activity", str(activity.id), activity.title, feed, known)
    for member_id, name, token in registry.conn.execute("SELECT id, name, feed_token FROM members ORDER BY id"):
        where, params = selection.window_conditions(start)
        mine = sorted(held.pop(member_id, ()), key=lambda pair: feed_events.order(pair[1]))
        feed = selection.member_feed(selection.FeedQuery("member", member_id), where, params, member_id, name, mine)
        yield Subject("member", token, name, feed)


def _session_blocks(registry: Registry) -> Iterator[tuple[int, str, str, str]]:
    """``(activity_id, uid, source_key, block)`` of every session's cached block, by activity."""
    yield from registry.conn.execute(
        "SELECT s.activity_id, b.uid, b.source_key, b.block FROM sessions s JOIN activities a ON a.id = s.activity_id"
        " JOIN ical_blocks b ON b.uid = 'session-' || s.id || '.' || a.uid ORDER BY s.activity_id")
