"""Member-token lookup benchmark: run by hand, prints figures (no assertion).

    python benchmarks/bench_tokens.py [--members 200000] [--activities 40] [--requests 300]

On a registry of 200,000 members it measures, side by side in one run and
through a real ``peerlearn serve`` server (waitress, on 127.0.0.1):

1. requests for a member feed whose token is unknown (a fresh random token
   each time: what an attacker would send), against
2. requests for a network feed (``/networks/pes.ics``, 40 activities): the
   reference an unknown token must not cost more than;

and prints the ratio (target: <= 1). The same two are also measured as bare
WSGI calls (the application's own work, without HTTP), and, for scale, the
former way of finding a member: comparing the token with every member's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hmac
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


def make_registry(path: Path, members: int, activities: int) -> None:
    from peerlearn.models import Activity
    from peerlearn.registry import activities as activity_lib
    from peerlearn.registry import networks
    from peerlearn.registry.records import feed_token_hash
    from peerlearn.registry.store import Registry

    with Registry.open(path, actor="bench") as registry:
        with registry.transaction():
            networks.sync_plugins(registry)
        now = dt.datetime.now(dt.timezone.utc).isoformat()
        tokens = (secrets.token_urlsafe(16) for _ in range(members))
        with registry.transaction():
            registry.db.conn.executemany(
                "INSERT INTO members (id, name, name_key, country, email, type, feed_token,"
                " feed_token_hash, created_at) VALUES (?, ?, ?, 'BE', '', 'organisation', ?, ?, ?)",
                ((i, f"Member {i}", f"member {i}", token, feed_token_hash(token), now)
                 for i, token in enumerate(tokens, start=1)))
            start = dt.datetime.now(dt.timezone.utc).replace(hour=8, minute=0, second=0, microsecond=0)
            for number in range(activities):
                begin = start + dt.timedelta(days=7 * number + 3)
                activity_lib.add(registry, Activity(
                    network="pes", kind="event", title=f"PES Network event {number + 1}", start=begin,
                    end=begin + dt.timedelta(hours=7), city="Brussels", country="BE",
                    description="Thematic event of the PES Network.\nFollowed by a paper."))


def timed(call, count: int) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return times


def side_by_side(first, second, count: int) -> tuple[list[float], list[float]]:
    """Both calls, alternated, so that the machine's load falls on both alike."""
    one, two = [], []
    for _ in range(count):
        one += timed(first, 1)
        two += timed(second, 1)
    return one, two


def http_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def wsgi_get(app, path: str) -> str:
    answer = []
    body = app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1"}, lambda status, headers: answer.append(status))
    b"".join(body)
    return answer[0]


def row(label: str, times: list[float]) -> str:
    median = statistics.median(times)
    return f"| {label} | {median * 1000:.2f} ms | {statistics.mean(times) * 1000:.2f} ms | {1 / median:,.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--activities", type=int, default=40)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    import logging

    from peerlearn.feeds.server import FeedApp, make_server
    from peerlearn.registry.store import Registry

    logging.getLogger("peerlearn.server").setLevel(logging.WARNING)  # no request log on the terminal
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tokens.db"
        began = time.perf_counter()
        make_registry(path, args.members, args.activities)
        print(f"registry: {args.members:,} members, {args.activities} activities in pes"
              f" ({path.stat().st_size / 1e6:.0f} MB), built in {time.perf_counter() - began:.1f} s")

        server = make_server(path, "127.0.0.1", 0, threads=4)
        closed = threading.Event()

        def serve() -> None:
            try:
                server.run()
            except (OSError, ValueError):  # the loop may notice its sockets closing under it
                if not closed.is_set():
                    raise

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        with Registry.open(path, create=False) as registry:
            known = registry.one("SELECT feed_token FROM members WHERE id = ?", [args.members // 2])["feed_token"]

        def unknown() -> str:
            return secrets.token_urlsafe(16)

        for _ in range(8):  # every server thread opens its connection; the network feed's blocks are cached
            assert http_get(f"{base}/networks/pes.ics") == 200
            assert http_get(f"{base}/members/{unknown()}.ics") == 404
            assert http_get(f"{base}/members/{known}.ics") == 200

        lost, network = side_by_side(lambda: http_get(f"{base}/members/{unknown()}.ics"),
                                     lambda: http_get(f"{base}/networks/pes.ics"), args.requests)
        member = timed(lambda: http_get(f"{base}/members/{known}.ics"), args.requests // 3)
        closed.set()
        server.close()
        thread.join(timeout=5)

        app = FeedApp(path)
        assert wsgi_get(app, "/networks/pes.ics").startswith("200")
        assert wsgi_get(app, f"/members/{unknown()}.ics").startswith("404")
        bare_lost, bare_network = side_by_side(lambda: wsgi_get(app, f"/members/{unknown()}.ics"),
                                               lambda: wsgi_get(app, "/networks/pes.ics"), args.requests)

        with Registry.open(path, create=False) as registry:
            def scan() -> None:  # how a member was found before: its token compared with every member's
                given = unknown().encode()
                for _member_id, stored in registry.db.execute("SELECT id, feed_token FROM members"):
                    hmac.compare_digest(given, stored.encode())

            scanned = timed(scan, 5)

    print()
    print("| request | median | mean | requests/s (median) |")
    print("|---|---|---|---|")
    print(row("HTTP: unknown member token (404)", lost))
    print(row(f"HTTP: network feed, {args.activities} events (200)", network))
    print(row("HTTP: a member's feed, empty (200)", member))
    print(row("WSGI call: unknown member token", bare_lost))
    print(row("WSGI call: network feed", bare_network))
    print(row(f"former lookup: compare with all {args.members:,} tokens", scanned))
    print()
    ratio = statistics.median(lost) / statistics.median(network)
    bare = statistics.median(bare_lost) / statistics.median(bare_network)
    print(f"unknown token / network feed: {ratio:.2f} over HTTP, {bare:.2f} as WSGI calls (target <= 1)")
    print(f"former scan / unknown token now (WSGI): {statistics.median(scanned) / statistics.median(bare_lost):,.0f}x")


if __name__ == "__main__":
    sys.exit(main())
