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
feeds are made, with what each member feed selects of every shown activity
(its start, zone, network and its block's rowid); everything else streams.
Each activity feed comes with what it is written from
(:class:`~peerlearn.feeds.blocks.Known`): its activity's cached block and
its sessions', read in the same passes, so that writing it asks the
registry nothing more; each member feed, with its activities worked out
from the same passes (participations, hosts, peers, memberships) and their
blocks read by rowid.

Where every session's kept key says so, an activity is read as stored too
(:class:`~peerlearn.feeds.events.StoredActivity`): the keys cover the
activity's fields that its sessions' events and its feed's name read.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from typing import Iterator, NamedTuple

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
    members = _MemberFeeds(registry, start, preload)
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
        f"SELECT a.*, b.block AS known_block, b.rowid AS known_rowid,"
        f" b.source_key IS {blocks.ACTIVITY_KEY_SQL} AS known_current,"
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
        peer_ids = tuple(peers.pop(row["id"], ()))
        shown = bool(row["known_shown"])  # the window's condition, read with the row
        found: dict[str, tuple[str, str]] = {}
        if preload:
            while block_row is not None and block_row[0] < row["id"]:
                block_row = next(cached, None)
            while block_row is not None and block_row[0] == row["id"]:
                found[block_row[1]] = block_row[2:]
                block_row = next(cached, None)
        activity: Activity | feed_events.StoredActivity | None = None
        events = []
        if shown and stored and found:
            # read as stored, the activity too, where every session's kept block says that is what the model
            # reads (see events.stored_events); else through the model
            as_stored = feed_events.StoredActivity.of(row)
            events = feed_events.stored_events(as_stored, stored, people)
            if all(found.get(event.uid, ("",))[0] == event.source_key for event in events):
                activity = as_stored
        if activity is None:
            activity = activity_from_row(row, peer_ids)
            events = feed_events.checked_events(registry, activity, people) if shown and stored else []
        events.sort(key=feed_events.order)
        # the activity's own part of its feeds, where shown: its block as cached (None where stale), zone, first year
        own = ((blocks.known_activity(row["known_block"], row["known_current"], row["timezone"], row["all_day"],
                                      row["start_local"]),) if preload and shown else ())
        members.add(row, peer_ids, activity, events, found, own)
        query = selection.FeedQuery("activity", activity.id)
        network = networks.get(activity.network) or network_records.get(registry, activity.network)
        feed = selection.activity_feed(query, list(where), list(params), activity, network, events, start)
        known = blocks.Known(own, found) if preload else None
        yield Subject("activity", str(activity.id), activity.title, feed, known)
    yield from members.subjects()


class _MemberFeeds:
    """What the member feeds of a whole build take from its pass over the activities, and those feeds.

    Kept as the pass goes: the sessions each member holds a role on (with
    their cached blocks), and of each activity shown only what a member's
    feed selects it by and orders it by, with its current block's rowid (the
    blocks are read again member by member, not all held).
    """

    def __init__(self, registry: Registry, start: dt.datetime, preload: bool) -> None:
        self.registry, self.start, self.preload = registry, start, preload
        self.holders: dict[int, list[int]] = {}
        for member_id, session_id in feed_events.session_roles_by_member(registry):
            self.holders.setdefault(session_id, []).append(member_id)
        self.held: dict[int, list[tuple[Activity | feed_events.StoredActivity, SessionEvent]]] = {}
        self.held_blocks: dict[str, tuple[str, str]] = {}
        self.shown: dict[int, _Shown] = {}
        self.hosted: dict[int, list[int]] = {}
        self.peered: dict[int, list[int]] = {}

    def add(self, row: dict, peer_ids: tuple[int, ...], activity: Activity | feed_events.StoredActivity,
            events: list[SessionEvent], found: dict[str, tuple[str, str]],
            own: tuple[tuple[str | None, str, int | None], ...]) -> None:
        """Keep what the member feeds need of one activity (its row, its peers, its events in order; ``own``: its
        part of a feed, as :class:`~peerlearn.feeds.blocks.Known` holds it, where shown and preloaded)."""
        for event in events:
            if event.end > self.start:
                for member_id in self.holders.get(event.id, ()):
                    self.held.setdefault(member_id, []).append((activity, event))
                    if event.uid in found:
                        self.held_blocks[event.uid] = found[event.uid]
        if own:
            _block, tzname, year = own[0]
            self.shown[row["id"]] = _Shown(row["start_utc"], row["id"], row["known_rowid"] if row["known_current"]
                                           else None, tzname, year, row["network"])
            if row["host_member_id"] is not None:
                self.hosted.setdefault(row["host_member_id"], []).append(row["id"])
            for member_id in peer_ids:
                self.peered.setdefault(member_id, []).append(row["id"])

    def subjects(self) -> Iterator[Subject]:
        """Every member's feed, by number; with ``preload``, each with what it is written from."""
        registry = self.registry
        statuses = ", ".join("?" * len(selection.MEMBER_STATUSES))
        participations = _ByMember(registry.conn.execute(
            f"SELECT member_id, activity_id FROM participations WHERE status IN ({statuses}) ORDER BY member_id",
            selection.MEMBER_STATUSES))
        memberships = _ByMember(registry.conn.execute("SELECT member_id, network FROM memberships ORDER BY member_id"))
        for member_id, name, token in registry.conn.execute("SELECT id, name, feed_token FROM members ORDER BY id"):
            where, params = selection.window_conditions(self.start)
            mine = sorted(self.held.pop(member_id, ()), key=lambda pair: feed_events.order(pair[1]))
            feed = selection.member_feed(selection.FeedQuery("member", member_id), where, params, member_id, name,
                                         mine)
            known = None
            if self.preload:
                # the member's activities as its feed's SQL selects them (selection.member_feed): participations,
                # hosted, peered; in a network the member belongs to; shown
                concerned = {*self.hosted.pop(member_id, ()), *self.peered.pop(member_id, ()),
                             *participations.of(member_id)}
                networks_of = set(memberships.of(member_id))
                known = _member_known(registry, sorted(
                    shown for shown in map(self.shown.get, concerned)
                    if shown is not None and shown.network in networks_of), mine, self.held_blocks)
            yield Subject("member", token, name, feed, known)


class _ByMember:
    """The second column of ``(member_id, value)`` rows ordered by member, taken member by member in order."""

    def __init__(self, rows: Iterator[tuple[int, object]]) -> None:
        self._groups = itertools.groupby(rows, key=operator.itemgetter(0))
        self._next = next(self._groups, None)

    def of(self, member_id: int) -> list:
        """The values of ``member_id`` (members asked for in increasing order; those skipped are passed)."""
        while self._next is not None and self._next[0] < member_id:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != member_id:
            return []
        return [value for _member_id, value in self._next[1]]


class _Shown(NamedTuple):
    """An activity every feed with no filter shows, as a member's feed takes it from a whole build's pass."""

    start_utc: str
    id: int
    #: its current block's rowid in ``ical_blocks`` (None where missing or stale)
    block: int | None
    timezone: str
    year: int | None
    network: str


def _member_known(registry: Registry, activities: list[_Shown], sessions: list[tuple[Activity, SessionEvent]],
                  held_blocks: dict[str, tuple[str, str]]) -> blocks.Known:
    """What a member's feed is written from: its activities' current blocks, read by rowid, and its sessions'."""
    texts = dict(registry.select_in("SELECT rowid, block FROM ical_blocks WHERE rowid IN ({ids})",
                                    [shown.block for shown in activities if shown.block is not None]))
    found = {session.uid: held_blocks[session.uid] for _activity, session in sessions if session.uid in held_blocks}
    found.update((uid, (key, block)) for uid, key, block in registry.select_in(
        "SELECT uid, source_key, block FROM ical_blocks WHERE uid IN ({ids})",
        [session.uid for _activity, session in sessions if session.uid not in found]))
    return blocks.Known(tuple((texts.get(shown.block) if shown.block is not None else None, shown.timezone,
                               shown.year) for shown in activities), found)


def _session_blocks(registry: Registry) -> Iterator[tuple[int, str, str, str]]:
    """``(activity_id, uid, source_key, block)`` of every session's cached block, by activity."""
    yield from registry.conn.execute(
        "SELECT s.activity_id, b.uid, b.source_key, b.block FROM sessions s JOIN activities a ON a.id = s.activity_id"
        " JOIN ical_blocks b ON b.uid = 'session-' || s.id || '.' || a.uid ORDER BY s.activity_id")
