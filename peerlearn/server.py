"""Serving the feeds from the registry over HTTP (a WSGI app run by waitress).

Paths are those of the static build: ``/networks/<slug>.ics``,
``/activities/<id>.ics``, ``/members/<token>.ics`` and ``/`` (the index, as
JSON). Filters come as query parameters: ``kind``, ``status``, ``from``,
``to``. Every answer to GET or HEAD carries a strong ETag (a hash of the
body) and honours ``If-None-Match`` with ``304 Not Modified``.

A member feed answers only to its current token, compared in constant time
with every member's; a wrong, rotated or malformed token gets the very same
404 as an unknown feed. Member feeds are ``Cache-Control: private`` with
``Referrer-Policy: no-referrer``, and the log never shows a token whole.
Every request is logged in the common log format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import threading
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import parse_qs

from . import feeds, networks
from .errors import NotFound, PeerlearnError, PluginError, RegistryError
from .store import Registry
from .timeutil import parse_moment

log = logging.getLogger("peerlearn.server")

CALENDAR_TYPE = "text/calendar; charset=utf-8"
MAX_AGE = 900
_PATH = re.compile(r"^/(networks|activities|members)/([A-Za-z0-9_-]{1,100})\.ics$")
_MEMBER_PATH = re.compile(r"^(/members/)([A-Za-z0-9_-]{1,100})")
NOT_FOUND = b"Not found\n"


def redact(path: str) -> str:
    """The path as it may be logged: a member token cut to its first 4 characters."""
    return _MEMBER_PATH.sub(lambda m: f"{m.group(1)}{m.group(2)[:4]}...", path)


class FeedApp:
    """The WSGI application. One registry connection per server thread."""

    def __init__(self, db_path: str | Path, *, base_url: str = "") -> None:
        self.db_path = Path(db_path)
        self.base_url = base_url.rstrip("/")
        self._local = threading.local()

    def registry(self) -> Registry:
        registry = getattr(self._local, "registry", None)
        if registry is None:
            registry = self._local.registry = Registry.open(self.db_path, create=False)
        return registry

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            status, headers, body = self.respond(environ)
        except Exception:  # noqa: BLE001 - logged here, path redacted, so no server logs a token
            log.exception("error serving %s", redact(environ.get("PATH_INFO", "")))
            status, headers, body = "500 Internal Server Error", [("Content-Type", "text/plain")], b"Server error\n"
        if environ.get("REQUEST_METHOD") == "HEAD" or status.startswith("304"):
            body = b""
        _log_request(environ, status, len(body))
        start_response(status, headers)
        return [body]

    def respond(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")], \
                b"Method not allowed\n"
        path = environ.get("PATH_INFO", "") or "/"
        try:
            if path == "/":
                return self._ok(environ, self._index(), "application/json; charset=utf-8", private=False)
            match = _PATH.match(path)
            if not match or ".." in path:
                return _not_found()
            scope = {"networks": "network", "activities": "activity", "members": "member"}[match.group(1)]
            key = match.group(2)
            registry = self.registry()
            if scope == "member":
                member_id = member_by_token(registry, key)
                if member_id is None:
                    return _not_found()
                key = str(member_id)
            elif scope == "activity" and not key.isdigit():
                return _not_found()
            query = _query(environ, scope, key, registry)
            feed = feeds.resolve(registry, query)
            url = f"{self.base_url}{path}" if self.base_url and not feed.private else ""
            body = feeds.render(registry, feed, url=url).encode("utf-8")
            return self._ok(environ, body, CALENDAR_TYPE, private=feed.private)
        except NotFound:
            return _not_found()
        except (PluginError, RegistryError):
            raise  # the server's fault, not the request's: a 500
        except PeerlearnError as error:
            return "400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")], f"{error}\n".encode()

    def _index(self) -> bytes:
        registry = self.registry()
        entries = []
        for slug in feeds.subjects(registry, "network"):
            entries.append({"scope": "network", "name": networks.get(registry, slug).name,
                            "path": f"/networks/{slug}.ics"})
        for row in registry.query("SELECT id, title FROM activities WHERE status != 'draft' ORDER BY id"):
            entries.append({"scope": "activity", "name": row["title"], "path": f"/activities/{row['id']}.ics"})
        return (json.dumps({"feeds": entries}, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def _ok(self, environ: dict, body: bytes, content_type: str, *, private: bool):
        etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        headers = [
            ("ETag", etag),
            ("Cache-Control", f"{'private' if private else 'public'}, max-age={MAX_AGE}"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if private:
            headers.append(("Referrer-Policy", "no-referrer"))
        if _etag_matches(environ.get("HTTP_IF_NONE_MATCH", ""), etag):
            return "304 Not Modified", headers, b""
        headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        return "200 OK", headers, body


def member_by_token(registry: Registry, token: str) -> int | None:
    """The member whose feed token is ``token``, comparing with every token in constant time."""
    found = None
    given = token.encode()
    for member_id, stored in registry.db.execute("SELECT id, feed_token FROM members"):
        if hmac.compare_digest(given, (stored or "").encode()):
            found = member_id
    return found


def _etag_matches(header: str, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(candidate.strip().removeprefix("W/") == etag for candidate in header.split(","))


def _query(environ: dict, scope: str, key: str, registry: Registry) -> feeds.FeedQuery:
    from .errors import ValidationError

    params = {name: values[-1] for name, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    tzname = "UTC"
    moments = {}
    for name in ("from", "to"):
        if params.get(name):
            try:
                moments[name] = parse_moment(params[name], tzname)[0]
            except ValueError as error:
                raise ValidationError(f"{name}: {error}") from None
    return feeds.FeedQuery(scope, key, kind=params.get("kind") or None, status=params.get("status") or None,
                           start=moments.get("from"), end=moments.get("to"))


def _not_found():
    return "404 Not Found", [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")], NOT_FOUND


def _log_request(environ: dict, status: str, size: int) -> None:
    """One line in the common log format, the member token redacted."""
    path = redact(environ.get("PATH_INFO", ""))
    query = environ.get("QUERY_STRING", "")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
    request = f"{environ.get('REQUEST_METHOD', '-')} {path}{'?' + query if query else ''} " \
              f"{environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}"
    host = environ.get("REMOTE_ADDR", "-")
    log.info('%s - - [%s] "%s" %s %s', host, stamp, request, status.split(" ", 1)[0], size or "-")


def make_server(db_path: str | Path, host: str = "127.0.0.1", port: int = 8080, *, base_url: str = "",
                threads: int = 4):
    """A waitress server for the feeds (call ``.run()``; ``.close()`` to stop); port 0 picks a free one."""
    import waitress.server

    Registry.open(db_path, create=False).close()
    return waitress.server.create_server(FeedApp(db_path, base_url=base_url), host=host, port=port,
                                         threads=threads, ident="peerlearn", clear_untrusted_proxy_headers=True)
