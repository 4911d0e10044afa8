"""When the registry's integrity is checked: after a write that may have been cut short, and on request.

A full ``PRAGMA quick_check`` reads every page of the file: 0.4 s at
100,000 activities with the file in the page cache, ten seconds from disk.
SQLite's transactions are atomic on their own; what a check can still catch
is storage that lost or tore a write (a power cut under a disk that does not
flush what it says it flushed, a file copied while being written). So
opening checks only where a write may not have finished:

- every write transaction is bracketed by a *write marker*: a small file
  ``<registry>-writing-<token>`` beside the registry (like SQLite's own
  ``-wal`` and ``-journal``), created before the transaction begins and
  deleted once it has ended, naming the machine, its boot and the process.
  A marker whose process is gone (or whose machine has rebooted since) means
  a write was cut short: opening runs ``quick_check`` first and refuses the
  file if it fails. An open for writing then deletes the stale markers; an
  open for reading changes nothing, so it checks again until something
  writes. The marker lives outside the database so that a write refused
  before it changes anything leaves the file byte for byte as it was.
- a hot rollback journal (``<registry>-journal``, left by a crash before the
  registry was ever opened for writing, which turns on WAL) is the same sign.

Opening therefore reads the same few pages whatever the registry's size.
Before a migration the full ``integrity_check`` runs (with the copy kept
then), and ``peerlearn check`` runs every check on request
(:mod:`.checking`).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import RegistryError

MARKER = "-writing-"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def interrupted_write(path: Path) -> str | None:
    """Why a write to the registry at ``path`` may have been cut short, or None where none was."""
    journal = Path(f"{path}-journal")
    if journal.exists() and journal.stat().st_size > 0:
        return f"a rollback journal left behind ({journal.name})"
    stale = stale_markers(path)
    if stale:
        return f"a write cut short ({stale[0].name} left by a process that is gone)"
    return None


def markers(path: Path) -> list[Path]:
    """The write markers beside the registry at ``path``."""
    prefix = f"{path.name}{MARKER}"
    try:
        with os.scandir(path.absolute().parent) as entries:
            return sorted(Path(entry.path) for entry in entries if entry.name.startswith(prefix))
    except OSError:
        return []


def stale_markers(path: Path) -> list[Path]:
    """The write markers whose process is gone: on this machine, dead or from an earlier boot.

    A marker that cannot be read whole counts as stale (its writer died
    writing it); one from another machine is taken as live, since nothing
    here can tell.
    """
    host, boot = _machine()
    stale = []
    for marker in markers(path):
        try:
            marker_host, marker_boot, pid = marker.read_text(encoding="utf-8").split("\n")[:3]
            alive = marker_host != host or (marker_boot == boot and _alive(int(pid)))
        except (OSError, ValueError):
            alive = False
        if not alive:
            stale.append(marker)
    return stale


def mark_writing(path: Path) -> Path:
    """Create a write marker beside the registry at ``path`` (before a write transaction begins)."""
    host, boot = _machine()
    marker = path.with_name(f"{path.name}{MARKER}{os.urandom(6).hex()}")
    try:
        handle = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(handle, f"{host}\n{boot}\n{os.getpid()}\n".encode())
        finally:
            os.close(handle)
    except OSError as error:
        marker.unlink(missing_ok=True)
        raise RegistryError(f"cannot write {path}: cannot create {marker.name} beside it ({error.strerror});"
                            " nothing was changed") from None
    return marker


def clear_marker(marker: Path | None) -> None:
    """Delete a write marker once its transaction has ended.

    A marker that cannot be deleted stays: the next open then checks the
    file, which costs time and never refuses a sound one, so that failure is
    not reported over the transaction's own.
    """
    if marker is not None:
        try:
            marker.unlink(missing_ok=True)
        except OSError:
            pass


def clear_stale_markers(path: Path) -> None:
    """Delete the markers of writes cut short, once the file has passed its check (an open for writing)."""
    for marker in stale_markers(path):
        clear_marker(marker)


def refuse_damaged(conn: sqlite3.Connection, path: Path, when: str) -> None:
    """Run ``PRAGMA integrity_check``; refuse the registry in one line when it fails."""
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(10)")]
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as error:  # so damaged that the check itself stops
        problems = [str(error)]
    if problems != ["ok"]:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise RegistryError(f"{path} is damaged (PRAGMA integrity_check {when}: {problems[0]}{more});"
                            " nothing was changed ('peerlearn check' lists what is wrong)")


def _machine() -> tuple[str, str]:
    """This machine's name and the id of its current boot (empty where the system does not say)."""
    try:
        boot = BOOT_ID.read_text().strip()
    except OSError:
        boot = ""
    uname = getattr(os, "uname", None)
    return (uname().nodename if uname else os.environ.get("COMPUTERNAME", "")), boot


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would signal it there: take it as alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
