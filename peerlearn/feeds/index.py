"""What each published feed depends on, worked out in bulk for ``feeds build``.

A build asks every feed for a digest of what its text is made of (the
UIDs and source keys of its events, its name, the block signature), with a
handful of queries over the whole registry instead of several per feed, so
that a rebuild after one change serializes and compares only the feeds whose
digest moved. It selects as :func:`peerlearn.feeds.selection.resolve` does with
default filters, through the same rules (``published_sql``, ``window_conditions``,
``in_window``, ``member_pairs_sql``); ``tests/test_feeds_publish.py`` checks that an
incremental build always equals a fresh one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Iterator

import attrs

from ..registry.activities import published_sql
from ..registry.records import activity_from_row
from ..registry.store import Registry
from ..timeutil import now_utc, to_utc_text
from . import blocks
from . import events as feed_events
from . import selection


@attrs.frozen
class FeedEntry:
    """One feed to publish: its scope and key (for ``selection.resolve``), file name and digest."""

    scope: str
    key: str
    name: str
    title: str
    private: bool
    digest: str


def _hash(*parts: object) -> hashlib._Hash:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(f"{part}\x1f".encode())
    return hasher


def entries(registry: Registry, cache: blocks.BlockCache, *, url_of, now: dt.datetime | None = None,
            ) -> Iterator[FeedEntry]:
    """Every network, activity and member feed with its digest; ``url_of(scope, name)`` gives a public URL."""
    now = now or now_utc()
    start = now - selection.WINDOW_PAST
    start_text = to_utc_text(start)
    for slug in selection.subjects(registry, "network"):
        feed = selection.resolve(registry, selection.FeedQuery("network", slug), now=now)
        url = url_of("network", slug)
        yield FeedEntry("network", slug, slug, feed.name, False, blocks.digest(registry, feed, url, cache.signature))

    wanted = {}
    for member_id, session_id in feed_events.session_roles_by_member(registry):
        wanted.setdefault(session_id, []).append(member_id)
    member_sessions: dict[int, list[str]] = {}
    sessions = feed_events.all_sessions(registry)
    pending = next(sessions, None)
    sql = (f"SELECT a.*, {blocks.ACTIVITY_KEY_SQL} AS feed_key FROM activities a WHERE {published_sql('a')}"
           " ORDER BY a.id")
    for row in registry.db.query(sql):
        while pending is not None and pending[0].activity_id < row["id"]:
            pending = next(sessions, None)
        in_window = selection.in_window(row["end_utc"], row["rrule"], start_text)
        events = []
        activity = None
        while pending is not None and pending[0].activity_id == row["id"]:
            if in_window:
                activity = activity or activity_from_row(row)
                session = feed_events.event_of(activity, *pending)
                if session.end > start:
                    events.append(session)
                    for member_id in wanted.get(session.id, ()):
                        member_sessions.setdefault(member_id, []).append(f"{session.uid} {session.source_key}")
            pending = next(sessions, None)
        events.sort(key=feed_events.order)
        network = cache.networks.get(row["network"])
        name = str(row["id"])
        hasher = _hash(cache.signature, "activity", url_of("activity", name), row["title"],
                       network.name if network else row["network"], row["uid"], row["feed_key"], in_window,
                       *(f"{event.uid} {event.source_key}" for event in events))
        yield FeedEntry("activity", name, name, row["title"], False, hasher.hexdigest())

    conditions, params = selection.window_conditions(start)
    pairs = registry.db.execute(
        f"SELECT p.member_id, a.uid, {blocks.ACTIVITY_KEY_SQL} FROM ({selection.member_pairs_sql()}) p"
        " JOIN activities a ON a.id = p.activity_id"
        " JOIN memberships ms ON ms.member_id = p.member_id AND ms.network = a.network"
        f" WHERE {' AND '.join(conditions)} ORDER BY p.member_id, a.start_utc, a.id", params)
    pair = next(pairs, None)
    for member_id, member_name, token in registry.db.execute("SELECT id, name, feed_token FROM members ORDER BY id"):
        while pair is not None and pair[0] < member_id:
            pair = next(pairs, None)
        hasher = _hash(cache.signature, "member", member_name)
        while pair is not None and pair[0] == member_id:
            hasher.update(f"{pair[1]} {pair[2]}\n".encode())
            pair = next(pairs, None)
        for line in sorted(member_sessions.get(member_id, ())):
            hasher.update(f"session {line}\n".encode())
        yield FeedEntry("member", str(member_id), token, member_name, True, hasher.hexdigest())
