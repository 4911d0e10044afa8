"""Benchmark: ``peerlearn site build`` as the registry grows: unchanged and one-change rebuilds, peak memory.

Run by hand: ``python benchmarks/bench_site.py [--sizes 1000,10000]``; ``benchmarks/run.py`` picks up
:func:`measures`. For each size it generates a registry of that many activities (3 sessions each, the
generator of ``bench_feeds.py``), then times, each as a fresh ``peerlearn`` process and side by side with
the start-up of ``peerlearn networks list`` on the same registry:

1. a build into an empty folder (its peak memory too: it must stay flat as activities grow, since each
   page is written as it is rendered);
2. a rebuild where nothing changed (target: about a start-up, <= 1.5x);
3. a rebuild after one activity is retitled (its page and its network's page are written again, the
   network's page edited in place; the other pages are kept unrendered).

The rebuilds' figures are user CPU seconds (the machine these run on is shared: CPU time moves far less
with the load than wall time, which the note gives as a ratio too), medians of five runs, each run right
after a start-up so that both meet the same load. Nothing here is asserted anywhere.
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
from typing import Iterator, NamedTuple

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


class Run(NamedTuple):
    """One fresh ``peerlearn`` process: wall seconds, peak memory (MB), stdout, and its user CPU seconds."""

    seconds: float
    peak: float
    out: str
    user: float


def run(db: Path, *args: str) -> Run:
    """Run ``peerlearn ARGS`` in a fresh process (see :class:`Run`)."""
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
    launcher = ("import os, subprocess, sys, time\nstarted = time.perf_counter()\n"
                "process = subprocess.Popen(sys.argv[1:])\n_pid, status, usage = os.wait4(process.pid, 0)\n"
                "print(f'\\n#wall {time.perf_counter() - started} {usage.ru_utime}', file=sys.stderr)\n"
                "sys.exit(os.waitstatus_to_exitcode(status))\n")
    result = subprocess.run([sys.executable, "-c", launcher, sys.executable, "-c", code, "--db", str(db), *args],
                            capture_output=True, text=True, env=environment())
    if result.returncode:
        raise SystemExit(f"peerlearn {' '.join(args)} failed:\n{result.stderr}")
    seconds, user = (float(word) for word in result.stderr.rsplit("#wall ", 1)[1].split()[:2])
    peak = float(result.stderr.rsplit("#bench ", 1)[1].split()[1])
    return Run(seconds, peak, result.stdout.strip(), user)


def median_of(times: int, function) -> tuple[float, float, str]:
    runs = [function() for _ in range(times)]
    return (statistics.median(one.seconds for one in runs), max(one.peak for one in runs), runs[-1].out)


def beside_start_up(db: Path, times: int, function) -> tuple[Run, Run, str]:
    """``function()`` (a fresh process, after whatever it changes) ``times`` times, each right after a start-up.

    Returns the medians (user CPU seconds, wall seconds) of the runs and of the start-ups, as a ``Run`` each
    (the largest peak), and a note giving the wall ratio and what the last run printed.
    """
    os.sync()  # (untimed) what was written before goes to the disk first, not during the runs
    runs, start_ups = [], []
    for _ in range(times):
        start_ups.append(run(db, "networks", "list"))
        runs.append(function())

    def median(found: list[Run]) -> Run:
        return Run(statistics.median(one.seconds for one in found), max(one.peak for one in found), found[-1].out,
                   statistics.median(one.user for one in found))

    ran, start_up = median(runs), median(start_ups)
    return ran, start_up, f"wall {ran.seconds:.2f}s / {start_up.seconds:.2f}s = {ran.seconds / start_up.seconds:.2f}x; {ran.out}"


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
        peaks[size] = cold.peak
        yield {"measure": "site build into an empty folder", "size": size, "peerlearn": cold.seconds,
               "reference": start_up[0], "reference_name": START_UP, "target": None, "peak_mb": cold.peak,
               "note": cold.out}
        unchanged, start_up, note = beside_start_up(db, 5, lambda: run(db, "site", "build", str(out)))
        yield {"measure": "site build, nothing changed (user CPU)", "size": size, "peerlearn": unchanged.user,
               "reference": start_up.user, "reference_name": START_UP, "target": 1.5, "peak_mb": unchanged.peak,
               "note": note}
        changes = iter(range(5))

        def one_change() -> Run:
            number = next(changes)
            activity = size // 8 * 4 + 4 * number  # an ESF workshop (bench_feeds: network by id % 4)
            run(db, "activities", "edit", str(activity), "--title", f"Retitled for the benchmark {number}")
            return run(db, "site", "build", str(out))

        changed, start_up, note = beside_start_up(db, 5, one_change)
        yield {"measure": "site build, one activity retitled (user CPU)", "size": size, "peerlearn": changed.user,
               "reference": start_up.user, "reference_name": START_UP, "target": 1.5, "peak_mb": changed.peak,
               "note": note}
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
