"""The lists of feeds a build keeps beside them, written whole or edited in place.

Three files list feeds, one record per feed, in a fixed order: the index
(``index.json`` and ``index.html``, the public feeds, networks by slug then
activities by number) and each folder's manifest (``.peerlearn-feeds.json``,
every feed by path, with its title). At 100,000 activities they are
megabytes, and retitling, adding or removing one activity moves one record
of each.

Each file is a constant opening, the records apart by a separator, and a
constant closing (:class:`Layout`); no record holds its separator, since a
value never puts a raw newline there (JSON escapes it, and the index's HTML
keeps a title on one line). A rebuild after a few feeds came, went or were
retitled finds each one's place by bisecting the old file's bytes, and
rewrites the file with those records replaced, put in or left out, the rest
copied by the kernel (:func:`peerlearn.atomic.files.splice_atomic`): the bytes a
whole list would have, at the cost of the change. Where the old file is not
such a list (missing, edited by hand, empty) or the change would empty it,
:func:`edits` says so, and the build writes it whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, NamedTuple

from ..atomic.files import splice_atomic
from .layout import FOLDERS, parse_feed_path, webcal

#: The index's order of scopes.
_SCOPE_ORDER = {scope: number for number, scope in enumerate(FOLDERS)}


class Layout(NamedTuple):
    """How a list file is made: ``opening + separator.join(records) + closing``, and each record's place."""

    opening: bytes
    separator: bytes
    closing: bytes
    #: a record's place in the order (what :func:`edits` bisects by)
    key: Callable[[bytes], object]


def index_order(path: str) -> tuple:
    """Where the feed ``path`` comes in the index: networks by slug, then activities by number."""
    scope, name = parse_feed_path(path) or ("", path)
    return (_SCOPE_ORDER.get(scope, len(_SCOPE_ORDER)), int(name) if scope == "activity" else 0, name)


# -- the index ------------------------------------------------------------------------------------------------

def index_entry(scope: str, name: str, path: str, url: str = "") -> dict:
    """One feed as the index lists it: its scope, name (title) and path, and where published, its URLs."""
    return {"scope": scope, "name": name, "path": path, **({"url": url, "webcal": webcal(url)} if url else {})}


def _json_key(record: bytes) -> tuple:
    at = record.index(b'\n      "path": ') + len(b'\n      "path": ')
    end = record.find(b"\n", at)
    return index_order(json.loads(record[at:] if end < 0 else record[at:end].rstrip(b",")))


_HTML_PATH_END = b'">.ics</a>)</li>'


def _html_key(record: bytes) -> tuple:
    import html

    if not record.startswith(b"<li>") or not record.endswith(_HTML_PATH_END):
        raise ValueError("not an index item")
    at = record.rindex(b'(<a href="') + len(b'(<a href="')
    return index_order(html.unescape(record[at:-len(_HTML_PATH_END)].decode("utf-8")))


#: ``json.dumps({"feeds": entries}, indent=2, ensure_ascii=False)`` and a newline, an entry a record.
INDEX_JSON = Layout(b'{\n  "feeds": [\n    {\n', b"\n    },\n    {\n", b"\n    }\n  ]\n}\n", _json_key)

_HTML_OPENING = (
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Calendar feeds</title></head>\n"
    "<body><main><h1>Calendar feeds</h1>\n<p>Subscribe to a feed in your calendar application.</p>\n<ul>\n"
).encode("utf-8")
#: A page listing the feeds, an item a record.
INDEX_HTML = Layout(_HTML_OPENING, b"\n", b"\n</ul></main></body></html>\n", _html_key)


def index_json_record(entry: dict) -> bytes:
    """An entry of ``index.json`` between its braces, as ``json.dumps(..., indent=2)`` writes it there."""
    return ("      " + json.dumps(entry, ensure_ascii=False, separators=(",\n      ", ": "))[1:-1]).encode("utf-8")


def index_json(entries: list[dict]) -> bytes:
    """``json.dumps({"feeds": entries}, indent=2, ensure_ascii=False)`` and a newline, each entry (a flat
    dict) written by json's C encoder."""
    if not entries or not all(entries):
        return (json.dumps({"feeds": entries}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    # one call: the list's items and each entry's items apart by the same separator, then the boundaries between
    # entries (a newline never occurs inside a JSON string, so "},\n      {" is always one) indented as entries
    items = json.dumps(entries, ensure_ascii=False, separators=(",\n      ", ": "))[2:-2]
    items = items.replace("},\n      {", "\n    },\n    {\n      ")
    return INDEX_JSON.opening + ("      " + items).encode("utf-8") + INDEX_JSON.closing


def index_html_record(entry: dict) -> bytes:
    """An item of ``index.html``: the feed's scope, its name linked to it (``webcal://`` where published), its
    path as ``.ics``."""
    import html

    return _html_item(*(html.escape(value) for value in _html_values(entry))).encode("utf-8")


def _html_values(entry: dict) -> tuple[str, str, str, str]:
    return entry["scope"], entry.get("webcal") or entry["path"], entry["name"], entry["path"]


def _html_item(scope: str, link: str, name: str, path: str) -> str:
    return f'<li>{scope}: <a href="{link}">{name}</a> (<a href="{path}">.ics</a>)</li>'


def index_html(entries: list[dict]) -> bytes:
    """The page listing ``entries``; every value escaped."""
    import html

    # every value escaped in one call, apart by a character escaping leaves alone (each on its own where a value
    # holds it)
    values = [value for entry in entries for value in _html_values(entry)]
    escaped = html.escape("\0".join(values)).split("\0") if values else []
    if len(escaped) != len(values):
        escaped = [html.escape(value) for value in values]
    items = "\n".join(_html_item(*escaped[at:at + 4]) for at in range(0, len(escaped), 4))
    return INDEX_HTML.opening + items.encode("utf-8") + INDEX_HTML.closing


# -- the manifest ---------------------------------------------------------------------------------------------

#: The form of the manifest: ``{"version": 2, "feeds": {path or its hash: title}}``.
MANIFEST_VERSION = 2


def _manifest_key(record: bytes) -> str:
    (path,) = json.loads(b"{" + record + b"}")
    return path


MANIFEST = Layout(b'{\n"feeds": {\n', b",\n", f'\n}},\n"version": {MANIFEST_VERSION}\n}}'.encode(), _manifest_key)


def manifest_record(path: str, title: str) -> bytes:
    """A feed's line in the manifest."""
    return json.dumps({path: title}, ensure_ascii=False)[1:-1].encode("utf-8")


def manifest_json(feeds: dict[str, str]) -> bytes:
    """``json.dumps({"version": MANIFEST_VERSION, "feeds": feeds}, indent=0, sort_keys=True, ensure_ascii=False)``,
    written by json's C encoder (the indenting encoder is pure Python: seconds for 100,000 feeds)."""
    listed = json.dumps(feeds, ensure_ascii=False, sort_keys=True, separators=(",\n", ": "))
    if not feeds:
        return f'{{\n"feeds": {listed},\n"version": {MANIFEST_VERSION}\n}}'.encode()
    return MANIFEST.opening + listed[1:-1].encode("utf-8") + MANIFEST.closing


# -- editing in place -----------------------------------------------------------------------------------------

class Edits(NamedTuple):
    """What :func:`edits` found: the ranges to replace, and how many records the list gains (or loses)."""

    replacements: list[tuple[int, int, bytes]]
    added: int


def edit_file(path: Path, layout: Layout, changes: dict[object, bytes | None]) -> tuple[bool, int] | None:
    """Edit the list file ``path`` in place (:func:`edits`); whether its bytes changed and how many records
    it gained; None, and nothing written, where it must be written whole.

    Only the records the bisection looks at are read, never the whole file.
    """
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        found = edits(_File(handle), layout, changes)
    except OSError:
        return None
    finally:
        os.close(handle)
    if found is None:
        return None
    return splice_atomic(path, found.replacements), found.added


class _File:
    """A file's bytes, read where asked (``os.pread``): as much of ``bytes`` as :func:`edits` uses."""

    def __init__(self, handle: int) -> None:
        self.handle = handle
        self.size = os.fstat(handle).st_size

    def __len__(self) -> int:
        return self.size

    def read(self, start: int, end: int) -> bytes:
        return os.pread(self.handle, end - start, start) if end > start else b""


class _Bytes(bytes):
    """Bytes in memory, read as a :class:`_File` is."""

    def read(self, start: int, end: int) -> bytes:
        return self[start:end]


def edits(data: bytes | _File, layout: Layout, changes: dict[object, bytes | None]) -> Edits | None:
    """The ranges of the list ``data`` that put each record of ``changes`` (by its key: its new bytes, or None
    to leave it out) in its place; None where ``data`` is not such a list, holds none, or would lose its first
    or every record (written whole)."""
    source = data if isinstance(data, _File) else _Bytes(data)
    opening, separator, closing = layout.opening, layout.separator, layout.closing
    size = len(source)
    if size <= len(opening) + len(closing) or source.read(0, len(opening)) != opening \
            or source.read(size - len(closing), size) != closing \
            or any(record is not None and separator in record for record in changes.values()):
        return None  # (a record holding the separator, from a value stored with a raw newline: written whole)
    body = _Body(source, len(opening), size - len(closing), separator)
    replacements: list[tuple[int, int, bytes]] = []
    inserts: dict[int, list[bytes]] = {}  # the records to put in, by where
    added = 0
    try:
        for key in sorted(changes):
            record = changes[key]
            start, end, found = _find(body, layout.key, key)
            if found:
                if record is not None:
                    replacements.append((start, end, record))
                elif start == body.start:
                    return None  # (the first record: its separator is the next one's)
                else:
                    replacements.append((start - len(separator), end, b""))
                    added -= 1
            elif record is not None:
                inserts.setdefault(start, []).append(record)
                added += 1
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None  # a record that is not one of the list's
    for at, records in inserts.items():
        joined = separator.join(records)
        replacements.append((at, at, joined + separator if at == body.start else separator + joined))
    replacements.sort(key=lambda replacement: (replacement[0], replacement[1]))
    return Edits(replacements, added)


class _Body:
    """The records of a list, between ``start`` and ``end`` of its file, apart by ``separator``."""

    #: bytes read at once around a place; doubled until a separator is found
    READ = 4096

    def __init__(self, source: _File | _Bytes, start: int, end: int, separator: bytes) -> None:
        self.source, self.start, self.end, self.separator = source, start, end, separator

    def record(self, low: int, middle: int) -> tuple[int, int]:
        """The record holding ``middle``, or the last to start at or after ``low`` before it: its start and end."""
        separator, size = self.separator, self.READ
        while True:  # back from the middle to the last separator at or after low
            begin = max(low, middle - size)
            cut = self.source.read(begin, middle).rfind(separator)
            if cut >= 0 or begin == low:
                start = low if cut < 0 else begin + cut + len(separator)
                break
            size *= 2
        size = self.READ
        while True:  # on to the next separator, or the end
            stop = min(self.end, start + size)
            cut = self.source.read(start, stop).find(separator)
            if cut >= 0 or stop == self.end:
                return start, (stop if cut < 0 else start + cut)
            size *= 2


def _find(body: _Body, key_of: Callable[[bytes], object], target: object) -> tuple[int, int, bool]:
    """Bisect the records of ``body`` for ``target``: ``(start, end, True)`` where a record has that key,
    else ``(at, at, False)``, ``at`` the end of the last record before it (the body's start: before the first)."""
    low, high, before = body.start, body.end, body.start
    while low < high:
        start, end = body.record(low, (low + high) // 2)
        key = key_of(body.source.read(start, end))
        if key == target:
            return start, end, True
        if key < target:  # type: ignore[operator]
            before, low = end, end + len(body.separator)
        else:
            high = start
    return before, before, False
