"""Run peerlearn in a child process under injected faults, and look at what it left behind.

Faults: a file-size limit (``RLIMIT_FSIZE`` with ``SIGXFSZ`` ignored, so a
write past it fails with EFBIG, as on a full disk), a small tmpfs (a real
"No space left on device", where the machine lets us mount one), and
SIGKILL at a chosen moment. What is checked afterwards is read with
``sqlite3`` and the file system, never with peerlearn itself.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PLUGINS = "esf_migration,integration_network,mutual_learning,pes,site,demo"
TABLES = ("networks", "members", "memberships", "activities", "sessions", "roles", "participations", "outputs",
          "changes")


def child_environment(**extra: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PEERLEARN_")}
    environment.update(PEERLEARN_LOAD_PLUGINS=PLUGINS, PEERLEARN_ACTOR="tester", **extra)
    return environment


def command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "peerlearn", "--db", str(db), *args]


def file_size_limit(limit: int):
    """A ``preexec_fn`` making every write past ``limit`` bytes fail with EFBIG instead of killing the child."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run(db: Path, *args: str, cwd: Path | None = None, limit: int | None = None, timeout: float = 120,
        **popen) -> subprocess.CompletedProcess:
    """``peerlearn --db DB ARGS`` in a child process (with a file-size limit where ``limit``)."""
    return subprocess.run(command(db, *args), cwd=cwd, env=child_environment(), capture_output=True, text=True,
                          timeout=timeout, preexec_fn=file_size_limit(limit) if limit else None, **popen)


@contextlib.contextmanager
def small_disk(folder: Path, size: str):
    """Mount a tmpfs of ``size`` on ``folder`` for the block; skip the test where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                                 capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("no mount command here")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    with open(folder / "filler", "wb", buffering=0) as out:
        for size in (1 << 16, 512, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError:
                pass


def registry_state(db: Path) -> dict | None:
    """``{"integrity": ..., "counts": {...}}`` of the registry at ``db`` as sqlite3 sees it; None where it is absent."""
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {name: conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
                  for name in TABLES if name in names}
    finally:
        conn.close()
    return {"integrity": integrity, "counts": counts}


def tree(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` (hidden ones included), by relative path."""
    if not folder.exists():
        return {}
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.is_symlink()}


def leftovers(folder: Path) -> list[str]:
    """Temporary files under ``folder`` (``.<name>.<random>.tmp``)."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob(".*.tmp"))


@contextlib.contextmanager
def read_only_folder(folder: Path):
    """Make ``folder`` read-only for the block: a read-only bind mount as root (who ignores modes), else chmod."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
    if bound.returncode != 0:
        pytest.skip(f"cannot bind-mount a folder read-only here: {bound.stderr.strip()}")
    try:
        remounted = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True, text=True)
        if remounted.returncode != 0:
            pytest.skip(f"cannot remount a folder read-only here: {remounted.stderr.strip()}")
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
