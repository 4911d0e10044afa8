"""Benchmark: ``peerlearn site build`` for the demo registry and for one with 500 conferences.

Run by hand: ``python benchmarks/bench_site.py``. Builds a demo registry,
adds 500 copies of the seed Mutual Learning Conference (its whole programme:
14 sessions, 40 roles each), then times a first build into an empty folder,
a rebuild where nothing changed (every page rendered, none written) and
prints the figures.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COPIES = 500


def peerlearn(*args: str, db: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "peerlearn", "--db", str(db), *args],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


def add_copies(db: Path) -> None:
    from peerlearn_plugins.demo.data import MLC_TITLE, programme_text

    from peerlearn.agenda import programme
    from peerlearn.registry import activities
    from peerlearn.registry.store import Registry

    registry = Registry.open(db, actor="bench")
    text = programme_text()
    with registry.transaction():
        mlc = activities.get(registry, registry.one("SELECT id FROM activities WHERE title = ?", [MLC_TITLE])["id"])
        for number in range(COPIES):
            shift = dt.timedelta(days=7 * (number + 1))
            copy = activities.add(registry, activities.Activity(
                network=mlc.network, kind=mlc.kind, title=f"{mlc.title} ({number + 1})", start=mlc.start + shift,
                end=mlc.end + shift, timezone=mlc.timezone, city=mlc.city, country=mlc.country,
                description=mlc.description))
            programme.import_programme(registry, copy.id, text, source="bench")
    registry.close()


def timed(label: str, *args: str, db: Path) -> None:
    started = time.perf_counter()
    out = peerlearn(*args, db=db)
    print(f"{label:<44} {time.perf_counter() - started:6.2f} s   {out}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        peerlearn("demo", db=db)
        timed("demo registry: first build", "site", "build", f"{folder}/demo-site", db=db)
        timed("demo registry: rebuild, nothing changed", "site", "build", f"{folder}/demo-site", db=db)
        started = time.perf_counter()
        add_copies(db)
        print(f"(added {COPIES} conferences with their programme in {time.perf_counter() - started:.1f} s)")
        timed(f"{COPIES + 13} activities: first build", "site", "build", f"{folder}/big", db=db)
        timed(f"{COPIES + 13} activities: rebuild, nothing changed", "site", "build", f"{folder}/big", db=db)
        size = sum(path.stat().st_size for path in Path(folder, "big").rglob("*") if path.is_file())
        print(f"site size: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    os.environ.pop("PEERLEARN_LOAD_PLUGINS", None)
    main()
