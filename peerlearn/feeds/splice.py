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


def write(registry: Registry, feed: Feed, path: Path, spans: Path, *, url: str,
          cache: blocks.BlockCache) -> bool | None:
    """Write ``feed`` (one without sessions) to ``path``, copying what is unchanged from its old file.

    Returns whether the file changed, or None where the feed has sessions (the
    caller writes it as any other). Spans are kept for a feed of at least
    :data:`SPLICE_EVENTS` events (and removed from a smaller one).
    """
    if feed.sessions:
        return None
    source = [__version__, cache.signature]
    zones = "".join(cache.timezone(tzname, first) for tzname, first in blocks.zones(registry, feed))
    head_key = hashlib.sha256(json.dumps([feed.name, feed.description, url, zones]).encode()).hexdigest()
    sql = (f"SELECT a.uid, {blocks.ACTIVITY_KEY_SQL} FROM activities a WHERE {feed.where}"
           " ORDER BY a.start_utc, a.id")
    rows = registry.conn.execute(sql, feed.params).fetchall()
    old = _read(spans, path, source)
    plan = _Plan(old, rows, head_key) if old is not None else None
    out_file = AtomicFile(path)
    if plan is not None and plan.worth_it():
        texts = _texts(registry, feed, cache, plan.needed, dict(rows))
        head = None if plan.head_copied else blocks.header(feed, url) + zones
        segments = plan.segments(head, texts)
        if _same(segments, path, old["size"]):
            return False
        events = plan.events(texts)
        head_size = plan.head_size(head)
        with out_file as out:
            out.flush()
            _write_segments(segments, out.fileno(), path)
            status = os.fstat(out.fileno())
    else:  # written whole, its spans taken as it goes
        head = blocks.header(feed, url) + zones
        head_size = len(head.encode("utf-8"))
        events = []
        keys = dict(rows)
        with out_file as out:
            out.write(head)
            for index in range(0, len(rows), _CHUNK):
                chunk = [uid for uid, _key in rows[index:index + _CHUNK]]
                texts = _texts(registry, feed, cache, chunk, keys)
                for uid in chunk:
                    if uid in texts:  # else left out: it cannot be written
                        out.write(texts[uid])
                        events.append([uid, keys[uid], len(texts[uid].encode("utf-8"))])
            out.write(ical.CALENDAR_END)
            out.flush()
            status = os.fstat(out.fileno())
    if not out_file.changed:  # the old file holds these bytes already: the spans describe it
        status = os.stat(path)
    if len(events) >= SPLICE_EVENTS:
        data = {"version": SPANS_VERSION, "source": source, "file": _stat_key(status), "head": [head_key, head_size],
                "events": events}
        write_atomic(spans, json.dumps(data, separators=(",", ":")).encode())
    elif spans.exists():
        remove_file(spans)
    return out_file.changed


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
            or data.get("file") != _stat_key(status) or data.get("source") != json.loads(json.dumps(source)):
        return None
    try:
        head_key, head_size = data["head"]
        events = [(str(uid), str(key), int(size)) for uid, key, size in data["events"]]
    except (KeyError, TypeError, ValueError):
        return None
    end = len(ical.CALENDAR_END)
    if head_size + sum(size for _uid, _key, size in events) + end != status.st_size:
        return None
    return {"head": (str(head_key), int(head_size)), "events": events, "size": status.st_size}


class _Plan:
    """The new file as pieces: the old file's head, copied stretches of old events, and new events' blocks."""

    def __init__(self, old: dict | None, rows: list[tuple[str, str]], head_key: str) -> None:
        self.old = old
        self.rows = rows
        self.head_copied = old is not None and old["head"][0] == head_key
        places: dict[str, tuple[str, int, int]] = {}
        if old is not None:
            offset = old["head"][1]
            for uid, key, size in old["events"]:
                places[uid] = (key, offset, size)
                offset += size
        #: for each row: (offset, size) in the old file, or None where its block is needed
        self.places = [None] * len(rows)
        self.needed: list[str] = []
        for index, (uid, key) in enumerate(rows):
            found = places.get(uid)
            if found is not None and found[0] == key:
                self.places[index] = found[1:]
            else:
                self.needed.append(uid)

    def worth_it(self) -> bool:
        """Copying pays while most events stay as they were."""
        return len(self.needed) * 4 <= len(self.rows)

    def head_size(self, head: str | None) -> int:
        return self.old["head"][1] if head is None else len(head.encode("utf-8"))

    def segments(self, head: str | None, texts: dict[str, str]) -> list[tuple[int, int] | bytes]:
        """The new file, in order: ``(offset, size)`` ranges of the old file (merged where they follow each
        other) and bytes to write."""
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
            copy(0, self.old["head"][1])
        else:
            add(head.encode("utf-8"))
        for (uid, _key), place in zip(self.rows, self.places):
            if place is not None:
                copy(*place)
            elif uid in texts:  # else left out: it cannot be written
                add(texts[uid].encode("utf-8"))
        add(ical.CALENDAR_END.encode("utf-8"))
        return found

    def events(self, texts: dict[str, str]) -> list[list]:
        """Each event written, in order: ``[uid, key, size]``."""
        found = []
        for (uid, key), place in zip(self.rows, self.places):
            if place is not None:
                found.append([uid, key, place[1]])
            elif uid in texts:
                found.append([uid, key, len(texts[uid].encode("utf-8"))])
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
