"""Benchmark: ``peerlearn site build`` as the registry grows: unchanged and one-change rebuilds, peak memory.

Run by hand: ``python benchmarks/bench_site.py [--sizes 1000,10000]``; ``benchmarks/run.py`` picks up
:func:`measures`. For each size it generates a registry of that many activities (3 sessions each, the
generator of ``bench_feeds.py``), then times, each as a fresh ``peerlearn`` process and side by side with
the start-up of ``peerlearn networks list`` on the same registry:

1. a build into an empty folder (its peak memory too: it must stay flat as activities grow, since each
   page is written as it is rendered);
2. a rebuild where nothing changed (target: about a start-up, <= 1.5x);
3. a rebuild after one activity is retitled (its page, its network's page and the index are rendered
   again; the other pages are kept unrendered).

Figures are medians of a few runs; nothing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
START_UP = "start-up (peerlearn networks list)"


def make_registry(path: Path, activities: int) -> None:
    """A registry of ``activities`` activities across the four networks (3 sessions each, 200 members)."""
    sys.path.insert(0, str(HERE))
    try:
        from registry_factory import make
    finally:
        sys.path.remove(str(HERE))
    make(path, activities, sessions_per=3, members=200).close()


def environment() -> dict[str, str]:
    found = {**os.environ, "PEERLEARN_ACTOR": "bench"}
    found.pop("PEERLEARN_LOAD_PLUGINS", None)
    return found


def run(db: Path, *args: str) -> tuple[float, float, str]:
    """Run ``peerlearn ARGS`` in a fresh process: (seconds, its peak memory in MB, stdout)."""
    code = ("import resource, sys, time\n"
            "from peerlearn.cli import main\n"
            "sys.argv = ['peerlearn'] + sys.argv[1:]\n"
            "started = time.perf_counter()\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\nelse:\n    code = 0\n"
            "print(f'\\n#bench {time.perf_counter() - started} "
            "{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}', file=sys.stderr)\n"
            "sys.exit(code)\n")
    # started (and timed) by a small interpreter, so that its peak is its own: a process forked from this one
    # (which holds the registry's generator) is charged, until it execs, with the pages it shares with it
    launcher = ("import subprocess, sys, time\nstarted = time.perf_counter()\ncode = subprocess.call(sys.argv[1:])\n"
                "print(f'\\n#wall {time.perf_counter() - started}', file=sys.stderr)\nsys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", launcher, sys.executable, "-c", code, "--db", str(db), *args],
                            capture_output=True, text=True, env=environment())
    if result.returncode:
        raise SystemExit(f"peerlearn {' '.join(args)} failed:\n{result.stderr}")
    seconds = float(result.stderr.rsplit("#wall ", 1)[1].split()[0])
    peak = float(result.stderr.rsplit("#bench ", 1)[1].split()[1])
    return seconds, peak, result.stdout.strip()


def median_of(times: int, function) -> tuple[float, float, str]:
    runs = [function() for _ in range(times)]
    return (statistics.median(seconds for seconds, _peak, _out in runs), max(peak for _s, peak, _o in runs),
            runs[-1][2])


def measures(sizes: list[int], workdir: Path) -> Iterator[dict]:
    """One row per measure and size (see the module's docstring)."""
    peaks: dict[int, float] = {}
    for size in sizes:
        folder = Path(workdir) / f"site-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        db = folder / "bench.db"
        make_registry(db, size)
        out = folder / "site"
        start_up = median_of(3, lambda: run(db, "networks", "list"))
        cold = run(db, "site", "build", str(out))
        peaks[size] = cold[1]
        yield {"measure": "site build into an empty folder", "size": size, "peerlearn": cold[0],
               "reference": start_up[0], "reference_name": START_UP, "target": None, "peak_mb": cold[1],
               "note": cold[2]}
        unchanged = median_of(3, lambda: run(db, "site", "build", str(out)))
        yield {"measure": "site build, nothing changed", "size": size, "peerlearn": unchanged[0],
               "reference": start_up[0], "reference_name": START_UP, "target": 1.5, "peak_mb": unchanged[1],
               "note": unchanged[2]}
        changes = []
        for number in range(3):
            activity = size // 8 * 4 + 4 * number  # an ESF workshop (bench_feeds: network by id % 4)
            run(db, "activities", "edit", str(activity), "--title", f"Retitled for the benchmark {number}")
            changes.append(run(db, "site", "build", str(out)))
        seconds = statistics.median(change[0] for change in changes)
        yield {"measure": "site build, one activity retitled", "size": size, "peerlearn": seconds,
               "reference": start_up[0], "reference_name": START_UP, "target": 1.5,
               "peak_mb": max(change[1] for change in changes), "note": changes[-1][2]}
        shutil.rmtree(folder, ignore_errors=True)
    if len(peaks) > 1:
        smallest, largest = min(peaks), max(peaks)
        yield {"measure": f"site build peak memory (MB) at {largest} vs at {smallest} activities", "size": largest,
               "peerlearn": peaks[largest], "reference": peaks[smallest],
               "reference_name": f"peak memory at {smallest} activities", "target": 1.5, "peak_mb": peaks[largest]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="Activities in each registry, comma-separated.")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    with tempfile.TemporaryDirectory() as workdir:
        print(f"{'measure':<62} {'size':>6} {'peerlearn':>9} {'reference':>9} {'ratio':>6} {'target':>6}"
              f" {'peak MB':>8}")
        for row in measures(sizes, Path(workdir)):
            ratio = row["peerlearn"] / row["reference"] if row["reference"] else float("nan")
            target = f"{row['target']:.1f}" if row["target"] else "-"
            print(f"{row['measure']:<62} {row['size']:>6} {row['peerlearn']:>9.2f} {row['reference']:>9.2f}"
                  f" {ratio:>6.2f} {target:>6} {row['peak_mb'] or 0:>8.0f}   {row.get('note', '')}", flush=True)
    print(f"(reference of the time rows: {START_UP}, on the same registry)")


if __name__ == "__main__":
    main()
