"""Every benchmark in one table: measure, size, peerlearn, reference, ratio, target, pass/fail, peak memory.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--only feeds] [--keep DIR]

Runs each ``benchmarks/bench_*.py`` module that defines ``measures(sizes,
workdir)`` (see ``docs/performance.md``): each yields one row per measure and
size, with peerlearn's time and the time of a reference measured in the same
run; the ratio of the two is held against the measure's target. Nothing here
depends on the machine's speed but the ratios; nothing is asserted (the test
suite never times anything). ``--only`` keeps the modules (``feeds``) or the
measures (a word of their name) that match; it is passed on in
``PEERLEARN_BENCH_ONLY``, so that a module can skip the work of the measures
left out.

The helpers below are shared by the benchmark modules: :func:`child` runs a
command in a fresh process and returns its wall time and its own peak memory
(``wait4``'s resource usage of that one child, taken by a small interpreter
that starts it), :func:`median_child` the median of a few such runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

HERE = Path(__file__).resolve().parent
COLUMNS = ("measure", "size", "peerlearn", "reference", "ratio", "target", "pass/fail", "peak memory")


#: Runs its arguments as a command and prints its wall time, peak memory (KB), exit code and CPU time (user and
#: system). Started from a
#: small interpreter, the command's peak is its own: a child started straight from a benchmark that holds
#: hundreds of MB is charged, until it execs, with the pages it shares with it.
_MEASURE = """
import os, subprocess, sys, time
began = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
error = process.stderr.read()
_pid, status, usage = os.wait4(process.pid, 0)
elapsed = time.perf_counter() - began
sys.stderr.buffer.write(error[-2000:])
print(elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime)
"""


def child(args: list[str], *, env: dict | None = None, cwd: str | Path | None = None) -> tuple[float, float]:
    """Run ``args`` in a fresh process: (wall seconds, its peak resident memory in MB). Fails on a non-zero exit."""
    elapsed, _cpu, peak = measured(args, env=env, cwd=cwd)
    return elapsed, peak


def measured(args: list[str], *, env: dict | None = None,
             cwd: str | Path | None = None) -> tuple[float, float, float]:
    """Run ``args`` in a fresh process: (wall seconds, CPU seconds, peak resident memory in MB).

    CPU time (user and system, the process's own) moves far less than wall
    time with what else the machine runs; wall time counts waiting too.
    Fails on a non-zero exit.
    """
    result = subprocess.run([sys.executable, "-c", _MEASURE, *map(str, args)], capture_output=True, text=True,
                            env=env, cwd=cwd)
    try:
        elapsed, peak, code, cpu = result.stdout.split()
    except ValueError:
        raise RuntimeError(f"cannot measure {' '.join(map(str, args))}: {result.stderr.strip()[-500:]}") from None
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({code}): {result.stderr.strip()[-500:]}")
    return float(elapsed), float(cpu), int(peak) / 1024


def median_child(args: list[str], runs: int = 3, *, before: Callable[[int], None] | None = None,
                 **options) -> tuple[float, float]:
    """The median wall time of ``runs`` fresh processes, and the highest peak memory among them.

    ``before(n)``, where given, runs (untimed) before the n-th run: e.g. the
    change a rebuild then picks up.
    """
    times, peaks = [], []
    for number in range(runs):
        if before is not None:
            before(number)
        elapsed, peak = child(args, **options)
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def peerlearn(*args: str) -> list[str]:
    """The command line running the CLI of the peerlearn this Python imports."""
    return [sys.executable, "-m", "peerlearn", *map(str, args)]


def modules(only: str | None) -> Iterator[tuple[str, object]]:
    """Every ``bench_*.py`` module beside this file that defines ``measures``, by its short name (``feeds``)."""
    sys.path.insert(0, str(HERE))
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem[len("bench_"):]
        if only and only not in name and not _names_a_measure(path, only):
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        if hasattr(module, "measures"):
            yield name, module


def _names_a_measure(path: Path, word: str) -> bool:
    """Whether a measure the module yields holds ``word`` in its name, as the module spells it.

    Read from the module's source: the text given for ``"measure"`` in each
    of its rows (the fixed parts of an f-string), and the texts in its
    module-level tuples and lists (names kept there, as ``bench_feeds.WHOLE``).
    A module whose measure names come from elsewhere is picked by its own name.
    """
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "measure":
                    texts += [part.value for part in ast.walk(value)
                              if isinstance(part, ast.Constant) and isinstance(part.value, str)]
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, (ast.Tuple, ast.List)):
            texts += [part.value for part in ast.walk(statement.value)
                      if isinstance(part, ast.Constant) and isinstance(part.value, str)]
    return any(word in text for text in texts)


def _cell(row: dict, column: str) -> str:
    if column == "ratio":
        return f"{row['ratio']:.2f}" if row.get("ratio") is not None else "-"
    if column in ("peerlearn", "reference"):
        value = row.get(column)
        text = "-" if value is None else f"{value:.3f} s"
        if column == "reference" and row.get("reference_name"):
            text += f" ({row['reference_name']})"
        return text
    if column == "target":
        return f"<= {row['target']:g}" if row.get("target") is not None else "-"
    if column == "pass/fail":
        if row.get("ratio") is None or row.get("target") is None:
            return "-"
        return "pass" if row["ratio"] <= row["target"] else "FAIL"
    if column == "peak memory":
        return f"{row['peak_mb']:.0f} MB" if row.get("peak_mb") is not None else "-"
    return str(row.get(column, ""))


def table(rows: Iterable[dict]) -> str:
    """The rows as one plain-text table (Markdown pipes, so it pastes into an issue)."""
    cells = [[_cell(row, column) for column in COLUMNS] for row in rows]
    widths = [max(len(column), *(len(line[index]) for line in cells)) if cells else len(column)
              for index, column in enumerate(COLUMNS)]
    lines = ["| " + " | ".join(column.ljust(width) for column, width in zip(COLUMNS, widths)) + " |",
             "|" + "|".join("-" * (width + 2) for width in widths) + "|"]
    lines += ["| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |" for line in cells]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="Registry sizes (activities), comma-separated. Default: 1000,10000,100000.")
    parser.add_argument("--only", help="Run only the benchmark modules or measures whose name holds this word.")
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it (default: a temporary one).")
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size]
    os.environ.pop("PEERLEARN_LOAD_PLUGINS", None)
    # a benchmark may skip the work of measures --only leaves out (bench_feeds does)
    os.environ["PEERLEARN_BENCH_ONLY"] = args.only or ""
    work = args.keep or Path(tempfile.mkdtemp(prefix="peerlearn-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for name, module in modules(args.only):
            folder = work / name
            folder.mkdir(exist_ok=True)
            for row in module.measures(sizes, folder):
                if args.only and args.only not in name and args.only not in row["measure"]:
                    continue
                if row.get("ratio") is None and row.get("reference"):
                    row["ratio"] = row["peerlearn"] / row["reference"]
                rows.append(row)
                print(f"  {name}: {row['measure']} at {row['size']}: {_cell(row, 'peerlearn')},"
                      f" ratio {_cell(row, 'ratio')}", file=sys.stderr, flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(rows))
    for row in rows:
        if row.get("note"):
            print(f"- {row['measure']} at {row['size']}: {row['note']}")


if __name__ == "__main__":
    sys.exit(main())
