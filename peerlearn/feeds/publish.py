"""Static publication: every feed as a file, rewritten only when its content changed.

Public feeds and member feeds go to two folders, so that nothing under the
published folder names a member's secret URL::

    PUBLIC/networks/<slug>.ics      public
    PUBLIC/activities/<id>.ics      public (the activity and its sessions)
    PUBLIC/index.json, index.html   the public feeds (never a member's)
    PRIVATE/members/<token>.ics     private: the path is the member's secret token

The two folders must be apart (neither inside the other); without a private
folder, member feeds are not written at all (``peerlearn serve`` still
answers them).

Each file is written to a temporary file beside it and renamed over the old
one, so a folder never holds a half-written feed, even when a build is
interrupted. Each folder keeps a manifest (``.peerlearn-feeds.json``) of its
own feeds and what each was built from, so an unchanged feed is not even
serialized again, and a file whose new text equals the old is never rewritten
(web servers' ETag and Last-Modified stay stable). The private folder's
manifest names its files by a SHA-256 of their path, never by their token.
Feeds that no longer exist (a member's rotated token, a deleted activity) are
removed, and so are member feeds an earlier build left in the public folder.
A placeholder ``index.html`` in the private folder and in its ``members/``
stands in for a directory listing on web servers that would show one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
from pathlib import Path
from typing import Callable

import attrs

from ..atomic import AtomicFile, prepare_folder, remove_file, write_atomic
from ..errors import ValidationError
from ..registry.store import Registry
from . import blocks
from . import index as feed_index
from . import selection
from .layout import FOLDERS, check_base_url, feed_path, parse_feed_path, webcal

MANIFEST = ".peerlearn-feeds.json"
PLACEHOLDER = (b"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Private feeds</title>"
               b"<meta name=\"robots\" content=\"noindex\"></head>\n<body><p>Nothing to list here.</p></body></html>\n")


@attrs.frozen
class BuildReport:
    """What a build did, by path relative to its folder."""

    written: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    #: feeds published (written or unchanged), public and private
    feeds: int
    #: member feeds published in the private folder
    private: int = 0
    #: member feeds not written, for want of a private folder
    left_out: int = 0
    #: one line per event left out of every feed because it cannot be written (e.g. a bad stored rule)
    warnings: tuple[str, ...] = ()


class _Folder:
    """One output folder: its manifest as it was and as it becomes."""

    def __init__(self, root: Path, *, hashed: bool) -> None:
        self.root = root
        self.hashed = hashed
        self.old = _read_manifest(root)
        self.new: dict[str, str] = {}

    def key(self, path: str) -> str:
        return "sha256:" + hashlib.sha256(path.encode()).hexdigest() if self.hashed else path

    def stale(self) -> list[str]:
        """Feeds of the last build that this one did not write, by path."""
        if self.hashed:
            found = (f"members/{file.name}" for file in sorted((self.root / "members").glob("*.ics")))
            return [path for path in found if self.key(path) in self.old and self.key(path) not in self.new]
        # only feeds' paths: a damaged manifest never removes anything else
        return [path for path in sorted(self.old.keys() - self.new.keys()) if parse_feed_path(path)]

    def save(self) -> None:
        write_atomic(self.root / MANIFEST, json.dumps(self.new, indent=0, sort_keys=True).encode())


def check_apart(public: Path, private: Path) -> None:
    """Refuse folders that overlap: member feeds inside the public folder would be published with it.

    The public folder inside the private one is refused too: its ``members/``
    could then be the public folder itself.
    """
    inner, outer = Path(private).resolve(), Path(public).resolve()
    if inner == outer or outer in inner.parents:
        raise ValidationError(f"the private folder {private} is inside the public folder {public}:"
                              " member feeds would be published; choose a folder outside it")
    if inner in outer.parents:
        raise ValidationError(f"the public folder {public} is inside the private folder {private};"
                              " choose two folders apart")


def build(registry: Registry, folder: str | Path, *, private_folder: str | Path | None = None, base_url: str = "",
          now: dt.datetime | None = None, progress: Callable[[int, int | None], None] | None = None) -> BuildReport:
    """Write every network and activity feed and the index into ``folder``, member feeds into ``private_folder``.

    Without ``private_folder`` no member feed is written (``left_out`` counts them).
    ``progress(done, total)``, where given, is called after each feed.
    """
    base = check_base_url(base_url, field="base_url") if base_url else ""
    if private_folder is not None:
        check_apart(Path(folder), Path(private_folder))
    public = _Folder(prepare_folder(folder), hashed=False)
    private = _Folder(prepare_folder(private_folder), hashed=True) if private_folder is not None else None
    cache = blocks.BlockCache(registry, warn=lambda message: None)  # returned in the report instead
    written, index, unchanged, left_out = [], [], 0, 0

    def url_of(scope: str, name: str) -> str:
        return f"{base}/{feed_path(scope, name)}" if base and scope != "member" else ""

    total = _feed_count(registry) if progress else None
    for done, entry in enumerate(feed_index.entries(registry, cache, url_of=url_of, now=now)):
        if progress:
            progress(done, total)
        path = feed_path(entry.scope, entry.name)
        url = url_of(entry.scope, entry.name)
        target = private if entry.private else public
        if target is None:
            left_out += 1
            continue
        target.new[target.key(path)] = entry.digest
        if not entry.private:
            index.append({"scope": entry.scope, "name": entry.title, "path": path,
                          **({"url": url, "webcal": webcal(url)} if url else {})})
        if target.old.get(target.key(path)) == entry.digest and (target.root / path).exists():
            unchanged += 1
            continue
        feed = selection.resolve(registry, selection.FeedQuery(entry.scope, entry.key), now=now, known=cache.networks)
        out_file = AtomicFile(target.root / path)
        with out_file as out:
            blocks.write(registry, feed, out, url=url, cache=cache)
        if out_file.changed:
            written.append(path)
        else:
            unchanged += 1
    if progress:
        progress(total, total)
    removed = []
    for target in filter(None, (public, private)):
        for path in target.stale():
            file = target.root / path
            if file.exists():
                remove_file(file)  # inside a publication's batch, when it commits
                removed.append(path)
    _remove_if_empty(public.root / FOLDERS["member"])  # left by a build that put member feeds in public
    for name, data in (("index.json", _index_json(index)), ("index.html", _index_html(index))):
        if write_atomic(public.root / name, data):
            written.append(name)
    public.save()
    if private:
        for placeholder in (private.root / "index.html", private.root / FOLDERS["member"] / "index.html"):
            write_atomic(placeholder, PLACEHOLDER)
        private.save()
    return BuildReport(tuple(written), tuple(removed), unchanged, len(public.new) + len(private.new if private else ()),
                       private=len(private.new) if private else 0, left_out=left_out,
                       warnings=tuple(cache.warnings.values()))


def _feed_count(registry: Registry) -> int:
    """How many feeds a build goes through (for progress): one per network, published activity and member."""
    return sum(len(selection.subjects(registry, scope)) for scope in ("network", "activity", "member"))


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # missing, or holds files that are not ours
        pass


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _index_json(entries: list[dict]) -> bytes:
    return (json.dumps({"feeds": entries}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _index_html(entries: list[dict]) -> bytes:
    items = "\n".join(
        f'<li>{html.escape(entry["scope"])}: <a href="{html.escape(entry.get("webcal") or entry["path"])}">'
        f'{html.escape(entry["name"])}</a> (<a href="{html.escape(entry["path"])}">.ics</a>)</li>'
        for entry in entries
    )
    page = (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Calendar feeds</title></head>\n"
        "<body><main><h1>Calendar feeds</h1>\n<p>Subscribe to a feed in your calendar application.</p>\n"
        f"<ul>\n{items}\n</ul></main></body></html>\n"
    )
    return page.encode("utf-8")
