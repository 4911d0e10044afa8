"""Rewriting a large feed by copying the unchanged stretches of its old file.

A network's feed holds every event of the network in the window: tens of
megabytes at 100,000 activities, where one change moves one event. Beside
such a feed a build keeps its *spans* (``.peerlearn-feeds-spans-<slug>``
in the folder): for each event in the order written, its activity, start,
zone and length in bytes, as machine integers; what the
file's head (calendar properties, VTIMEZONEs) was made from; and the size,
modification time and inode of the file they describe.

A rebuild knows which activities the changes since reach
(:class:`peerlearn.feeds.tracking.Affected`). It reads only those rows from
the registry, takes every other event from the spans, in its order, and
writes the new file from ranges of the old one (``os.copy_file_range``, or
read and write where the kernel cannot) and the blocks of the events that
changed, from the block cache. The bytes are those of a fresh build: an
event's block depends only on its source key and on what shapes every block
(the cache's signature, kept with the spans). Spans that do not describe
the file as it is now (another build rewrote it, another peerlearn or
signature) are not used: the feed is then written whole, its spans taken as
it goes. The new file still goes through a temporary file renamed over the
old one (:class:`peerlearn.atomic.files.AtomicFile`, inside a publication's
batch), and where its bytes equal the old ones nothing is written at all.
"""

from __future__ import annotations

import array
import hashlib
import json
import os
import sys
import zlib
from pathlib import Path
from typing import Iterable

from ..atomic.batches import remove_file
from ..atomic.files import AtomicFile, reserve, write_atomic, write_pieces
from ..atomic.places import write_error
from ..itemfile import Stretches, insert_in_order, interleaved, places_of, remove_at, sortable
from ..registry.store import Registry
from ..version import __version__
from . import blocks, ical
from .selection import Feed

#: Feeds of fewer events are written whole, without spans: copying pieces of them saves nothing. (A network
#: feed of 250 events takes 10 ms to write whole, 1 ms to splice after one change.)
SPLICE_EVENTS = 100
#: The spans' own format: another number is read as no spans.
SPANS_VERSION = 4
#: Rows of the block cache asked for at once.
_CHUNK = 500


def spans_path(root: Path, name: str) -> Path:
    """Where the spans of the network feed ``name`` are kept, in the feeds' folder ``root``."""
    return root / f".peerlearn-feeds-spans-{name}"


#: Each event of a feed as its spans record it: number, start (the feed's order), source key, and the zone and
#: local year its VTIMEZONE must cover ("" for a whole-day event); the uid last, to fetch its block.
_ROWS_SQL = ("SELECT a.id, a.start_utc, " + blocks.ACTIVITY_KEY_SQL + ", CASE WHEN a.all_day = 0 THEN"
             " a.timezone || ' ' || substr(a.start_local, 1, 4) ELSE '' END, a.uid FROM activities a WHERE {where}")
#: Each column of the spans: its name and its machine integer (type code, bytes), in the file's order.
_COLUMNS = (("ids", "q", 8), ("starts", "q", 8), ("sizes", "q", 8), ("zones", "i", 4))
_NAMES = tuple(name for name, _code, _size in _COLUMNS)
class Spans:
    """Where each event of a feed's file is, one array of machine integers per column.

    For each event, in the file's order: its activity (``ids``), start
    (``starts``, :func:`sortable`), length in bytes (``sizes``) and zone
    (``zones``: a number in ``zone_names``, whose names carry the first year
    they cover, as ``"Europe/Brussels 2026"``; -1 for a whole-day event);
    ``head_key`` says what the head (the calendar's properties and
    VTIMEZONEs, ``head_size`` bytes) was made from. The arrays are read and
    written as they are kept, never turned into a Python object per event: a
    rebuild after one change touches only that event's place.
    """

    __slots__ = ("head_key", "head_size", "zone_names", *_NAMES)

    def __init__(self, head_key: str, head_size: int, zone_names: list[str] | None = None,
                 columns: list[array.array] | None = None) -> None:
        self.head_key, self.head_size = head_key, head_size
        self.zone_names = [] if zone_names is None else zone_names
        for index, (name, code, _size) in enumerate(_COLUMNS):
            setattr(self, name, array.array(code) if columns is None else columns[index])

    def columns(self) -> list[array.array]:
        return [getattr(self, name) for name in _NAMES]

    def copy(self) -> "Spans":
        return Spans(self.head_key, self.head_size, list(self.zone_names), [column[:] for column in self.columns()])

    def zone_number(self, zone: str) -> int:
        if not zone:
            return -1
        try:
            return self.zone_names.index(zone)
        except ValueError:
            self.zone_names.append(zone)
            return len(self.zone_names) - 1

    def zone_list(self, feed: Feed) -> list[tuple[str, int | None]]:
        """The feed's zones as :func:`peerlearn.feeds.blocks.zones` finds them: each with its earliest year."""
        firsts: dict[str, str] = {}
        for number in set(self.zones):
            if number >= 0:
                tzname, _, year = self.zone_names[number].rpartition(" ")
                if tzname not in firsts or year < firsts[tzname]:
                    firsts[tzname] = year
        if not firsts:
            return [(feed.timezone, None)]
        return sorted((tzname, int(year)) for tzname, year in firsts.items())

    def total(self) -> int:
        return self.head_size + sum(self.sizes) + len(ical.CALENDAR_END.encode())


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
    new = plan.new
    zones = _zone_text(cache, new.zone_list(feed))
    new.head_key = _head_key(feed, url, zones)
    texts = _texts(registry, feed, cache, list(plan.needed), plan.needed)
    head = None if old.head_key == new.head_key else blocks.header(feed, url) + zones
    segments = plan.segments(head, texts)
    if _same(segments, path, old.total()):
        return False
    out_file = AtomicFile(path, differs=True)  # (just compared)
    with out_file as out:
        flush(out, path)
        try:
            _write_segments(segments, out.fileno(), path)
        except OSError as error:  # (a full disk): named as AtomicFile names its own
            raise write_error(path, error) from None
        status = os.fstat(out.fileno())
    if not out_file.changed:  # (the old file holds these bytes already: the spans describe it)
        status = os.stat(path)
    if len(texts) == len(plan.needed):
        _keep(spans, source, status, new)
    else:  # an event left out (it cannot be written) is missing from the file, not from the feed's zones
        remove_file(spans)
    return out_file.changed


def _write_whole(registry: Registry, feed: Feed, path: Path, spans: Path, *, url: str, cache: blocks.BlockCache,
                 source: list) -> bool:
    """Write the feed from the registry's rows and the block cache, and take its spans as it goes."""
    rows = registry.conn.execute(_ROWS_SQL.format(where=feed.where) + " ORDER BY a.start_utc, a.id",
                                 feed.params).fetchall()
    zones = blocks.zones(registry, feed)
    text = _zone_text(cache, zones)
    head = blocks.header(feed, url) + text
    new = Spans(_head_key(feed, url, text), len(head.encode("utf-8")))
    keys = {row[4]: row[2] for row in rows}
    orderly = True  # every start stored as peerlearn stores it (else no spans: the order is SQLite's)
    out_file = AtomicFile(path)
    with out_file as out:
        out.write(head)
        for index in range(0, len(rows), _CHUNK):
            chunk = rows[index:index + _CHUNK]
            texts = _texts(registry, feed, cache, [row[4] for row in chunk], keys)
            for activity_id, start, _key, zone, uid in chunk:
                if uid in texts:  # else left out: it cannot be written
                    out.write(texts[uid])
                    number = sortable(start)
                    orderly = orderly and number is not None
                    new.ids.append(activity_id)
                    new.starts.append(number or 0)
                    new.zones.append(new.zone_number(zone))
                    new.sizes.append(len(texts[uid].encode("utf-8")))
        out.write(ical.CALENDAR_END)
        flush(out, path)
        status = os.fstat(out.fileno())
    if not out_file.changed:
        status = os.stat(path)
    if orderly and len(new.ids) == len(rows) and new.zone_list(feed) == zones:  # (else spans could not follow it)
        _keep(spans, source, status, new)
    elif spans.exists():
        remove_file(spans)
    return out_file.changed


def _zone_text(cache: blocks.BlockCache, zones: list[tuple[str, int | None]]) -> str:
    return "".join(cache.timezone(tzname, first) for tzname, first in zones)


def _head_key(feed: Feed, url: str, zones: str) -> str:
    """What the head of the file (the calendar's properties, its VTIMEZONEs) is made from."""
    return hashlib.sha256(json.dumps([feed.name, feed.description, url, zones]).encode()).hexdigest()


def _keep(spans: Path, source: list, status: os.stat_result, new: Spans) -> None:
    """Write the spans of the file of ``status`` (with the publication, inside its batch).

    A line of JSON (what the file and its head were made from, the zones'
    names, how many events, a CRC-32 of the rest), then each column's
    machine integers: read and written without a loop over the events.
    """
    count = len(new.ids)
    if count < SPLICE_EVENTS:
        if spans.exists():
            remove_file(spans)
        return
    body = b"".join(column.tobytes() for column in new.columns())
    header = {"version": SPANS_VERSION, "source": source, "file": _stat_key(status), "order": sys.byteorder,
              "head": [new.head_key, new.head_size], "zone_names": new.zone_names, "count": count,
              "crc32": zlib.crc32(body)}
    write_atomic(spans, json.dumps(header).encode() + b"\n" + body)


def _stat_key(status: os.stat_result) -> list[int]:
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def _read(spans: Path, path: Path, source: list) -> Spans | None:
    """The spans of ``path``, where they describe it as it is now and were made from ``source``."""
    try:
        data = spans.read_bytes()
        status = os.stat(path)
        end = data.index(b"\n")
        header = json.loads(data[:end])
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("version") != SPANS_VERSION \
            or header.get("file") != _stat_key(status) or header.get("source") != source \
            or header.get("order") != sys.byteorder or header.get("crc32") != zlib.crc32(memoryview(data)[end + 1:]):
        return None
    try:
        (head_key, head_size), zone_names, count = header["head"], header["zone_names"], header["count"]
        columns, at = [], end + 1
        for _name, code, size in _COLUMNS:
            column = array.array(code)
            if column.itemsize != size:
                return None
            column.frombytes(data[at:at + size * count])
            columns.append(column)
            at += size * count
        found = Spans(head_key, head_size, zone_names, columns)
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(head_key, str) or type(head_size) is not int or type(count) is not int \
            or not isinstance(zone_names, list) or set(map(type, zone_names)) - {str} or at != len(data) \
            or {len(column) for column in columns} != {count} \
            or count and (min(found.zones) < -1 or max(found.zones) >= len(zone_names) or min(found.sizes) < 0) \
            or found.total() != status.st_size:
        return None
    return found


class _Plan:
    """The new file as pieces: the old file's head, copied stretches of old events, and new events' blocks.

    It is described by what moved, never event by event: the places of the
    old events that leave (changed or gone) and the places of the events
    that come in, so that a change to one event of 100,000 costs one event's
    work and a few sums over the sizes, done in C.
    """

    def __init__(self, old: Spans, new: Spans, removed: list[int], inserted: list[int], needed: dict[str, str],
                 uids: list[str]) -> None:
        self.old, self.new = old, new
        #: the places in the old file of the events that leave it, in order
        self.removed = removed
        #: the place in the new file of the event of each of ``uids``, in order
        self.inserted = inserted
        #: the source keys of the events whose blocks are needed, by uid
        self.needed = needed
        self.uids = uids

    @classmethod
    def spliced(cls, registry: Registry, feed: Feed, old: Spans, changed: set[int]) -> "_Plan | None":
        """The old events but the ``changed`` ones, and these as they are now; None where copying would not
        pay (most events changed)."""
        if len(changed) > max(len(old.ids) // 4, 8):
            return None
        now = []
        ids = sorted(changed)
        for index in range(0, len(ids), _CHUNK):
            chunk = ids[index:index + _CHUNK]
            now += registry.conn.execute(
                _ROWS_SQL.format(where=f"{feed.where} AND a.id IN ({', '.join('?' * len(chunk))})"),
                [*feed.params, *chunk]).fetchall()
        new = old.copy()
        columns = new.columns()
        removed = remove_at(columns, places_of(old.ids, changed))
        needed: dict[str, str] = {}
        items = []
        for activity_id, start, key, zone, uid in now:
            number = sortable(start)
            if number is None:
                return None  # (a start stored otherwise: the feed is written whole, in SQLite's order)
            needed[uid] = key
            items.append((activity_id, number, 0, new.zone_number(zone), uid))
        inserted, items = insert_in_order(columns, items)  # (each item's last value, its uid, is no column)
        uids = [item[4] for item in items]
        return cls(old, new, removed, inserted, needed, uids)

    def segments(self, head: str | None, texts: dict[str, str]) -> list[tuple[int, int] | bytes]:
        """The new file, in order: ``(offset, size)`` ranges of the old file (one per stretch of events that
        follow each other there) and bytes to write; ``head`` None where the old file's head is kept. Sets
        the sizes of the new blocks, and leaves out of ``new`` the events that cannot be written."""
        blocks = [texts[uid].encode("utf-8") if uid in texts else None for uid in self.uids]
        for at, data in zip(self.inserted, blocks):
            if data is not None:
                self.new.sizes[at] = len(data)
        found, left_out = interleaved(Stretches(self.old.sizes, self.old.head_size, self.removed), self.inserted,
                                      blocks)
        found.insert(0, (0, self.old.head_size) if head is None else head.encode("utf-8"))
        found.append(ical.CALENDAR_END.encode("utf-8"))
        for index in reversed(left_out):
            for column in self.new.columns():
                del column[index]
        if head is not None:
            self.new.head_size = len(found[0])
        return _merged(found)


def _merged(pieces: list[tuple[int, int] | bytes]) -> list[tuple[int, int] | bytes]:
    """``pieces`` with ranges that follow each other joined, and bytes that follow each other joined."""
    found: list[tuple[int, int] | bytes] = []
    for piece in pieces:
        if found and isinstance(piece, tuple) and isinstance(found[-1], tuple) and sum(found[-1]) == piece[0]:
            found[-1] = (found[-1][0], found[-1][1] + piece[1])
        elif found and isinstance(piece, bytes) and isinstance(found[-1], bytes):
            found[-1] += piece
        else:
            found.append(piece)
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
        reserve(handle, sum(piece[1] if isinstance(piece, tuple) else len(piece) for piece in segments))
        write_pieces(handle, source, segments)
    finally:
        if source is not None:
            os.close(source)


def flush(out, path: Path) -> None:
    """Flush the text stream ``out`` into ``path``; a refusal (a full disk) names ``path``, as writes do."""
    try:
        out.flush()
    except OSError as error:
        raise write_error(path, error) from None
