"""A feed's iCalendar text, assembled from events serialized once per change.

Serializing an event costs far more than copying its text, so each is serialized once per
change and kept in ``ical_blocks`` under its UID with the key it was built
from (an activity's ``updated_at`` and SEQUENCE; a session's content hash).
Feeds are assembled by streaming those blocks, never holding all at once.
The cache's rows are written in the transaction open on the registry (a
build's, an export's: one per command, so a command that fails leaves the
registry as it was); outside one (the server), each write is its own short
transaction.

Every feed carries a VTIMEZONE for each zone its events use, from the year
of its first event in that zone on and without end (so a recurrence that
never ends stays right); a feed with no timed event carries its own zone's
(the network's or the activity's; UTC for a member's), so even a
feed with no event is a valid calendar. An event that cannot be written (a
stored recurrence rule that is not valid) is left out with a warning naming
its activity, and everything else is written.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import IO, Any, Callable, Iterator, NamedTuple

import attrs

from .. import plugins
from ..errors import NotFound, ValidationError
from ..models import Activity, Network
from ..registry import networks
from ..registry.records import activity_from_row
from ..registry.store import Registry
from ..timeutil import from_local_text, now_utc, zone
from . import events as feed_events
from . import ical
from .events import SessionEvent
from .selection import Feed

#: SQL for an activity's source key: its cached block is current while this is unchanged.
ACTIVITY_KEY_SQL = "a.updated_at || '/' || a.sequence"


_BATCH = 500


def _log_warning(message: str) -> None:
    """The default ``warn`` of a :class:`BlockCache`: the ``peerlearn.feeds.blocks`` logger (loaded when needed)."""
    import logging

    logging.getLogger(__name__).warning(message)


class SessionVersion(NamedTuple):
    """A session event's SEQUENCE and last change (its DTSTAMP); ``new`` where it has yet to be kept."""

    uid: str
    source_key: str
    sequence: int
    changed_at: str
    new: bool

    @property
    def row(self) -> tuple:
        """The ``session_versions`` row, for :data:`KEEP_SESSION_VERSION_SQL`."""
        return (self.uid, self.source_key, self.sequence, self.changed_at)


#: Keeps a session's new version (parameters: ``SessionVersion.row``).
KEEP_SESSION_VERSION_SQL = ("INSERT OR REPLACE INTO session_versions (uid, source_key, sequence, changed_at)"
                            " VALUES (?, ?, ?, ?)")


def session_version(registry: Registry, activity: Activity, session: SessionEvent) -> SessionVersion:
    """The SEQUENCE and last change of a session's event: the one definition, for the feeds and for notices.

    The agenda keeps no sequence of its own, so peerlearn counts one in
    ``session_versions``, raised when the session's ``source_key`` changes:
    a changed session gets one more than before, and never less than its
    activity's SEQUENCE. Whoever first publishes a ``new`` version keeps it
    (:data:`KEEP_SESSION_VERSION_SQL`), so that the feeds and the messages
    people receive carry the same SEQUENCE for the same event.
    """
    row = registry.conn.execute("SELECT source_key, sequence, changed_at FROM session_versions WHERE uid = ?",
                                [session.uid]).fetchone()
    return _version(activity, session, row)


def _version(activity: Activity, session: SessionEvent, row: tuple | None) -> SessionVersion:
    """:func:`session_version` from the session's ``(source_key, sequence, changed_at)`` kept, if any."""
    if row and row[0] == session.source_key:
        return SessionVersion(session.uid, session.source_key, row[1], row[2], False)
    sequence = max(row[1] + 1 if row else 0, activity.sequence)
    return SessionVersion(session.uid, session.source_key, sequence, now_utc().isoformat(), True)


def activity_vevents(registry: Registry, activities: list[Activity], network_of: Callable[[str], Network],
                     stamps: dict[int, tuple[str | None, str | None]]) -> Iterator[tuple[Activity, Any]]:
    """Each activity's serialized VEVENT as every feed and every notice carries it, in the order given.

    The one construction of an activity's event from the registry: its
    cancelled occurrences (EXDATE), the programme its description carries,
    the plugins' ``peerlearn_ical_event``. ``stamps`` holds each activity's
    stored ``(created_at, updated_at)`` (an activity missing from it, one
    being deleted, is stamped now). Yields ``(activity, block)``, where
    ``block`` is the ``ValidationError`` that stops an event from being
    written (a stored rule that is not valid) instead of the text.
    """
    ids = [activity.id for activity in activities]
    exdates: dict[int, list[str]] = {}
    for index in range(0, len(ids), _BATCH):
        chunk = ids[index:index + _BATCH]
        for activity_id, local in registry.conn.execute(
                f"SELECT activity_id, occurrence_local FROM activity_exdates WHERE activity_id IN"
                f" ({', '.join('?' * len(chunk))}) ORDER BY occurrence_local", chunk):
            exdates.setdefault(activity_id, []).append(local)
    programmes = feed_events.programmes(registry, activities)
    for activity in activities:
        created_at, updated_at = stamps.get(activity.id, (None, None))
        try:
            written = ical.activity_block(
                network_of(activity.network), activity, updated_at=updated_at or now_utc().isoformat(),
                created_at=created_at,
                exdates=[from_local_text(text, activity.timezone) for text in exdates.get(activity.id, ())],
                programme=programmes.get(activity.id, ""))
        except ValidationError as error:
            yield activity, error
            continue
        yield activity, written


class Known(NamedTuple):
    """What a whole build has already read of one feed, so that writing it asks the registry nothing more.

    ``activities``: the feed's activities in the feed's order, each as
    ``(block, timezone, first year)`` (the block as cached, None where it is
    missing or stale; the year None for a whole-day activity); ``sessions``:
    the cached ``(source_key, block)`` of the feed's sessions found, by UID.
    Only for a registry that keeps its blocks in ``ical_blocks``.
    """

    activities: tuple[tuple[str | None, str, int | None], ...]
    sessions: dict[str, tuple[str, str]]


def known_activity(block: str | None, current: bool, tzname: str, all_day: bool,
                   start_local: str) -> tuple[str | None, str, int | None]:
    """One activity of :attr:`Known.activities` from its row: its block where ``current``, its zone, its first
    year (from its stored local start; None all day)."""
    return block if current else None, tzname, None if all_day else int(start_local[:4])


class BlockCache:
    """The serialized events kept in ``ical_blocks``, emptied when what shapes them changes.

    A read-only registry keeps its blocks in memory for the life of the cache.
    An event that cannot be written is left out of every feed; ``warnings``
    holds one line per such event (by UID), each also passed to ``warn``
    (default: the ``peerlearn.feeds.blocks`` logger) the first time it is met.
    """

    def __init__(self, registry: Registry, *, warn: Callable[[str], None] | None = None) -> None:
        self.registry = registry
        self.warnings: dict[str, str] = {}
        self._warn = warn or _log_warning
        self.networks = {slug: known.network for slug, known in networks.known(registry).items()}
        self.memory: dict[str, tuple[str, str]] | None = {} if registry.readonly else None
        self.built = 0
        self._zones: dict[str, str] = {}
        signature = json.dumps([ical.FORMAT_VERSION, plugins.ical_signature(),
                                [attrs.astuple(n) for n in self.networks.values()]], default=str)
        self.signature = hashlib.sha256(signature.encode()).hexdigest()
        if self.memory is None:
            row = registry.one("SELECT value FROM feed_settings WHERE name = 'signature'")
            if not row or row["value"] != self.signature:
                self._write([("DELETE FROM ical_blocks", ()),
                             ("INSERT OR REPLACE INTO feed_settings (name, value) VALUES ('signature', ?)",
                              (self.signature,))])

    def timezone(self, tzname: str, first: int | None) -> str:
        """A zone's VTIMEZONE (:func:`ical.timezone_block`), kept in ``feed_settings`` between runs.

        Working one out probes zoneinfo (about 0.1 s a zone), more than a
        whole rebuild may take; the text is kept under a key naming the zone
        data and the code that wrote it, so new data or new code work it out
        again.
        """
        key = f"vtimezone/{_zone_source()}/{tzname}/{first}"
        if key in self._zones:
            return self._zones[key]
        row = None if self.memory is not None else self.registry.one(
            "SELECT value FROM feed_settings WHERE name = ?", [key])
        if row is not None:
            text = row["value"]
        else:
            text = ical.timezone_block(tzname, first)
            if self.memory is None:
                self._write([("DELETE FROM feed_settings WHERE name LIKE 'vtimezone/%' AND name NOT LIKE ?",
                              (f"vtimezone/{_zone_source()}/%",)),
                             ("INSERT OR REPLACE INTO feed_settings (name, value) VALUES (?, ?)", (key, text))])
        self._zones[key] = text
        return text

    def _write(self, statements: list[tuple[str, tuple]], many: bool = False) -> None:
        """Write cache rows in the transaction open, else in their own short one (they are not changes: no
        change-log row)."""
        conn = self.registry.conn
        outer = conn.in_transaction
        if not outer:
            conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in statements:
                (conn.executemany if many else conn.execute)(sql, params)
            if not outer:
                conn.execute("COMMIT")
        except BaseException:
            if not outer and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def put(self, rows: list[tuple[str, str, str]], versions: list[tuple] = ()) -> None:
        """Keep ``(uid, source_key, block)`` rows (and sessions' new versions), in one transaction."""
        self.built += len(rows)
        if self.memory is not None:
            self.memory.update({uid: (key, text) for uid, key, text in rows})
            return
        self._write([("INSERT OR REPLACE INTO ical_blocks (uid, source_key, block) VALUES (?, ?, ?)", rows),
                     (KEEP_SESSION_VERSION_SQL, list(versions))], many=True)

    def get(self, uids: list[str]) -> dict[str, tuple[str, str]]:
        if self.memory is not None:
            return {uid: self.memory[uid] for uid in uids if uid in self.memory}
        found = {}
        for index in range(0, len(uids), _BATCH):
            chunk = uids[index:index + _BATCH]
            marks = ", ".join("?" * len(chunk))
            for uid, key, text in self.registry.conn.execute(
                    f"SELECT uid, source_key, block FROM ical_blocks WHERE uid IN ({marks})", chunk):
                found[uid] = (key, text)
        return found

    # -- activities -------------------------------------------------------

    def refresh_activities(self, feed: Feed) -> None:
        """Serialize the feed's activities whose cached block is missing or stale."""
        if self.memory is not None:
            sql = f"SELECT a.id, a.uid, {ACTIVITY_KEY_SQL} FROM activities a WHERE {feed.where}"
            stale = [row[0] for row in self.registry.conn.execute(sql, feed.params)
                     if self.memory.get(row[1], ("",))[0] != row[2]]
        else:
            sql = (f"SELECT a.id FROM activities a LEFT JOIN ical_blocks b ON b.uid = a.uid WHERE {feed.where}"
                   f" AND (b.uid IS NULL OR b.source_key != {ACTIVITY_KEY_SQL})")
            stale = [row[0] for row in self.registry.conn.execute(sql, feed.params)]
        for index in range(0, len(stale), _BATCH):
            self.put(self._activity_blocks(stale[index:index + _BATCH]))

    def _activity_blocks(self, ids: list[int]) -> list[tuple[str, str, str]]:
        marks = ", ".join("?" * len(ids))
        rows = self.registry.query(f"SELECT * FROM activities WHERE id IN ({marks})", ids)
        peers: dict[int, list[int]] = {}
        for activity_id, member_id in self.registry.conn.execute(
                f"SELECT activity_id, member_id FROM activity_peers WHERE activity_id IN ({marks})"
                " ORDER BY member_id", ids):
            peers.setdefault(activity_id, []).append(member_id)
        built = [activity_from_row(row, tuple(peers.get(row["id"], ()))) for row in rows]
        stamps = {row["id"]: (row["created_at"], row["updated_at"]) for row in rows}
        blocks = []
        for row, (activity, written) in zip(rows, activity_vevents(self.registry, built, self._network, stamps)):
            if isinstance(written, ValidationError):
                self._left_out(activity, written)
                continue
            blocks.append((activity.uid, f"{row['updated_at']}/{row['sequence']}", written))
        return blocks

    def _left_out(self, activity: Activity, error: Exception) -> None:
        """Record (and tell, once) that ``activity``'s event cannot be written and is left out."""
        if self.memory is not None:
            self.memory.pop(activity.uid, None)  # never an older block in its place
        if activity.uid in self.warnings:
            return
        message = f"activity #{activity.id} ({activity.title}) is left out of the feeds: {error}"
        self.warnings[activity.uid] = message
        self._warn(message)

    def _network(self, slug: str) -> Network:
        if slug not in self.networks:
            raise NotFound(f"unknown network {slug!r}")
        return self.networks[slug]

    def activity_blocks(self, feed: Feed) -> Iterator[str]:
        """The feed's activity blocks, in time order, streamed from the registry.

        One pass: each row says whether its cached block is current. At the
        first that is not, every stale block of the feed is serialized and
        kept (in batches), and the stream resumes after the last row written.
        """
        if self.memory is not None:
            self.refresh_activities(feed)
            sql = f"SELECT a.uid FROM activities a WHERE {feed.where} ORDER BY a.start_utc, a.id"
            for (uid,) in self.registry.conn.execute(sql, feed.params):
                if uid in self.memory:  # else left out: it cannot be written
                    yield self.memory[uid][1]
            return
        sql = (f"SELECT a.uid, a.start_utc, a.id, b.block, b.source_key IS {ACTIVITY_KEY_SQL} FROM activities a"
               f" LEFT JOIN ical_blocks b ON b.uid = a.uid WHERE {feed.where}")
        order = " ORDER BY a.start_utc, a.id"
        rows = self.registry.conn.execute(sql + order, feed.params)
        refreshed = False
        while rows is not None:
            cursor, rows = rows, None
            for uid, start_utc, activity_id, text, current in cursor:
                if not current:
                    if refreshed:  # left out (it cannot be written), or changed by another process meanwhile
                        blocks = self._activity_blocks([activity_id])
                        if not blocks:
                            continue
                        text = blocks[0][2]
                    else:
                        cursor.close()
                        self.refresh_activities(feed)
                        refreshed = True
                        rows = self.registry.conn.execute(
                            f"{sql} AND (a.start_utc > ? OR (a.start_utc = ? AND a.id >= ?)){order}",
                            [*feed.params, start_utc, start_utc, activity_id])
                        break
                yield text

    # -- sessions ---------------------------------------------------------

    def _kept_versions(self, uids: list[str]) -> dict[str, tuple]:
        """The ``session_versions`` rows of ``uids``, in a few queries (see :func:`session_version`)."""
        found = {}
        for index in range(0, len(uids), _BATCH):
            chunk = uids[index:index + _BATCH]
            for uid, *row in self.registry.conn.execute(
                    "SELECT uid, source_key, sequence, changed_at FROM session_versions"
                    f" WHERE uid IN ({', '.join('?' * len(chunk))})", chunk):
                found[uid] = tuple(row)
        return found

    def session_blocks(self, feed: Feed, known: Known | None = None) -> list[str]:
        """The feed's session blocks, serialized where missing or stale.

        Each serialized session's SEQUENCE and last change is
        :func:`session_version`'s; a new one is kept with its block.
        """
        if not feed.sessions:
            return []
        if known is not None:
            cached = dict(known.sessions)
        else:
            cached = self.get([session.uid for _activity, session in feed.sessions])
        stale = [(activity, session) for activity, session in feed.sessions
                 if cached.get(session.uid, ("",))[0] != session.source_key]
        kept = self._kept_versions([session.uid for _activity, session in stale]) if stale else {}
        missing, versions = [], []
        for activity, session in stale:
            version = _version(activity, session, kept.get(session.uid))
            if version.new:
                versions.append(version.row)
            missing.append((session.uid, session.source_key, ical.session_block(
                self._network(activity.network), activity, session, updated_at=version.changed_at,
                sequence=version.sequence)))
        if missing:
            self.put(missing, versions)
            cached.update({uid: (key, text) for uid, key, text in missing})
        return [cached[session.uid][1] for _activity, session in feed.sessions]


@functools.lru_cache(maxsize=1)
def _zone_source() -> str:
    """What a VTIMEZONE's text comes from: the zone data and the code of :mod:`peerlearn.feeds.vtimezone`."""
    from pathlib import Path

    from . import vtimezone

    code = Path(vtimezone.__file__).read_bytes()
    return hashlib.sha256(code + vtimezone.data_version().encode()).hexdigest()[:16]


def zones(registry: Registry, feed: Feed, known: Known | None = None) -> list[tuple[str, int | None]]:
    """Each zone the feed uses, with the first year its VTIMEZONE must cover (it has no end).

    A feed none of whose events has a time of day gets its own zone, with
    only that zone's current rules (``None``): a calendar holds at least one
    component (RFC 5545 §3.6), even when the feed holds no event.
    """
    firsts: dict[str, int] = {}
    if known is not None:
        for _block, tzname, year in known.activities:
            if year is not None:
                firsts[tzname] = min(firsts.get(tzname, year), year)
    else:
        sql = (f"SELECT a.timezone, min(substr(a.start_local, 1, 4)) FROM activities a"
               f" WHERE {feed.where} AND a.all_day = 0 GROUP BY a.timezone")
        for tzname, first in registry.conn.execute(sql, feed.params):
            firsts[tzname] = int(first)
    for activity, session in feed.sessions:
        year = session.start.astimezone(zone(activity.timezone)).year
        firsts[activity.timezone] = min(firsts.get(activity.timezone, year), year)
    if not firsts:
        return [(feed.timezone, None)]
    return sorted(firsts.items())


def header(feed: Feed, url: str = "") -> str:
    return ical.calendar_header(feed.name, feed.description, url)


def write(registry: Registry, feed: Feed, out: IO[str], *, url: str = "", cache: BlockCache | None = None,
          warn: Callable[[str], None] | None = None, known: Known | None = None) -> int:
    """Write the feed as iCalendar text to ``out``; returns the number of events.

    An event that cannot be written is left out, told through ``warn`` (or
    the cache's), and the rest is written. ``known``: what a whole build
    already read of the feed (ignored where the blocks are kept in memory).
    """
    cache = cache or BlockCache(registry, warn=warn)
    if cache.memory is not None:
        known = None
    session_texts = cache.session_blocks(feed, known)
    out.write(header(feed, url))
    for tzname, first in zones(registry, feed, known):
        out.write(cache.timezone(tzname, first))
    count = 0
    if known is not None and all(block is not None for block, _tzname, _year in known.activities):
        texts = [block for block, _tzname, _year in known.activities]
    else:  # one missing or stale: serialized (with the rest of the feed's) and kept
        texts = cache.activity_blocks(feed)
    for text in texts:
        out.write(text)
        count += 1
    for text in session_texts:
        out.write(text)
        count += 1
    out.write(ical.CALENDAR_END)
    return count


def render(registry: Registry, feed: Feed, *, url: str = "", cache: BlockCache | None = None,
           warn: Callable[[str], None] | None = None, known: Known | None = None) -> str:
    """The feed as one string (a feed is small: it covers a window).

    Where no ``known`` is given and the blocks are kept in ``ical_blocks``,
    an activity's or a member's feed has its activities, their blocks and
    their zones read in one query (:func:`read_known`) instead of one for
    the zones and one for the blocks; a network's (thousands of events)
    streams its blocks instead of holding them.
    """
    import io

    cache = cache or BlockCache(registry, warn=warn)
    if known is None and cache.memory is None and feed.query.scope != "network":
        known = read_known(registry, feed, cache)
    buffer = io.StringIO()
    write(registry, feed, buffer, url=url, cache=cache, known=known)
    return buffer.getvalue()


def read_known(registry: Registry, feed: Feed, cache: BlockCache) -> Known:
    """What ``feed`` is written from, read in one query for its activities and one for its sessions."""
    sql = (f"SELECT b.block, b.source_key IS {ACTIVITY_KEY_SQL}, a.timezone, a.all_day, a.start_local"
           f" FROM activities a LEFT JOIN ical_blocks b ON b.uid = a.uid WHERE {feed.where}"
           " ORDER BY a.start_utc, a.id")
    activities = tuple(known_activity(*row) for row in registry.conn.execute(sql, feed.params))
    sessions = cache.get([session.uid for _activity, session in feed.sessions]) if feed.sessions else {}
    return Known(activities, sessions)


def digest(registry: Registry, feed: Feed, url: str = "", signature: str = "") -> str:
    """A hash of everything the feed's text depends on, without serializing it."""
    hasher = hashlib.sha256()
    hasher.update(f"{signature}\n{header(feed, url)}\n{zones(registry, feed)!r}\n".encode())
    sql = f"SELECT a.uid, {ACTIVITY_KEY_SQL} FROM activities a WHERE {feed.where} ORDER BY a.start_utc, a.id"
    for uid, key in registry.conn.execute(sql, feed.params):
        hasher.update(f"{uid} {key}\n".encode())
    for _activity, session in feed.sessions:
        hasher.update(f"{session.uid} {session.source_key}\n".encode())
    return hasher.hexdigest()
