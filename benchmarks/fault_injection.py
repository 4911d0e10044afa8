"""Kill every writing command at random moments, many times, and print a table (run by hand; slow).

    python benchmarks/fault_injection.py [--kills 50] [--seed 11] [--only "feeds build"] [--limits]

For each command (``members import``, ``demo``, ``demo --force``, ``agenda
import``, ``feeds build``, ``site build``, ``demo --publish``) it runs
``--kills`` trials, each from the same prepared starting point, sending
SIGKILL at a random moment of the command's work: once it has a file of its
own open (the registry, a staging or an output file), after a random
fraction (0 to 1.05) of the time that work took in a clean run. Then it
checks what ``tests/fault_scenarios.py`` checks: the registry
passes ``PRAGMA integrity_check`` with the row counts of before or after;
every output file is its old or its new complete version; running the
command again leaves no temporary or staging file. "kills" counts the
trials where the kill landed before the command ended, "at work" those
where, at that moment, the command had the registry, a staging file or an
output file open (it was past starting up). ``--limits`` adds a
sweep of file-size limits (writes past them fail with EFBIG, as on a full
disk). Every failure is printed with what was wrong; the exit status is 1
when there was any.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fault_scenarios import Lab  # noqa: E402

LIMITS = [8_000, 40_000, 100_000, 250_000, 600_000, 1_500_000]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="kills per command (default 50)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the random kill moments")
    parser.add_argument("--only", action="append", help="only this command (repeatable)")
    parser.add_argument("--limits", action="store_true", help="also run a sweep of file-size limits")
    parser.add_argument("--members", type=int, default=6000, help="rows of the members import (default 6000)")
    options = parser.parse_args()
    chance = random.Random(options.seed)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="peerlearn-faults-") as folder:
        started = time.monotonic()
        lab = Lab(Path(folder), members=options.members)
        print(f"prepared in {time.monotonic() - started:.0f} s; clean runs (at work from, ended at): "
              + ", ".join(f"{name} {lab.opened[name]:.2f}-{seconds:.2f} s" for name, seconds in lab.duration.items()),
              flush=True)
        rows = []
        for name in options.only or lab.scenarios:
            killed = at_work = failed = 0
            for _ in range(options.kills):
                trial = lab.kill_trial(name, chance.uniform(0.0, 1.05))
                killed += trial.killed
                at_work += trial.at_work
                if trial.problems:
                    failed += 1
                    print(f"FAILURE {name} (exit {trial.returncode}): {trial.problems}", flush=True)
            rows.append((name, options.kills, killed, at_work, failed))
            print(f"  {name}: {options.kills} runs, {killed} killed ({at_work} at work), {failed} failures",
                  flush=True)
            failures += failed
        print()
        print_table(["command", "runs", "kills", "at work", "failures"], rows)
        if options.limits:
            rows = []
            for name in options.only or lab.scenarios:
                refused = failed = 0
                for limit in LIMITS:
                    trial = lab.disk_full_trial(name, limit)
                    refused += trial.returncode != 0
                    if trial.problems:
                        failed += 1
                        print(f"FAILURE {name} at {limit} bytes: {trial.problems}", flush=True)
                rows.append((name, len(LIMITS), refused, failed))
                failures += failed
            print()
            print_table(["command", "file-size limits", "failed cleanly", "failures"], rows)
    return 1 if failures else 0


def print_table(header: list[str], rows: list[tuple]) -> None:
    cells = [header, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for index, row in enumerate(cells):
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")


if __name__ == "__main__":
    sys.exit(main())
