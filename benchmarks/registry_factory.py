"""Big registries for the benchmarks, written straight through SQL in seconds.

    python benchmarks/registry_factory.py PATH --activities 100000

A registry of N activities over the four shipped networks (a tenth of them
whole-day, one in fifty cancelled, every fourth a peer review with a host and
two peers), ``sessions_per`` sessions each in three tracks, a speaker role
with a member on every tenth session, N/5 members (at least 10) each in one
network, and 10 participations per member. Dates spread from 150 days ago to
400 days ahead of ``now``, so nearly everything is inside the feeds' window.
Rows go in with ``executemany`` in one transaction, after the registry's own
migrations; the change log stays empty (nothing was "changed", it was there).
Standard library and peerlearn only; the same ``seed`` gives the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

NETWORKS = ("esf_migration", "integration_network", "mutual_learning", "pes")
KINDS = {"esf_migration": "workshop", "integration_network": "study_visit", "mutual_learning": "peer_review",
         "pes": "event"}
ZONE = "Europe/Brussels"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make(path: Path | str, activities: int, *, sessions_per: int = 5, members: int | None = None, seed: int = 5,
         now: dt.datetime | None = None):
    """Create the registry at ``path`` (which must not exist) and return it open."""
    from zoneinfo import ZoneInfo

    from peerlearn.registry import networks
    from peerlearn.registry.records import feed_token_hash
    from peerlearn.registry.store import Registry

    rng = random.Random(seed)
    members = members if members is not None else max(10, activities // 5)
    now = now or dt.datetime.now(dt.timezone.utc)
    stamp = now.isoformat()
    local = ZoneInfo(ZONE)
    registry = Registry.open(path, actor="bench")
    with registry.transaction():
        networks.sync_plugins(registry)
    conn = registry.db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        tokens = [f"tok{seed}-{i:07d}-{rng.getrandbits(64):016x}" for i in range(members + 1)]
        conn.executemany(
            "INSERT INTO members (id, name, name_key, country, email, type, feed_token, feed_token_hash, created_at)"
            " VALUES (?, ?, ?, 'BE', ?, 'organisation', ?, ?, ?)",
            ((i, f"Member {i}", f"member {i}", f"m{i}@example.org", tokens[i], feed_token_hash(tokens[i]), stamp)
             for i in range(1, members + 1)))
        conn.executemany("INSERT INTO memberships (member_id, network, role) VALUES (?, ?, 'member')",
                         ((i, NETWORKS[i % 4]) for i in range(1, members + 1)))
        by_network: dict[str, list[int]] = {slug: [] for slug in NETWORKS}
        members_of = {slug: [i for i in range(1, members + 1) if NETWORKS[i % 4] == slug] for slug in NETWORKS}
        rows, peers, sessions, roles = [], [], [], []
        session_id = 0
        today = now.date()
        for i in range(1, activities + 1):
            network = NETWORKS[i % 4]
            by_network[network].append(i)
            day = today + dt.timedelta(days=rng.randrange(-150, 400))
            all_day = i % 10 == 0
            if all_day:
                start = dt.datetime.combine(day, dt.time(), local)
                end = start + dt.timedelta(days=2)
            else:
                start = dt.datetime.combine(day, dt.time(9, 30), local)
                end = start + dt.timedelta(hours=7, minutes=30)
            host = None
            if i % 4 == 2 and members_of[network]:  # mutual_learning: a peer review with a host and two peers
                host, *pair = rng.sample(members_of[network], min(3, len(members_of[network])))
                peers.extend((i, member) for member in pair)
            rows.append((i, f"bench-{i}@peerlearn", network, KINDS[network],
                         f"Activity {i}: mutual learning, peer review; day {i}",
                         f"Programme of activity {i}.\nSecond line.", "cancelled" if i % 50 == 0 else "confirmed",
                         _utc(start), _utc(end), start.strftime("%Y-%m-%dT%H:%M:%S"),
                         end.strftime("%Y-%m-%dT%H:%M:%S"), ZONE, int(all_day), "Conference centre", "Brussels",
                         "BE", host, json.dumps(["integration of migrants"]), stamp, stamp))
            for j in range(sessions_per):
                session_id += 1
                begin = start + dt.timedelta(hours=j)
                finish = begin + dt.timedelta(minutes=50)
                sessions.append((session_id, i, f"s{j + 1}", f"Session {j + 1}", "workshop", _utc(begin),
                                 _utc(finish), begin.strftime("%Y-%m-%dT%H:%M:%S"),
                                 finish.strftime("%Y-%m-%dT%H:%M:%S"), ZONE, "ABC"[j % 3], f"Room {j}", stamp, stamp))
                if session_id % 10 == 1:
                    roles.append((session_id, rng.randrange(1, members + 1), f"Speaker {session_id}",
                                  f"speaker {session_id}"))
        conn.executemany(
            "INSERT INTO activities (id, uid, network, kind, title, description, status, start_utc, end_utc,"
            " start_local, end_local, timezone, all_day, venue, city, country, host_member_id, themes, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO activity_peers (activity_id, member_id) VALUES (?, ?)", peers)
        conn.executemany(
            "INSERT INTO sessions (id, activity_id, key, title, kind, start_utc, end_utc, start_local, end_local,"
            " timezone, track, room, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sessions)
        conn.executemany(
            "INSERT INTO roles (session_id, member_id, name, person_key, role, status, position)"
            " VALUES (?, ?, ?, ?, 'speaker', 'confirmed', 1)", roles)
        conn.executemany(
            "INSERT OR IGNORE INTO participations (activity_id, member_id, status, updated_at)"
            " VALUES (?, ?, 'registered', ?)",
            ((activity_id, member, stamp) for member in range(1, members + 1)
             for activity_id in rng.sample(by_network[NETWORKS[member % 4]],
                                           min(10, len(by_network[NETWORKS[member % 4]])))))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--sessions-per", type=int, default=5)
    parser.add_argument("--members", type=int)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    began = time.perf_counter()
    make(args.path, args.activities, sessions_per=args.sessions_per, members=args.members, seed=args.seed).close()
    print(f"{args.path}: {args.activities} activities in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
