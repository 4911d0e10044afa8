"""Benchmark: ``peerlearn publish`` of the demo and of a registry of 3,000 activities, cold and after one change.

Run by hand: ``python benchmarks/bench_publish.py [--sizes 3000]``; ``benchmarks/run.py`` picks up
:func:`measures`. Each figure is a fresh ``peerlearn`` process, side by side in the same run with its
reference:

- a publication into an empty folder against the commands it replaces, run one after another as a
  secretariat ran them before (``feeds build``, then per network ``log`` as csv and html and ``report``,
  then ``changes``, then ``site build``; target: not slower, <= 1.0x);
- a publication after nothing changed, and after one activity is retitled, against the start-up of
  ``peerlearn networks list`` run beside each (medians of three; target: about a start-up, <= 1.5x); the
  note gives the files written.

The demo is the size-0 row (``peerlearn demo``); the other sizes are generated registries (3 sessions per
activity, 200 members, the generator of ``bench_feeds.py``). Nothing here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_site import START_UP, make_registry, run  # noqa: E402


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
        # each run beside a start-up, in turn, so that both meet the same load on a shared machine
        unchanged, start_ups = [], []
        for _number in range(3):
            start_ups.append(run(db, "networks", "list")[0])
            unchanged.append(run(db, "publish", str(public), "--private-dir", str(private), "--json"))
        yield {"measure": f"publish of {label}, nothing changed", "size": size,
               "peerlearn": statistics.median(one[0] for one in unchanged),
               "reference": statistics.median(start_ups), "reference_name": START_UP, "target": 1.5,
               "peak_mb": max(one[1] for one in unchanged), "note": written(unchanged[-1][2])}
        changes, start_ups = [], []
        for number in range(3):
            run(db, "activities", "edit", str(edited + 4 * number * bool(size)), "--title", f"Retitled {number}")
            start_ups.append(run(db, "networks", "list")[0])
            changes.append(run(db, "publish", str(public), "--private-dir", str(private), "--json"))
        yield {"measure": f"publish of {label}, one activity retitled", "size": size,
               "peerlearn": statistics.median(change[0] for change in changes),
               "reference": statistics.median(start_ups), "reference_name": START_UP, "target": 1.5,
               "peak_mb": max(change[1] for change in changes), "note": written(changes[-1][2])}
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
