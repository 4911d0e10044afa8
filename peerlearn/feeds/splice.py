"""Rewriting a large feed by copying the unchanged stretches of its old file.

A network's feed holds every event of the network in the window: tens of
megabytes at 100,000 activities, where one change moves one event. Beside
such a feed a build keeps its *spans* (``.peerlearn-feeds-spans-<slug>.json``
in the folder): what the file's head was made from and, for each event in
the order written, its UID, source key (as in ``ical_blocks``) and length in
bytes, with the size, modification time and inode of the file they
describe. The next build of the feed reads the events' order and keys from
the registry, copies each event whose key is unchanged from the old file
(``os.copy_file_range``, or read and write where the kernel cannot), and
writes only the events that changed, fetched from the block cache.

The bytes are those of a fresh build: an event's block depends only on its
source key and on what shapes every block (the cache's signature, kept with
the spans: another signature, another peerlearn or spans that do not
describe the file as it is now, and the feed is written whole, its spans
taken afresh). The new file still goes through a temporary file renamed
over the old one (:class:`peerlearn.atomic.AtomicFile`, inside a
publication's batch), and where its bytes equal the old ones nothing is
written at all.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Iterable

from ..atomic import AtomicFile, remove_file, write_atomic
from ..registry.store import Registry
from ..version import __version__
from . import blocks, ical
from .selection import Feed

#: Feeds of fewer events are written whole, without spans: copying pieces of them saves nothing.
SPLICE_EVENTS = 1000
#: The spans' own format: another number is read as no spans.
SPANS_VERSION = 1
#: Rows of the block cache asked for at once.
_CHUNK = 500
#: Bytes copied at once where the kernel cannot copy between files.
_COPY = 1 << 20


def spans_path(root: Path, name: str) -> Path:
    """Where the spans of the network feed ``name`` are kept, in the feeds' folder ``root``."""
    return root / f".peerlearn-feeds-spans-{name}.json"


#: Each event of a feed as its spans record it: number, start (the feed's order), source key, and the zone and
#: local year its VTIMEZONE must cover ("" for a whole-day event); the uid last, to fetch its block.
_ROWS_SQL = ("SELECT a.id, a.start_utc, " + blocks.ACTIVITY_KEY_SQL + ", CASE WHEN a.all_day = 0 THEN"
             " a.timezone || ' ' || substr(a.start_local, 1, 4) ELSE '' END, a.uid FROM activities a WHERE {where}")


def write(registry: Registry, feed: Feed, path: Path, spans: Path, *, url: str, cache: blocks.BlockCache,
          changed: Iterable[int] | None = None) -> bool | None:
    """Write ``feed`` (one without sessions) to ``path``, copying what is unchanged from its old file.

    ``changed`` holds every activity whose event may have come, gone, moved
    or changed in the feed since it was last written (the rebuild's
    :class:`peerlearn.feeds.tracking.Affected`): the others are taken from
    the spans as they are, in their order, without reading the registry.
    Without ``changed`` (or without spans that describe the file) the feed
    is written whole. Returns whether the file changed, or None where the
    feed has sessions (the caller writes it as any other). Spans are kept
    for a feed of at least :data:`SPLICE_EVENTS` events.
    """
    if feed.sessions:
        return None
    source = [__version__, cache.signature]
    old = _read(spans, path, source) if changed is not None else None
    plan = _Plan.spliced(registry, feed, old, set(changed)) if old is not None else None
    if plan is None:
        return _write_whole(registry, feed, path, spans, url=url, cache=cache, source=source)
    zones = _zone_text(cache, plan.zones(feed))
    head_key = _head_key(feed, url, zones)
    texts = _texts(registry, feed, cache, plan.needed, plan.keys)
    head = None if old["head"][0] == head_key else blocks.header(feed, url) + zones
    segments = plan.segments(head, old["head"][1], texts)
    if _same(segments, path, old["size"]):
        return False
    out_file = AtomicFile(path)
    with out_file as out:
        out.flush()
        _write_segments(segments, out.fileno(), path)
        status = os.fstat(out.fileno())
    if not out_file.changed:  # (the old file holds these bytes already: the spans describe it)
        status = os.stat(path)
    head_size = old["head"][1] if head is None else len(head.encode("utf-8"))
    if all(uid in texts for uid in plan.needed):
        _keep(spans, source, status, head_key, head_size, plan.written(texts))
    else:  # an event left out (it cannot be written) is missing from the file, not from the feed's zones
        remove_file(spans)
    return out_file.changed


def _write_whole(registry: Registry, feed: Feed, path: Path, spans: Path, *, url: str, cache: blocks.BlockCache,
                 source: list) -> bool:
    """Write the feed from the registry's rows and the block cache, and take its spans as it goes."""
    rows = registry.conn.execute(_ROWS_SQL.format(where=feed.where) + " ORDER BY a.start_utc, a.id",
                                 feed.params).fetchall()
    zones = blocks.zones(registry, feed)
    head = blocks.header(feed, url) + _zone_text(cache, zones)
    keys = {row[4]: row[2] for row in rows}
    events = []
    out_file = AtomicFile(path)
    with out_file as out:
        out.write(head)
        for index in range(0, len(rows), _CHUNK):
            chunk = rows[index:index + _CHUNK]
            texts = _texts(registry, feed, cache, [row[4] for row in chunk], keys)
            for activity_id, start, key, zone, uid in chunk:
                if uid in texts:  # else left out: it cannot be written
                    out.write(texts[uid])
                    events.append((activity_id, start, key, zone, len(texts[uid].encode("utf-8"))))
        out.write(ical.CALENDAR_END)
        out.flush()
        status = os.fstat(out.fileno())
    if not out_file.changed:
        status = os.stat(path)
    if len(events) == len(rows) and _zones(events, feed) == zones:  # (else the spans could not follow it)
        _keep(spans, source, status, _head_key(feed, url, _zone_text(cache, zones)), len(head.encode("utf-8")),
              events)
    elif spans.exists():
        remove_file(spans)
    return out_file.changed


def _zone_text(cache: blocks.BlockCache, zones: list[tuple[str, int | None]]) -> str:
    return "".join(cache.timezone(tzname, first) for tzname, first in zones)


def _head_key(feed: Feed, url: str, zones: str) -> str:
    """What the head of the file (the calendar's properties, its VTIMEZONEs) is made from."""
    return hashlib.sha256(json.dumps([feed.name, feed.description, url, zones]).encode()).hexdigest()


def _zones(events: Iterable[tuple], feed: Feed) -> list[tuple[str, int | None]]:
    """The zones of the feed's events, as :func:`peerlearn.feeds.blocks.zones` finds them in the registry."""
    firsts: dict[str, str] = {}
    for event in events:
        zone = event[3]
        if zone:
            tzname, _, year = zone.rpartition(" ")
            if tzname not in firsts or year < firsts[tzname]:
                firsts[tzname] = year
    if not firsts:
        return [(feed.timezone, None)]
    return sorted((tzname, int(year)) for tzname, year in firsts.items())


def _keep(spans: Path, source: list, status: os.stat_result, head_key: str, head_size: int,
          events: list[tuple]) -> None:
    """Write the spans of the file of ``status`` (with the publication, inside its batch)."""
    if len(events) < SPLICE_EVENTS:
        if spans.exists():
            remove_file(spans)
        return
    zones: dict[str, int] = {}
    rows = [[activity_id, start, key, zones.setdefault(zone, len(zones)), size]
            for activity_id, start, key, zone, size in events]
    data = {"version": SPANS_VERSION, "source": source, "file": _stat_key(status), "head": [head_key, head_size],
            "zones": list(zones), "events": rows}
    write_atomic(spans, json.dumps(data, separators=(",", ":")).encode())


def _stat_key(status: os.stat_result) -> list[int]:
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def _read(spans: Path, path: Path, source: list) -> dict | None:
    """The spans of ``path``, where they describe it as it is now and were made from ``source``."""
    try:
        data = json.loads(spans.read_bytes())
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != SPANS_VERSION \
            or data.get("file") != _stat_key(status) or data.get("source") != source:
        return None
    try:
        head_key, head_size = str(data["head"][0]), int(data["head"][1])
        zones = [str(zone) for zone in data["zones"]]
        events = [(activity_id, start, key, zones[zone], size) for activity_id, start, key, zone, size in data["events"]]
        total = head_size + sum(event[4] for event in events) + len(ical.CALENDAR_END)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if total != status.st_size:
        return None
    return {"head": (head_key, head_size), "events": events, "size": status.st_size}


class _Plan:
    """The new file as pieces: the old file's head, copied stretches of old events, and new events' blocks."""

    def __init__(self, events: list[tuple], places: list[tuple[int, int] | None], keys: dict[str, str]) -> None:
        #: each event of the new file, in order: (id, start, key, zone, uid or None)
        self.events = events
        #: for each event: where its bytes are in the old file, or None where its block is needed
        self.places = places
        #: the source keys of the events whose blocks are needed, by uid
        self.keys = keys

    @property
    def needed(self) -> list[str]:
        return list(self.keys)

    @classmethod
    def spliced(cls, registry: Registry, feed: Feed, old: dict, changed: set[int]) -> "_Plan | None":
        """The old events but the ``changed`` ones, and these as they are now; None where copying would not
        pay (most events changed)."""
        if len(changed) > max(len(old["events"]) // 4, 8):
            return None
        now = []
        ids = sorted(changed)
        for index in range(0, len(ids), _CHUNK):
            chunk = ids[index:index + _CHUNK]
            now += registry.conn.execute(
                _ROWS_SQL.format(where=f"{feed.where} AND a.id IN ({', '.join('?' * len(chunk))})"),
                [*feed.params, *chunk]).fetchall()
        merged: list[tuple[tuple, tuple[int, int] | None]] = []
        was: dict[int, tuple[tuple, int]] = {}
        offset = old["head"][1]
        for event in old["events"]:
            if event[0] in changed:
                was[event[0]] = (event, offset)
            else:
                merged.append(((*event[:4], None), (offset, event[4])))
            offset += event[4]
        keys = {}
        for activity_id, start, key, zone, uid in now:
            before = was.get(activity_id)
            if before is not None and before[0][1:4] == (start, key, zone):  # as it was: its bytes are too
                merged.append(((activity_id, start, key, zone, uid), (before[1], before[0][4])))
            else:
                merged.append(((activity_id, start, key, zone, uid), None))
                keys[uid] = key
        merged.sort(key=lambda item: (item[0][1], item[0][0]))
        return cls([event for event, _place in merged], [place for _event, place in merged], keys)

    def zones(self, feed: Feed) -> list[tuple[str, int | None]]:
        return _zones(self.events, feed)

    def segments(self, head: str | None, old_head: int, texts: dict[str, str]) -> list[tuple[int, int] | bytes]:
        """The new file, in order: ``(offset, size)`` ranges of the old file (merged where they follow each
        other) and bytes to write; ``head`` None where the old file's head (of ``old_head`` bytes) is kept."""
        found: list[tuple[int, int] | bytes] = []

        def copy(offset: int, size: int) -> None:
            if found and isinstance(found[-1], tuple) and sum(found[-1]) == offset:
                found[-1] = (found[-1][0], found[-1][1] + size)
            else:
                found.append((offset, size))

        def add(data: bytes) -> None:
            if found and isinstance(found[-1], bytes):
                found[-1] += data
            else:
                found.append(data)

        if head is None:
            copy(0, old_head)
        else:
            add(head.encode("utf-8"))
        for event, place in zip(self.events, self.places):
            if place is not None:
                copy(*place)
            elif event[4] in texts:  # else left out: it cannot be written
                add(texts[event[4]].encode("utf-8"))
        add(ical.CALENDAR_END.encode("utf-8"))
        return found

    def written(self, texts: dict[str, str]) -> list[tuple]:
        """Each event the new file holds, in order: (id, start, key, zone, size)."""
        found = []
        for event, place in zip(self.events, self.places):
            if place is not None:
                found.append((*event[:4], place[1]))
            elif event[4] in texts:
                found.append((*event[:4], len(texts[event[4]].encode("utf-8"))))
        return found


def _texts(registry: Registry, feed: Feed, cache: blocks.BlockCache, uids: list[str],
           keys: dict[str, str]) -> dict[str, str]:
    """The current blocks of the events ``uids`` of ``feed`` (whose source keys are ``keys``), serialized where
    stale; those that cannot be written are missing."""
    found: dict[str, str] = {}
    for index in range(0, len(uids), _CHUNK):
        chunk = uids[index:index + _CHUNK]
        cached = cache.get(chunk)
        stale = [uid for uid in chunk if cached.get(uid, ("",))[0] != keys.get(uid)]
        if stale:
            marks = ", ".join("?" * len(stale))
            cache.refresh_activities(Feed(feed.query, feed.name, feed.description,
                                          f"{feed.where} AND a.uid IN ({marks})", (*feed.params, *stale)))
            cached.update(cache.get(stale))
        for uid in chunk:
            key, text = cached.get(uid, ("", ""))
            if key == keys.get(uid):
                found[uid] = text
    return found


def _same(segments: Iterable[tuple[int, int] | bytes], path: Path, size: int) -> bool:
    """Whether ``segments`` make the bytes ``path`` holds (of ``size`` bytes)."""
    if sum(piece[1] if isinstance(piece, tuple) else len(piece) for piece in segments) != size:
        return False
    try:
        with open(path, "rb") as old:
            position = 0
            for piece in segments:
                if isinstance(piece, tuple):
                    offset, length = piece
                    if offset != position:
                        old.seek(offset)
                        moved = old.read(length)
                        old.seek(position)
                        if old.read(length) != moved:
                            return False
                    position += length
                else:
                    old.seek(position)
                    if old.read(len(piece)) != piece:
                        return False
                    position += len(piece)
    except OSError:
        return False
    return True


def _write_segments(segments: list[tuple[int, int] | bytes], handle: int, old: Path | None) -> None:
    """Write ``segments`` to the file open as ``handle``, copying ranges from ``old``."""
    source = os.open(old, os.O_RDONLY) if old is not None and any(isinstance(p, tuple) for p in segments) else None
    try:
        for piece in segments:
            if isinstance(piece, tuple):
                _copy(source, handle, *piece)
            else:
                _write_all(handle, piece)
    finally:
        if source is not None:
            os.close(source)


def _copy(source: int, target: int, offset: int, size: int) -> None:
    """Copy ``size`` bytes from ``offset`` of ``source`` to where ``target`` stands."""
    copy_range = getattr(os, "copy_file_range", None)
    while size > 0:
        done = 0
        if copy_range is not None:
            try:
                done = copy_range(source, target, size, offset)
            except OSError:  # not between these files (another file system, an old kernel): read and write
                copy_range = None
        if not done:
            data = os.pread(source, min(size, _COPY), offset)
            if not data:
                raise OSError(f"the old feed ends before {offset + size} bytes")
            _write_all(target, data)
            done = len(data)
        offset += done
        size -= done


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]
