"""A network's activity log written again for a few changed activities: their rows, and the rest copied.

A log has one row per activity of the network (tens of thousands at
100,000 activities) and a change moves a few. Beside a log of
:data:`SPLICE_ROWS` rows or more, a publication keeps its *rows* (a hidden
``.<log name>.rows`` beside it): each row's activity, start (the log's
order, as :func:`peerlearn.itemfile.sortable` numbers it) and length in bytes,
the lengths of the page's head and tail, and the size, modification time
and inode of the file they describe. The next publication renders only
the rows of the activities changed since (the change log says which), with
the same format, and writes the new file from the old one's head, tail and
unchanged rows (copied in the kernel) and the new rows: the same bytes as a
log written afresh.

Where each row starts is read while the format writes: a format that
streams, writing each record before it reads the next, gives the place of
every row by the bytes written when it asks for the next. Only the core's
own CSV and HTML formats are known to do so (one ``<tr>`` per record, the
same wherever it sits); a plugin's format is always written whole.
"""

from __future__ import annotations

import array
import hashlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..atomic.batches import remove_file
from ..atomic.files import write_atomic, write_pieces
from ..atomic.places import write_error
from ..feeds.splice import flush
from ..itemfile import Stretches, insert_in_order, interleaved, places_of, remove_at, sortable
from ..version import __version__

#: Logs of fewer rows are written whole, without rows kept beside them.
SPLICE_ROWS = 100
#: The rows' own format: another number is read as none.
ROWS_VERSION = 2
#: The formats that write each record, the same wherever it sits, before reading the next.
STREAMING = {("peerlearn.default_plugins.formats", "write_csv"), ("peerlearn.default_plugins.formats", "write_html")}


def rows_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.rows")


def streams(write: Any) -> bool:
    return (getattr(write, "__module__", ""), getattr(write, "__qualname__", "")) in STREAMING


class _Counting:
    """A text stream that counts the bytes written through it (UTF-8)."""

    def __init__(self, out: Any) -> None:
        self.out, self.count = out, 0

    def write(self, text: str) -> int:
        self.count += len(text.encode("utf-8"))
        return self.out.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


def _noted(records: Iterable[Any], counter: _Counting, places: list[int]) -> Iterator[Any]:
    """``records``, noting the bytes written when each is asked for, and when there are no more."""
    for record in records:
        places.append(counter.count)
        yield record
    places.append(counter.count)


class Rows:
    """Where each row of a log is: activity, start (:func:`~peerlearn.itemfile.sortable`), length, as machine
    arrays; the head's and tail's lengths."""

    __slots__ = ("head", "tail", "ids", "starts", "sizes")

    def __init__(self, head: int, tail: int, ids: Sequence[int], starts: Sequence[int], sizes: Sequence[int]) -> None:
        self.head, self.tail, self.ids, self.starts, self.sizes = head, tail, ids, starts, sizes

    def total(self) -> int:
        return self.head + sum(self.sizes) + self.tail


def _stat_key(status: os.stat_result) -> list[int]:
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def read(target: Path, source: str) -> Rows | None:
    """The rows kept beside ``target``, where they describe it as it is now and were made from ``source``.

    The digest says the rows are those :func:`keep` wrote, and the header
    that they describe the file as it is (its size, time and inode): they
    are taken as they are, without another look at each row.
    """
    try:
        data = rows_path(target).read_bytes()
        status = os.stat(target)
        end = data.index(b"\n")
        header = json.loads(data[:end])
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("version") != ROWS_VERSION or header.get("source") != source \
            or header.get("file") != _stat_key(status) or header.get("order") != sys.byteorder \
            or header.get("digest") != hashlib.blake2b(memoryview(data)[end + 1:], digest_size=16).hexdigest():
        return None
    try:
        count, head, tail = int(header["count"]), int(header["head"]), int(header["tail"])
        columns = [array.array("q") for _ in range(3)]
        for number, column in enumerate(columns):
            column.frombytes(data[end + 1 + 8 * count * number:end + 1 + 8 * count * (number + 1)])
        found = Rows(head, tail, *columns)
    except (KeyError, TypeError, ValueError):
        return None
    if not count or any(len(column) != count for column in columns) or len(data) != end + 1 + 24 * count \
            or found.total() != status.st_size:
        return None
    return found


def keep(target: Path, source: str, status: os.stat_result, rows: Rows) -> None:
    """Write ``rows`` beside ``target`` (inside the publication's batch), or remove them from a short log."""
    if len(rows.ids) < SPLICE_ROWS:
        if rows_path(target).exists():
            remove_file(rows_path(target))
        return
    body = b"".join(array.array("q", column).tobytes() for column in (rows.ids, rows.starts, rows.sizes))
    header = {"version": ROWS_VERSION, "source": source, "file": _stat_key(status), "order": sys.byteorder,
              "count": len(rows.ids), "head": rows.head, "tail": rows.tail,
              "digest": hashlib.blake2b(body, digest_size=16).hexdigest()}
    write_atomic(rows_path(target), json.dumps(header).encode() + b"\n" + body)


def forget(target: Path) -> None:
    if rows_path(target).exists():
        remove_file(rows_path(target))


def write_whole(out: Any, target: Path, write: Callable[[Iterable[Any], Any], None], records: Iterable[Any],
                starts: dict[int, str]) -> Rows | None:
    """Write every record through ``write(records, out)``, noting where each row is (None where the format
    does not stream, the log has no row, or a row's start is not :func:`~peerlearn.itemfile.sortable`)."""
    counter = _Counting(out)
    places: list[int] = []
    ids: list[int] = []

    def noted() -> Iterator[Any]:
        for record in _noted(records, counter, places):
            ids.append(record.id)
            yield record

    write(noted(), counter)
    flush(out, target)
    if not ids or len(places) != len(ids) + 1:
        return None
    size = counter.count
    sizes = [places[index + 1] - places[index] for index in range(len(ids))]
    ordered = [sortable(starts.get(number, "")) for number in ids]
    if None in ordered:  # (a start not written as the others)
        return None
    return Rows(places[0], size - places[-1], array.array("q", ids), array.array("q", ordered),
                array.array("q", sizes))


def write_spliced(out: Any, target: Path, old: Rows, write: Callable[[Iterable[Any], Any], None],
                  changed: list[Any], changed_ids: set[int], starts: dict[int, str]) -> Rows | None:
    """Write the log from the old file ``target`` (described by ``old``): its head, tail and the rows of
    activities not in ``changed_ids``, and the ``changed`` records (those of ``changed_ids`` in the log now)
    rendered through ``write``; return the new rows (None where it could not: nothing was written then).

    The rows are columns (:mod:`peerlearn.itemfile`): the changed ones are taken out and put back in their
    places, and the rest copied as the stretches between, whatever the log's length.
    """
    numbers = {record.id: sortable(starts.get(record.id, "")) for record in changed}
    if None in numbers.values():
        return None
    buffer = io.StringIO()
    counter = _Counting(buffer)
    places: list[int] = []
    write(_noted(changed, counter, places), counter)
    if len(places) != len(changed) + 1:
        return None
    text = buffer.getvalue().encode("utf-8")
    blocks = {record.id: text[places[index]:places[index + 1]] for index, record in enumerate(changed)}
    # the old rows but the changed ones, then the changed ones where they now belong
    columns = [array.array("q", old.ids), array.array("q", old.starts), array.array("q", old.sizes)]
    removed = remove_at(columns, places_of(old.ids, changed_ids))
    inserted, items = insert_in_order(columns, [(record.id, numbers[record.id], len(blocks[record.id]))
                                                for record in changed])
    if not columns[0]:
        return None
    kept = Stretches(old.sizes, old.head, removed)
    pieces, _none = interleaved(kept, inserted, [blocks[number] for number, _start, _size in items])
    flush(out, target)
    try:
        with open(target, "rb") as source:
            write_pieces(out.fileno(), source.fileno(), [(0, old.head), *pieces, (kept.end, old.tail)])
    except OSError as error:  # (a full disk): named as the publication names its own
        raise write_error(target, error) from None
    return Rows(old.head, old.tail, *columns)


def source_of(signature: str, format_name: str) -> str:
    """What a log's rows are made from: the logs' signature (peerlearn, plugins, networks) and the format."""
    return hashlib.sha256(json.dumps([signature, format_name, __version__]).encode()).hexdigest()
