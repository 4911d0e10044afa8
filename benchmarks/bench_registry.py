"""Benchmarks of the registry and the CLI's start-up (run by hand; prints figures).

    python benchmarks/bench_registry.py [--rows 100000] [--activities 50000] [--runs 15]

1. ``peerlearn members import`` of a validated CSV of N rows, in rows/s.
2. ``peerlearn activities list --network X --from --to --json`` on a registry
   of M activities, with the query plan (it must use an index).
3. Cold start of ``peerlearn --version`` and ``peerlearn --help`` as a ratio to
   a floor command run in the same benchmark.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PEERLEARN = [sys.executable, "-m", "peerlearn"]
FLOOR = [sys.executable, "-c",
         "import click, pluggy; from importlib.metadata import entry_points; entry_points(group='peerlearn')"]
EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()


def run(args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def bench_import(folder: Path, rows: int) -> None:
    for with_network in (False, True):
        db = folder / f"import-{with_network}.db"
        source = folder / f"members-{with_network}.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["name", "country", "email"] + (["network", "category"] if with_network else []))
            for i in range(rows):
                writer.writerow([f"Organisation {i}", EU[i % len(EU)], f"contact{i}@example.org"]
                                + (["pes", "public employment service"] if with_network else []))
        run([*PEERLEARN, "--db", str(db), "init"])
        started = time.perf_counter()
        run([*PEERLEARN, "--db", str(db), "members", "import", str(source)])
        elapsed = time.perf_counter() - started
        what = "members joining PES, each checked by every plugin's rules" if with_network else "members only"
        print(f"members import ({what}): {rows:,} rows in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s"
              " (whole command, process start included; target >= 50,000)")


def bench_list(folder: Path, count: int) -> None:
    from peerlearn.registry.activities import list_query_plan
    from peerlearn.registry.store import Registry
    from peerlearn.timeutil import parse_moment

    db = folder / "activities.db"
    run([*PEERLEARN, "--db", str(db), "init"])
    networks = ["esf_migration", "integration_network", "mutual_learning", "pes"]
    kinds = {"esf_migration": "workshop", "integration_network": "study_visit", "mutual_learning": "conference",
             "pes": "event"}
    base = dt.datetime(2021, 1, 4, 8, 0, tzinfo=dt.timezone.utc)
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    rows = []
    for i in range(count):
        network = networks[i % 4]
        start = base + dt.timedelta(hours=7 * i)
        end = start + dt.timedelta(hours=3)
        rows.append((str(uuid.uuid4()) + "@peerlearn", network, kinds[network], f"Activity {i}", "confirmed",
                     start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                     start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S"), "UTC", now, now))
    with Registry.open(db, actor="bench") as registry:
        with registry.transaction():
            registry.db.conn.executemany(
                "INSERT INTO activities (uid, network, kind, title, status, start_utc, end_utc, start_local,"
                " end_local, timezone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            registry.record("bench", "activity", "*")
        registry.db.execute("ANALYZE")
        last = base + dt.timedelta(hours=7 * count)
        start = base + (last - base) / 2
        end = start + dt.timedelta(days=90)
        plan = list_query_plan(registry, "pes", start, end)
    args = [*PEERLEARN, "--db", str(db), "activities", "list", "--network", "pes", "--from",
            f"{start:%Y-%m-%d}", "--to", f"{end:%Y-%m-%d}", "--json"]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        out = run(args).stdout
        times.append(time.perf_counter() - started)
    print(f"activities list --network --from --to --json on {count:,} activities: {len(json.loads(out))} rows,"
          f" median {statistics.median(times) * 1000:.0f} ms (whole command)")
    print("  query plan: " + " | ".join(plan))


def bench_startup(runs: int) -> None:
    def median(args):
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    exe = str(Path(sys.executable).with_name("peerlearn"))
    median(FLOOR)  # warm the file cache
    floor = median(FLOOR)
    version = median([exe, "--version"])
    help_ = median([exe, "--help"])
    print(f"start-up (median of {runs}): floor {floor * 1000:.0f} ms; --version {version * 1000:.0f} ms"
          f" ({version / floor:.2f}x); --help {help_ * 1000:.0f} ms ({help_ / floor:.2f}x); target <= 1.3x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    os.environ.pop("PEERLEARN_LOAD_PLUGINS", None)
    with tempfile.TemporaryDirectory() as folder:
        bench_startup(options.runs)
        bench_import(Path(folder), options.rows)
        bench_list(Path(folder), options.activities)


if __name__ == "__main__":
    main()
