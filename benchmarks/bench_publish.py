"""Benchmark: ``peerlearn publish`` of the demo and of a registry of 3,000 activities, cold and after one change.

Run by hand: ``python benchmarks/bench_publish.py [--sizes 3000]``; ``benchmarks/run.py`` picks up
:func:`measures`. Each figure is a fresh ``peerlearn`` process, side by side in the same run with its
reference:

- a publication into an empty folder against the commands it replaces, run one after another as a
  secretariat ran them before (``feeds build``, then per network ``log`` as csv and html and ``report``,
  then ``changes``, then ``site build``; target: not slower, <= 1.0x);
- a publication after nothing changed, and after one activity is retitled, against the start-up of
  ``peerlearn networks list`` run right before each (user CPU seconds, medians of five; target: about a
  start-up, <= 1.5x); the note gives the wall ratio and the files written.

The demo is the size-0 row (``peerlearn demo``); the other sizes are generated registries (3 sessions per
activity, 200 members, the generator of ``bench_feeds.py``). Nothing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_site import START_UP, Run, beside_start_up, make_registry, run  # noqa: E402


def replaced_commands(db: Path, folder: Path, private: Path) -> float:
    """Seconds of the commands one publication replaces, run one after another."""
    slugs = [network["slug"] for network in json.loads(run(db, "networks", "list", "--json")[2])]
    year = dt.date.today().year
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    private.mkdir(parents=True, exist_ok=True)
    total = run(db, "feeds", "build", str(folder / "feeds"), "--private-dir", str(private / "feeds"))[0]
    for slug in slugs:
        total += run(db, "log", "--network", slug, "--format", "csv", "-o", str(logs / f"{slug}-log.csv"))[0]
        total += run(db, "log", "--network", slug, "--format", "html", "-o", str(logs / f"{slug}-log.html"))[0]
        total += run(db, "report", "--network", slug, "--year", str(year), "--format", "html",
                     "-o", str(logs / f"{slug}-report-{year}.html"))[0]
    total += run(db, "changes", "--format", "csv", "-o", str(logs / "changes.csv"))[0]
    total += run(db, "site", "build", str(folder))[0]
    return total


def clear_feed_cache(db: Path) -> None:
    """Forget the serialized events, so that a cold build is cold whichever ran before it."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM ical_blocks")
    conn.close()


def written(output: str) -> str:
    parts = json.loads(output)["parts"]
    return ", ".join(f"{part}: {counts['written']} written, {counts['removed']} removed"
                     for part, counts in parts.items())


def measures(sizes: list[int], workdir: Path) -> Iterator[dict]:
    """One row per measure and size; size 0 is the demo registry."""
    for size in sizes:
        folder = Path(workdir) / f"publish-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        db = folder / "bench.db"
        if size:
            make_registry(db, size)
            edited = size // 8 * 4  # an ESF workshop (bench_feeds: network by id % 4)
        else:
            run(db, "demo")
            edited = 1
        label = f"{size} activities" if size else "the demo"
        clear_feed_cache(db)
        reference = replaced_commands(db, folder / "by-hand", folder / "by-hand-private")
        public, private = folder / "public", folder / "private"
        clear_feed_cache(db)
        cold = run(db, "publish", str(public), "--private-dir", str(private), "--json")
        yield {"measure": f"publish of {label} into an empty folder", "size": size, "peerlearn": cold[0],
               "reference": reference, "reference_name": "the commands it replaces, one after another",
               "target": 1.0, "peak_mb": cold[1], "note": written(cold[2])}
        # each run right after a start-up, so that both meet the same load on a shared machine
        unchanged, start_up, note = beside_start_up(
            db, 5, lambda: run(db, "publish", str(public), "--private-dir", str(private), "--json"))
        yield {"measure": f"publish of {label}, nothing changed (user CPU)", "size": size,
               "peerlearn": unchanged.user, "reference": start_up.user, "reference_name": START_UP, "target": 1.5,
               "peak_mb": unchanged.peak, "note": f"{note.split(';')[0]}; {written(unchanged.out)}"}
        numbers = iter(range(5))

        def one_change() -> Run:
            number = next(numbers)
            run(db, "activities", "edit", str(edited + 4 * number * bool(size)), "--title", f"Retitled {number}")
            return run(db, "publish", str(public), "--private-dir", str(private), "--json")

        changed, start_up, note = beside_start_up(db, 5, one_change)
        yield {"measure": f"publish of {label}, one activity retitled (user CPU)", "size": size,
               "peerlearn": changed.user, "reference": start_up.user, "reference_name": START_UP, "target": 1.5,
               "peak_mb": changed.peak, "note": f"{note.split(';')[0]}; {written(changed.out)}"}
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,3000", help="Activities in each registry (0: the demo), comma-separated.")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    with tempfile.TemporaryDirectory() as workdir:
        print(f"{'measure':<52} {'size':>5} {'peerlearn':>9} {'reference':>9} {'ratio':>6} {'target':>6} {'peak MB':>8}")
        for row in measures(sizes, Path(workdir)):
            ratio = row["peerlearn"] / row["reference"]
            print(f"{row['measure']:<52} {row['size']:>5} {row['peerlearn']:>9.2f} {row['reference']:>9.2f}"
                  f" {ratio:>6.2f} {row['target']:>6.1f} {row['peak_mb']:>8.0f}   {row['note']}", flush=True)
        print(f"(references: the commands a publication replaces; {START_UP})")


if __name__ == "__main__":
    main()
