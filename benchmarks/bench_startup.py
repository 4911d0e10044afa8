"""Benchmark: start-up of the commands that open the registry, and opening at any size.

    python benchmarks/bench_startup.py [--sizes 1000,10000,100000] [--runs 11]

1. ``peerlearn networks list`` and ``peerlearn activities list`` on the demo
   registry, each against the floor measured in the same run: a Python
   that imports click, pluggy and sqlite3 and reads peerlearn's entry points
   (what any command must do). Target: at most 1.5 times the floor.
2. ``Registry.open`` (and close) of a registry of 1,000, 10,000 and 100,000
   activities (ten participations each), in process and warm, against the
   same open at 1,000 activities. Target: the same cost at any size (ratio
   at most 1.5; it was a full ``PRAGMA quick_check`` before).

Start-ups are measured in CPU time (see :func:`_timed`), interleaved (floor,
command, floor, ...) so that a machine busy with something else slows both
alike; each figure is the median. Bytecode is cached as in an installed
package (``PYTHONDONTWRITEBYTECODE`` is left out of the children's
environment), so an editable checkout is not charged for compiling itself. Joins
``benchmarks/run.py`` through :func:`measures`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FLOOR = [sys.executable, "-c",
         "import click, pluggy, sqlite3; from importlib.metadata import entry_points; entry_points(group='peerlearn')"]
PEERLEARN = [sys.executable, "-m", "peerlearn"]


def _quiet_env() -> dict:
    """Every installed plugin, as a user has them; bytecode cached, as an installed package has it."""
    left_out = ("PEERLEARN_LOAD_PLUGINS", "PEERLEARN_DISABLE_PLUGINS", "PYTHONDONTWRITEBYTECODE")
    return {k: v for k, v in os.environ.items() if k not in left_out}


def _timed(args: list[str]) -> float:
    """The CPU time (user and system) of one run of ``args``.

    CPU time, not wall time: on a quiet machine a start-up's two are the same
    (one thread, files in the page cache), and on a busy one the CPU time
    still says what the command costs while the wall time says how busy the
    machine was.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_quiet_env())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def side_by_side(command: list[str], reference: list[str], runs: int) -> tuple[float, float]:
    """Medians of ``command`` and ``reference``, run alternately ``runs`` times each (after one warm-up each)."""
    _timed(command), _timed(reference)
    mine, theirs = [], []
    for _ in range(runs):
        theirs.append(_timed(reference))
        mine.append(_timed(command))
    return statistics.median(mine), statistics.median(theirs)


def demo_registry(folder: Path) -> Path:
    db = folder / "demo.db"
    if not db.exists():
        subprocess.run([*PEERLEARN, "--db", str(db), "demo"], check=True, capture_output=True, env=_quiet_env())
    return db


def startup_measures(folder: Path, runs: int) -> Iterator[dict]:
    import sqlite3

    db = demo_registry(folder)
    connection = sqlite3.connect(db)
    size = connection.execute("SELECT count(*) FROM activities").fetchone()[0]  # the demo's activities
    connection.close()
    for words in (["networks", "list"], ["activities", "list"]):
        command = [*PEERLEARN, "--db", str(db), *words]
        mine, floor = side_by_side(command, FLOOR, runs)
        yield {"measure": f"start-up, CPU s: peerlearn {' '.join(words)} (demo)", "size": size, "peerlearn": mine,
               "reference": floor, "reference_name": "floor: python importing click, pluggy, sqlite3 + entry points",
               "target": 1.5, "peak_mb": None}


OPEN_ONCE = """
import sys, time
from peerlearn.registry.store import Registry
path, runs = sys.argv[1], int(sys.argv[2])
Registry.open(path, create=False, upgrade=False).close()
times = []
for _ in range(runs):
    started = time.perf_counter()
    Registry.open(path, create=False, upgrade=False).close()
    times.append(time.perf_counter() - started)
times.sort()
print(times[len(times) // 2])
"""


def opening_measures(folder: Path, sizes: list[int], runs: int) -> Iterator[dict]:
    from bench_logs import build

    def registry_of(size: int) -> Path:
        db = folder / f"activities-{size}.db"
        if not db.exists():
            build(db, size)
        return db

    def open_time(path: Path) -> float:
        out = subprocess.run([sys.executable, "-c", OPEN_ONCE, str(path), str(runs)], check=True,
                             capture_output=True, text=True, env=_quiet_env()).stdout
        return float(out)

    reference_db = registry_of(1000)
    for size in sizes:
        db = registry_of(size)
        mine, reference = [], []
        for _ in range(3):
            reference.append(open_time(reference_db))
            mine.append(open_time(db))
        yield {"measure": "open a registry (warm, in process)", "size": size, "peerlearn": statistics.median(mine),
               "reference": statistics.median(reference), "reference_name": "the same open at 1,000 activities",
               "target": 1.5, "peak_mb": None}


def measures(sizes: list[int], workdir: Path, runs: int = 11) -> Iterator[dict]:
    """Yield one row per measure and size (see ``benchmarks/run.py``)."""
    yield from startup_measures(workdir, runs)
    yield from opening_measures(workdir, sizes, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="activities in the opened registries")
    parser.add_argument("--runs", type=int, default=11, help="runs of each command (the median is kept)")
    parser.add_argument("--workdir", type=Path, help="keep registries here (default: a temporary folder)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.workdir or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'measure':48} {'size':>7} {'peerlearn':>10} {'reference':>10} {'ratio':>6} {'target':>6}")
        for row in measures(sizes, folder, args.runs):
            ratio = row["peerlearn"] / row["reference"]
            verdict = "pass" if ratio <= row["target"] else "FAIL"
            size = f"{row['size']:,}"
            print(f"{row['measure'][:48]:48} {size:>7} {row['peerlearn']:9.4f}s {row['reference']:9.4f}s"
                  f" {ratio:5.2f}x {row['target']:5.1f}x {verdict}", flush=True)


if __name__ == "__main__":
    main()
