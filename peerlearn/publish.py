"""Static publication: every feed as a file, rewritten only when its content changed.

Layout (the same paths ``peerlearn serve`` answers)::

    DIR/networks/<slug>.ics      public
    DIR/activities/<id>.ics      public (the activity and its sessions)
    DIR/members/<token>.ics      private: the path is the member's secret token
    DIR/index.json, index.html   the public feeds (never a member's)

Each file is written to a temporary file beside it and renamed over the old
one, so the folder never holds a half-written feed, even when a build is
interrupted. A manifest (``.peerlearn-feeds.json``) remembers what each
feed was built from, so an unchanged feed is not even serialized again, and
a file whose new text equals the old is never rewritten (web servers' ETag
and Last-Modified stay stable). Feeds that no longer exist (a member's
rotated token, a deleted activity) are removed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import attrs

from . import feed_index, feeds
from .atomic import AtomicFile, prepare_folder, write_atomic
from .errors import ValidationError
from .store import Registry

MANIFEST = ".peerlearn-feeds.json"
FOLDERS = {"network": "networks", "activity": "activities", "member": "members"}


@attrs.frozen
class BuildReport:
    """What a build did, by path relative to the folder."""

    written: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    feeds: int


def check_base_url(base_url: str) -> str:
    """An http(s) base URL without a trailing slash, or ValidationError."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationError(f"--base-url: {base_url!r} is not an http(s) URL such as https://feeds.example.org")
    return base_url.rstrip("/")


def feed_path(scope: str, name: str) -> str:
    return f"{FOLDERS[scope]}/{name}.ics"


def webcal(url: str) -> str:
    """The ``webcal://`` form of an http(s) URL (calendar apps open it as a subscription)."""
    return "webcal://" + url.split("://", 1)[1]


def member_urls(base_url: str, token: str) -> tuple[str, str]:
    url = f"{check_base_url(base_url)}/{feed_path('member', token)}"
    return url, webcal(url)


def build(registry: Registry, folder: str | Path, *, base_url: str = "", now: dt.datetime | None = None) -> BuildReport:
    """Write every network, activity and member feed and the index into ``folder``."""
    base = check_base_url(base_url) if base_url else ""
    folder = prepare_folder(folder)
    old = _read_manifest(folder)
    cache = feeds.BlockCache(registry)
    manifest: dict[str, str] = {}
    written, index, unchanged = [], [], 0

    def url_of(scope: str, name: str) -> str:
        return f"{base}/{feed_path(scope, name)}" if base and scope != "member" else ""

    for entry in feed_index.entries(registry, cache, url_of=url_of, now=now):
        path = feed_path(entry.scope, entry.name)
        url = url_of(entry.scope, entry.name)
        manifest[path] = entry.digest
        if not entry.private:
            index.append({"scope": entry.scope, "name": entry.title, "path": path,
                          **({"url": url, "webcal": webcal(url)} if url else {})})
        if old.get(path) == entry.digest and (folder / path).exists():
            unchanged += 1
            continue
        feed = feeds.resolve(registry, feeds.FeedQuery(entry.scope, entry.key), now=now, known=cache.networks)
        target = AtomicFile(folder / path)
        with target as out:
            feeds.write(registry, feed, out, url=url, cache=cache)
        if target.changed:
            written.append(path)
        else:
            unchanged += 1
    removed = []
    for path in sorted(old.keys() - manifest.keys()):
        target = folder / path
        if target.exists():
            target.unlink()
            removed.append(path)
    for name, data in (("index.json", _index_json(index)), ("index.html", _index_html(index))):
        if write_atomic(folder / name, data):
            written.append(name)
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=0, sort_keys=True).encode())
    return BuildReport(tuple(written), tuple(removed), unchanged, len(manifest))


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
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Calendar feeds</title></head>\n"
        "<body><h1>Calendar feeds</h1>\n<p>Subscribe to a feed in your calendar application.</p>\n"
        f"<ul>\n{items}\n</ul></body></html>\n"
    )
    return page.encode("utf-8")
