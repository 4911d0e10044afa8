"""Serving the feeds from the registry over HTTP (a WSGI app run by waitress).

Paths are those of the static build: ``/networks/<slug>.ics``,
``/activities/<id>.ics``, ``/members/<token>.ics`` and ``/`` (the index, as
JSON). Filters come as query parameters: ``kind``, ``status``, ``from``,
``to``. Every answer to GET or HEAD carries a strong ETag (a hash of the
body) and a ``Last-Modified`` date, and honours ``If-None-Match`` (which wins
when both are sent) and ``If-Modified-Since`` with ``304 Not Modified``.

``Last-Modified`` is the latest of everything a feed's text can follow: the
last write to the registry (the modification and status-change times of its
file and of its WAL, read with ``os.stat``), the moment the server started
(the loaded plugins and peerlearn's own version shape every feed), and the
start of the current day (the server fixes a feed's default window to whole
days, so that time moves a feed's content only at midnight). It may be later
than the last change of the feed itself, never earlier: a client that sends
it back is told ``304`` only if nothing the feed follows changed. HTTP dates
count whole seconds, so the date is sent only once it is two seconds old; until
then a second write in the same second could not be told apart.

Every request reads the latest committed state: each worker thread keeps its
own connection, opened again when the registry file was replaced, and
closed and replaced after any request that failed with it, so a request never
inherits a broken connection or an unfinished transaction.

A member feed answers only to its current token, looked up by the token's
indexed hash and compared in constant time; a wrong, rotated or malformed
token gets the very same 404 as an unknown feed. Member feeds are
``Cache-Control: private`` with ``Referrer-Policy: no-referrer``, and the
log never shows a token whole. Every request is logged in the common log
format.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import parse_qs

from .. import plugins
from ..errors import NotFound, PeerlearnError, PluginError, RegistryError, ValidationError
from ..registry import members, networks
from ..registry.activities import published_sql
from ..registry.store import Registry
from ..text import number_in
from ..timeutil import parse_moment
from . import blocks, selection
from .layout import feed_path, parse_feed_path, redact

log = logging.getLogger("peerlearn.server")

MAX_AGE = 900
#: How old a Last-Modified date must be before it is sent (HTTP dates count whole seconds).
SETTLED = 2.0
NOT_FOUND = b"Not found\n"


class FeedApp:
    """The WSGI application. One registry connection per server thread."""

    def __init__(self, db_path: str | Path, *, base_url: str = "", clock: Callable[[], float] = time.time) -> None:
        self.db_path = Path(db_path)
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.started = clock()
        self._local = threading.local()
        #: what a feed is served as: the media type of the calendar exporter, which writes feeds
        self.calendar_type = plugins.exporters("calendar")["ics"].media_type

    def registry(self, identity: tuple[int, int]) -> Registry:
        """This thread's connection to the registry file ``identity`` (device, inode), opened if needed."""
        local = self._local
        registry = getattr(local, "registry", None)
        if registry is not None and (local.identity != identity or registry.conn.in_transaction):
            self.discard()  # the file was replaced, or a transaction was left open
            registry = None
        if registry is None:
            registry = Registry.open(self.db_path, create=False)
            local.registry, local.identity = registry, identity
        return registry

    def discard(self) -> None:
        """Close this thread's connection (after an error); the next request opens a new one."""
        registry = getattr(self._local, "registry", None)
        self._local.registry = None
        if registry is not None:
            try:
                registry.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is dropped anyway
                log.debug("closing a failed connection", exc_info=True)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            status, headers, body = self.respond(environ)
        except Exception:  # noqa: BLE001 - logged here, path redacted, so no server logs a token
            log.exception("error serving %s", redact(environ.get("PATH_INFO", "")))
            self.discard()
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
        # Before anything is read: a write after this moment moves the next answer's date.
        now = self.clock()
        identity, modified = self._registry_state(now)
        try:
            if path == "/":
                body = self._index(self.registry(identity))
                return self._ok(environ, body, "application/json; charset=utf-8", private=False,
                                modified=modified, now=now)
            found = parse_feed_path(path)
            if not found or not path.startswith("/"):
                return _not_found()
            scope, key = found
            registry = self.registry(identity)
            if scope == "member":
                member_id = members.by_feed_token(registry, key)
                if member_id is None:
                    return _not_found()
                key = str(member_id)
            elif scope == "activity" and number_in(key) is None:  # not a number, or none a record can have
                return _not_found()
            query = _query(environ, scope, key)
            feed = selection.resolve(registry, query, now=_day_start(now))
            url = f"{self.base_url}{path}" if self.base_url and not feed.private else ""
            body = blocks.render(registry, feed, url=url).encode("utf-8")
            return self._ok(environ, body, self.calendar_type, private=feed.private, modified=modified, now=now)
        except NotFound:
            return _not_found()
        except (PluginError, RegistryError):
            raise  # the server's fault, not the request's: a 500
        except PeerlearnError as error:
            return "400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")], f"{_wording(error)}\n".encode()

    def _registry_state(self, now: float) -> tuple[tuple[int, int], float]:
        """The registry file's identity (device, inode) and the latest moment a feed's text may have changed."""
        info = os.stat(self.db_path)
        moments = [self.started, _day_start(now).timestamp(), info.st_mtime, info.st_ctime]
        try:
            wal = os.stat(f"{self.db_path}-wal")
        except FileNotFoundError:
            pass
        else:
            moments += [wal.st_mtime, wal.st_ctime]
        return (info.st_dev, info.st_ino), max(moments)

    def _index(self, registry: Registry) -> bytes:
        entries = []
        for slug in selection.subjects(registry, "network"):
            entries.append({"scope": "network", "name": networks.get(registry, slug).name,
                            "path": "/" + feed_path("network", slug)})
        for row in registry.query(f"SELECT id, title FROM activities WHERE {published_sql()} ORDER BY id"):
            entries.append({"scope": "activity", "name": row["title"], "path": "/" + feed_path("activity", row["id"])})
        return (json.dumps({"feeds": entries}, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def _ok(self, environ: dict, body: bytes, content_type: str, *, private: bool, modified: float, now: float):
        etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        headers = [
            ("ETag", etag),
            ("Cache-Control", f"{'private' if private else 'public'}, max-age={MAX_AGE}"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        settled = now - modified >= SETTLED
        if settled:
            headers.append(("Last-Modified", email.utils.formatdate(modified, usegmt=True)))
        if private:
            headers.append(("Referrer-Policy", "no-referrer"))
        if _not_modified(environ, etag, modified if settled else None, now):
            return "304 Not Modified", headers, b""
        headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        return "200 OK", headers, body


def _day_start(now: float) -> dt.datetime:
    """The latest midnight before ``now``, in UTC or in the server's local time, whichever came last.

    A feed's default window starts six months before it, and the year that
    its timezone definitions reach follows the local date: both move only then.
    """
    utc = dt.datetime.fromtimestamp(now, dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    # a naive local midnight, placed by the system's own rules (its UTC offset may differ from now's)
    local = dt.datetime.combine(dt.datetime.fromtimestamp(now).date(), dt.time()).astimezone()
    return max(utc, local.astimezone(dt.timezone.utc))


def _not_modified(environ: dict, etag: str, modified: float | None, now: float) -> bool:
    """RFC 9110 section 13.1: If-None-Match decides when sent; else If-Modified-Since, if we sent a date."""
    if "HTTP_IF_NONE_MATCH" in environ:
        return _etag_matches(environ["HTTP_IF_NONE_MATCH"], etag)
    since = _http_date(environ.get("HTTP_IF_MODIFIED_SINCE", ""))
    if since is None or modified is None or since > now:  # a date from the future is no reference
        return False
    return int(modified) <= since


def _http_date(text: str) -> float | None:
    """An HTTP-date as a timestamp, or None where it is not one (then the header is ignored)."""
    if not text:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


#: The query parameter that gives each field of a feed's query.
PARAMETERS = {"start": "from", "end": "to", "kind": "kind", "status": "status"}


def _wording(error: PeerlearnError) -> str:
    """The library's message, its field named as the query parameter it came from."""
    if error.field in PARAMETERS:
        return f"query parameter {PARAMETERS[error.field]!r}: {error.message}"
    return str(error)


def _etag_matches(header: str, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(candidate.strip().removeprefix("W/") == etag for candidate in header.split(","))


def _query(environ: dict, scope: str, key: str) -> selection.FeedQuery:
    params = {name: values[-1] for name, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    tzname = "UTC"
    moments = {}
    for field in ("start", "end"):
        if params.get(PARAMETERS[field]):
            try:
                moments[field] = parse_moment(params[PARAMETERS[field]], tzname)[0]
            except ValueError as error:
                raise ValidationError(str(error), field=field) from None
    return selection.FeedQuery(scope, key, kind=params.get("kind") or None, status=params.get("status") or None,
                               start=moments.get("start"), end=moments.get("end"))


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
    """A waitress server for the feeds (call ``.run()``; ``.close()`` to stop); port 0 picks a free one.

    A ``host`` that names no address (``''``, ``999.1.1.1``, a name DNS
    does not know), or an address or port this machine cannot listen on,
    is refused here, before anything is served.
    """
    import waitress.server

    Registry.open(db_path, create=False).close()
    try:
        return waitress.server.create_server(FeedApp(db_path, base_url=base_url), host=host, port=port,
                                             threads=threads, ident="peerlearn", clear_untrusted_proxy_headers=True)
    except ValueError:  # waitress: "Invalid host/port specified." where the name resolves to no address
        raise ValidationError(f"{host!r} is not an address or host name this machine can resolve",
                              field="host") from None
    except OSError as error:
        raise ValidationError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
