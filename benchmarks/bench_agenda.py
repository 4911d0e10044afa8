"""Benchmark: ``agenda check`` across 5,000 activities, 50,000 sessions and 100,000 roles.

Run by hand: ``python benchmarks/bench_agenda.py [--db PATH]``. Builds the
registry with bulk inserts (a few seconds), then times the whole-registry
check, a one-activity check and the CLI command, and prints the figures.
Clashes are found by sorting and sweeping, so the time grows with the rows,
not with the pairs.

``python benchmarks/bench_agenda.py --table [--sizes 1000,10000]`` prints
instead the rows :func:`measures` gives ``benchmarks/run.py``: the whole
command ``agenda check --all --json`` at that many activities (ten sessions of
two roles each, so twenty roles per activity: 1,000 activities hold 20,000
roles), its peak memory, against a plain script reading every role with its
session's times (what any check must at least read), run side by side. Sizes
are activities here as in every module ``run.py`` drives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

ACTIVITIES, SESSIONS_EACH, ROLES_EACH = 5_000, 10, 2
PEOPLE = 30_000


def build(path: Path, activities_count: int = ACTIVITIES) -> None:
    from peerlearn.registry import networks
    from peerlearn.registry.store import Registry
    from peerlearn.timeutil import to_local_text, to_utc_text

    rng = random.Random(42)
    registry = Registry.open(path, actor="bench")
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    start0 = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.timezone.utc)
    tz = "Europe/Brussels"
    slugs = ["esf_migration", "integration_network", "pes", "mutual_learning"]
    with registry.transaction():
        networks.sync_plugins(registry)
        activities, sessions, roles = [], [], []
        session_id = 0
        for activity_id in range(1, activities_count + 1):
            begin = start0 + dt.timedelta(days=rng.randrange(0, 730), hours=rng.randrange(0, 3))
            end = begin + dt.timedelta(hours=8)
            activities.append((activity_id, f"bench-{activity_id}@peerlearn", slugs[activity_id % 4], "workshop",
                               f"Activity {activity_id}", "confirmed", to_utc_text(begin), to_utc_text(end),
                               to_local_text(begin, tz), to_local_text(end, tz), tz, rng.choice(
                                   ["Brussels", "Lisbon", "Berlin", "Warsaw"]), now, now))
            for index in range(SESSIONS_EACH):
                session_id += 1
                slot = begin + dt.timedelta(minutes=45 * (index // 2) + 15)
                finish = slot + dt.timedelta(minutes=40)
                track = "AB"[index % 2]
                sessions.append((session_id, activity_id, f"s{index}", f"Session {index} of {activity_id}",
                                 "workshop" if index % 2 else "panel", to_utc_text(slot), to_utc_text(finish),
                                 to_local_text(slot, tz), to_local_text(finish, tz), tz, track, f"Room {track}",
                                 now, now))
                for position in range(ROLES_EACH):
                    name = f"Person {rng.randrange(PEOPLE)}"
                    status = rng.choice(["confirmed", "tbc", "tbd"])
                    roles.append((session_id, "chair" if position == 0 else "speaker", status, name, name.casefold(),
                                  rng.choice([5, 10, 15]), position))
        db = registry.conn
        db.executemany(
            "INSERT INTO activities (id, uid, network, kind, title, status, start_utc, end_utc, start_local,"
            " end_local, timezone, city, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", activities)
        db.executemany(
            "INSERT INTO sessions (id, activity_id, key, title, kind, start_utc, end_utc, start_local, end_local,"
            " timezone, track, room, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", sessions)
        db.executemany(
            "INSERT INTO roles (session_id, role, status, name, person_key, speaking_minutes, position)"
            " VALUES (?,?,?,?,?,?,?)", roles)
    registry.conn.execute("ANALYZE")
    registry.close()


def best_of(function, repeat: int = 3):
    """The result of ``function`` and its best time of ``repeat`` runs, in seconds."""
    best, result = None, None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - began
        best = elapsed if best is None else min(best, elapsed)
    return result, best


def timed(label: str, function, repeat: int = 3):
    result, best = best_of(function, repeat)
    print(f"{label:<48} {best * 1000:8.1f} ms")
    return result


READ_ROLES = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute("SELECT r.person_key, r.member_id, s.start_utc, s.end_utc, s.id, s.activity_id, r.status"
                    " FROM roles r JOIN sessions s ON s.id = r.session_id").fetchall()
print(len(rows))
"""


#: runs its arguments as a child and prints the child's wall seconds and peak resident memory (KB): a process of
#: its own, so that the peak is that child's alone
TIMED_CHILD = """
import resource, subprocess, sys, time
began = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _child(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of a fresh process running ``args``."""
    import os

    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PEERLEARN_LOAD_PLUGINS"] = ""  # peerlearn's own checks only: what is measured
    out = subprocess.run([sys.executable, "-c", TIMED_CHILD, *args], capture_output=True, text=True, check=True,
                         env=environment).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def measures(sizes: list[int], workdir: Path, runs: int = 3) -> Iterator[dict]:
    """Yield one row per size (activities, twenty roles each) for ``benchmarks/run.py``: ``agenda check --all``
    against reading the roles."""
    import statistics

    for size in sorted(sizes):
        db = workdir / f"agenda-{size}.db"
        if not db.exists():
            build(db, size)
        mine, reference, peak = [], [], 0.0
        for _ in range(runs):
            reference.append(_child([sys.executable, "-c", READ_ROLES, str(db)])[0])
            seconds, peak_mb = _child([sys.executable, "-m", "peerlearn", "--db", str(db), "agenda", "check", "--all",
                                    "--json"])
            mine.append(seconds)
            peak = max(peak, peak_mb)
        roles = size * SESSIONS_EACH * ROLES_EACH
        yield {"measure": f"agenda check --all --json ({roles:,} roles)", "size": size,
               "peerlearn": statistics.median(mine), "reference": statistics.median(reference),
               "reference_name": "a script reading every role with its session's times", "target": 4.0,
               "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="Registry file to build (default: a temporary one).")
    parser.add_argument("--table", action="store_true", help="Print the rows benchmarks/run.py gathers.")
    parser.add_argument("--sizes", default="1000,10000", help="With --table: activities, comma-separated.")
    args = parser.parse_args()
    if args.table:
        with tempfile.TemporaryDirectory() as folder:
            for row in measures([int(size) for size in args.sizes.split(",")], Path(folder)):
                print(f"{row['measure']} at {row['size']:,}: {row['peerlearn']:.2f} s against {row['reference']:.2f} s"
                      f" ({row['peerlearn'] / row['reference']:.2f}x, target {row['target']}x);"
                      f" peak {row['peak_mb']:.0f} MB", flush=True)
        return
    path = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    if path.exists():
        path.unlink()
    began = time.perf_counter()
    build(path)
    print(f"built {path}: {ACTIVITIES} activities, {ACTIVITIES * SESSIONS_EACH} sessions,"
          f" {ACTIVITIES * SESSIONS_EACH * ROLES_EACH} roles in {time.perf_counter() - began:.1f} s")

    from peerlearn.agenda import checks, clashes
    from peerlearn.registry import activities
    from peerlearn.registry.store import Registry

    registry = Registry.open(path)
    reference, direct = best_of(lambda: clashes.core_checks(registry))
    findings, through_hook = best_of(lambda: checks.check_registry(registry))
    print(f"{'peerlearn checks, called directly (reference)':<48} {direct * 1000:8.1f} ms")
    print(f"{'agenda check --all (library, through the hook)':<48} {through_hook * 1000:8.1f} ms"
          f"  ({through_hook / direct:.2f}x the reference)")
    assert len(findings) == len(reference)
    kinds: dict[str, int] = {}
    for finding in findings:
        kinds[finding.code] = kinds.get(finding.code, 0) + 1
    print(f"  findings: {len(findings)} {dict(sorted(kinds.items()))}")
    timed("  of which person clashes (sort and sweep)", lambda: clashes.person_clashes(registry))
    activity = activities.get(registry, 2500)
    timed("agenda check ACTIVITY (library, one activity)", lambda: checks.check_activity(registry, activity))
    registry.close()
    for args_ in (["agenda", "check", "2500"], ["agenda", "check", "--all", "--json"]):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c",
                        "from peerlearn.cli import main; main()", "--db", str(path), *args_],
                       capture_output=True, check=False)
        print(f"{'peerlearn ' + ' '.join(args_) + ' (CLI, whole process)':<48} "
              f"{(time.perf_counter() - began) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
