"""Benchmark: the activity log and the yearly report on a large registry.

Builds a registry of N activities (all in one network and one year, so the
report counts every one of them) with ten participations each, then runs
``peerlearn log`` in every format and ``peerlearn report`` as Markdown and
HTML through the real CLI, each in a fresh process so that its figures are
its own. Prints, per command: the wall and CPU time (the CPU time is the
steadier figure on a shared machine), the process's peak resident
memory (``VmHWM``) and the peak of Python allocations (tracemalloc, in
a second run). Two sizes show that memory stays flat as the rows grow::

    python benchmarks/bench_logs.py                  # 10,000 and 50,000 activities
    python benchmarks/bench_logs.py --sizes 50000    # one size

:func:`measures` gives ``benchmarks/run.py`` the Markdown log and report
against the CSV log of the same registry, with their peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

NETWORK = "bench"
YEAR = 2025
COUNTRIES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK NO IS EU".split()
KINDS = ("workshop", "peer_review", "site_visit", "study_visit", "conference", "webinar")
COMMANDS = [
    ("log csv", ["log", "--network", NETWORK, "--format", "csv"]),
    ("log jsonl", ["log", "--network", NETWORK, "--format", "jsonl"]),
    ("log md", ["log", "--network", NETWORK, "--format", "md"]),
    ("log html", ["log", "--network", NETWORK, "--format", "html"]),
    ("report md", ["report", "--network", NETWORK, "--year", str(YEAR), "--format", "md"]),
    ("report html", ["report", "--network", NETWORK, "--year", str(YEAR), "--format", "html"]),
]


def build(path: Path, activities: int, per_activity: int = 10, members: int = 5000) -> None:
    """Fill a new registry quickly with plain SQL (the schema comes from the real migrations)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from peerlearn.registry.store import Registry

    rng = random.Random(20250101)
    registry = Registry.open(path, actor="bench")
    conn = registry.conn
    now = "2025-12-31T00:00:00+00:00"
    conn.execute("BEGIN")
    conn.execute("INSERT INTO networks (slug, name, timezone) VALUES (?, ?, ?)",
                 [NETWORK, "Benchmark Network", "Europe/Brussels"])
    conn.executemany(
        "INSERT INTO members (id, name, name_key, country, email, type, feed_token, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'organisation', ?, ?)",
        [(i, f"Member {i}", f"member {i}", COUNTRIES[i % len(COUNTRIES)], f"contact{i}@example.org", f"token-{i}",
          now) for i in range(1, members + 1)],
    )
    brussels = ZoneInfo("Europe/Brussels")
    first = dt.datetime(YEAR, 1, 1, 9, 30, tzinfo=brussels)
    seconds = 364 * 24 * 3600
    rows = []
    for i in range(1, activities + 1):
        start = first + dt.timedelta(seconds=rng.randrange(seconds) // 3600 * 3600)
        end = start + dt.timedelta(hours=7)
        roll = rng.random()
        status = "cancelled" if roll < 0.05 else "completed" if roll < 0.85 else "confirmed"
        utc = dt.timezone.utc
        rows.append((
            i, f"bench-{i}@peerlearn", NETWORK, KINDS[i % len(KINDS)], f"Activity {i}: peer learning on topic {i % 97}",
            status, start.astimezone(utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            end.astimezone(utc).strftime("%Y-%m-%dT%H:%M:%SZ"), start.strftime("%Y-%m-%dT%H:%M:%S"),
            end.strftime("%Y-%m-%dT%H:%M:%S"), "Europe/Brussels", "City", COUNTRIES[i % 27],
            rng.randrange(1, members + 1) if i % 3 == 0 else None, now, now,
        ))
    conn.executemany(
        "INSERT INTO activities (id, uid, network, kind, title, status, start_utc, end_utc, start_local, end_local,"
        " timezone, city, country, host_member_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )

    def participations():
        for activity in range(1, activities + 1):
            for member in rng.sample(range(1, members + 1), per_activity):
                yield activity, member, "attended" if rng.random() < 0.8 else "registered", now

    conn.executemany("INSERT INTO participations (activity_id, member_id, status, updated_at) VALUES (?, ?, ?, ?)",
                     participations())
    conn.executemany(
        "INSERT INTO outputs (activity_id, kind, title, url, date, country, themes, description)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(i, "good_practice" if i % 50 == 0 else "final_report", f"Output of activity {i}",
          f"https://example.org/outputs/{i}", f"{YEAR}-12-01", COUNTRIES[i % 27] if i % 50 == 0 else None,
          '["integration"]', "A practice worth sharing." if i % 50 == 0 else "")
         for i in range(5, activities + 1, 5)],
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    registry.close()


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, which (unlike ru_maxrss) starts afresh at exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(db: str, args: list[str], out: str, trace: bool) -> dict:
    """Run one command in this process; return its time and memory (called in a child process)."""
    import tracemalloc

    from peerlearn.cli import cli

    if trace:
        tracemalloc.start()
    began, cpu = time.perf_counter(), time.process_time()
    try:
        cli.main(["--db", db, *args, "--output", out], prog_name="peerlearn", standalone_mode=False)
    finally:
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    figures = {"seconds": seconds, "cpu": cpu, "maxrss_mb": peak_rss_mb(), "bytes": os.path.getsize(out)}
    if trace:
        figures["python_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return figures


def child(db: str, args: list[str], out: str, trace: bool) -> dict:
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from bench_logs import measure;"
            " print(json.dumps(measure(sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], sys.argv[5] == '1')))")
    environment = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
                   "PEERLEARN_LOAD_PLUGINS": "", "PEERLEARN_ACTOR": "bench"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent), db, json.dumps(args), out, "1" if trace else "0"],
        capture_output=True, text=True, env=environment, check=False,
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measures(sizes: list[int], workdir: Path, runs: int = 3) -> Iterator[dict]:
    """Yield rows for ``benchmarks/run.py``: ``log`` and ``report`` as Markdown against ``log`` as CSV.

    CSV is the reference: the plainest format of the same rows, read from the
    same registry in the same run. Peak memory is the command's own
    (``VmHWM``), to show it stays flat as the registry grows.
    """
    import statistics

    wanted = {"log md": ("log csv", 1.2), "report md": ("log csv", 1.2)}
    for size in sorted(sizes):
        db = workdir / f"bench-{size}.db"
        if not db.exists():
            build(db, size)
        figures: dict[str, list[dict]] = {}
        for _ in range(runs):
            for label, args in COMMANDS:
                if label in wanted or label in {reference for reference, _ in wanted.values()}:
                    out = str(workdir / f"out-{size}-{label.replace(' ', '.')}")
                    figures.setdefault(label, []).append(child(str(db), args, out, trace=False))
        for label, (reference, target) in wanted.items():
            yield {"measure": f"{label} ({size * 10:,} participations)", "size": size,
                   "peerlearn": statistics.median(run["seconds"] for run in figures[label]),
                   "reference": statistics.median(run["seconds"] for run in figures[reference]),
                   "reference_name": f"{reference} of the same registry", "target": target,
                   "peak_mb": max(run["maxrss_mb"] for run in figures[label])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000", help="Numbers of activities, comma-separated.")
    parser.add_argument("--keep", help="Keep the registries and outputs in this folder.")
    options = parser.parse_args()
    folder = Path(options.keep or tempfile.mkdtemp(prefix="peerlearn-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'activities':>10} {'particip.':>10}  {'command':<12} {'seconds':>8} {'CPU s':>6} {'max RSS MB':>11}"
          f" {'Python peak MB':>15} {'output MB':>10}")
    for size in (int(part) for part in options.sizes.split(",")):
        db = folder / f"bench-{size}.db"
        if not db.exists():
            began = time.perf_counter()
            build(db, size)
            print(f"# built {db.name} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        for label, args in COMMANDS:
            out = str(folder / f"out-{size}-{label.replace(' ', '.')}")
            timed = child(str(db), args, out, trace=False)
            traced = child(str(db), args, out, trace=True)
            print(f"{size:>10,} {size * 10:>10,}  {label:<12} {timed['seconds']:>8.2f} {timed['cpu']:>6.2f}"
                  f" {timed['maxrss_mb']:>11.1f}"
                  f" {traced['python_peak_mb']:>15.1f} {timed['bytes'] / 2**20:>10.1f}", flush=True)


if __name__ == "__main__":
    main()
