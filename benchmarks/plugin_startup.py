"""What loading plugins costs a command: run by hand, prints figures.

    python benchmarks/plugin_startup.py [RUNS]

Times ``peerlearn --version``, ``peerlearn --help`` and ``peerlearn networks
list`` in fresh processes, with every installed plugin and with none
(``PEERLEARN_LOAD_PLUGINS=''``), and the in-process cost of the start-up
check that refuses two plugins contributing the same network.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def best_of(runs: int, command: list[str], environment: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=environment, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as folder:
        base = {k: v for k, v in os.environ.items() if not k.startswith("PEERLEARN_")}
        base["PEERLEARN_DB"] = str(Path(folder) / "bench.db")
        peerlearn = [sys.executable, "-m", "peerlearn"]
        subprocess.run([*peerlearn, "init"], env=base, check=True, capture_output=True)
        print(f"fresh processes, best / median of {runs} (seconds):")
        for label, args in (("--version", ["--version"]), ("--help", ["--help"]),
                            ("networks list", ["networks", "list"])):
            for plugins_label, extra in (("all plugins", {}), ("no plugins", {"PEERLEARN_LOAD_PLUGINS": ""})):
                best, median = best_of(runs, [*peerlearn, *args], {**base, **extra})
                print(f"  peerlearn {label:<14} {plugins_label:<12} {best:.3f} / {median:.3f}")

    from peerlearn import plugins

    plugins.networks()
    count = 1000
    start = time.perf_counter()
    for _ in range(count):
        plugins.networks()
    each = (time.perf_counter() - start) / count
    print(f"start-up network check (plugins.networks(), {len(plugins.networks())} networks): {each * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
