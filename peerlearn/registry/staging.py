"""Replacing a registry file only by a complete, checked one.

A registry built whole (``peerlearn demo``) is built in a staging file
beside its destination, ``.<name>.<random>.building``, and renamed into
place only after:

1. its write-ahead log is checkpointed into it and truncated, so that no
   committed page stays behind in a ``-wal`` file the rename would leave out
   (on a nearly full disk, the checkpoint SQLite tries when the last
   connection closes can fail without a word);
2. ``PRAGMA integrity_check`` answers ``ok``;
3. the file is flushed to disk (fsync);
4. the registry it replaces has its own log checkpointed, so that removing
   that log loses nothing the old registry had committed.

After the rename the folder is flushed to disk too. On any error the old
file is as it was and the staging files are removed. A staging file is
locked (``flock``) while it is built: the next build removes those a killed
one left, and leaves another running build's alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
from pathlib import Path
from typing import Iterator

from ..atomic.places import describe
from ..atomic.preparing import remove_if_abandoned
from ..atomic.temporary import locked_temporary
from ..errors import RegistryError
from . import integrity
from .store import Registry

SIDECARS = ("-wal", "-shm", "-journal")


@contextlib.contextmanager
def replacement(path: str | Path, *, actor: str | None = None) -> Iterator[Registry]:
    """Yield a new registry built aside; when the block ends without error, put it in place of ``path``.

    ``path`` need not exist; where it does it must be a regular file, and
    it is replaced whatever it holds (the caller decides whether it may be).
    """
    path = Path(path)
    _check_destination(path)
    remove_leftovers(path)
    handle, name = locked_temporary(path, suffix=".building")
    staging = Path(name)
    try:
        os.fchmod(handle, stat.S_IMODE(os.stat(path).st_mode) if path.exists() else 0o644)
        registry = Registry.open(staging, actor=actor, initialise_empty=True)
        try:
            yield registry
            _seal(registry, path)
        finally:
            registry.close()
        _check_log_is_empty(staging, path)
        os.fsync(handle)
        _retire(path)
        os.replace(staging, path)
        _fsync_folder(path)
    except RegistryError as error:  # name the registry being replaced, not the staging file
        _remove(staging)
        raise RegistryError(str(error).replace(str(staging), str(path))) from None
    except BaseException:
        _remove(staging)
        raise
    finally:
        os.close(handle)
        _remove_sidecars(staging)


@contextlib.contextmanager
def new_registry(path: str | Path, *, actor: str | None = None, replace: bool = False) -> Iterator[Registry]:
    """Yield a new, empty registry for ``path``; when the block ends without error, it becomes ``path``.

    Build it inside ``registry.transaction()``. The registry is built beside
    ``path`` and moved into place only when complete and checked (see this
    module), so an error, a full disk or a kill leaves ``path`` as it was.
    An existing ``path`` is refused unless ``replace``. What a killed build
    left beside ``path`` is removed first, even when it is refused.
    """
    path = Path(path)
    if path.parent.is_dir():
        remove_leftovers(path)
    if path.exists() and not replace:
        raise RegistryError(f"{path} already exists; it is replaced only on request", field="replace")
    with replacement(path, actor=actor) as registry:
        yield registry


def remove_leftovers(path: Path) -> list[Path]:
    """Remove the staging files of ``path`` that a killed build left (no process holds their lock)."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.building$")
    removed = []
    for candidate in path.parent.iterdir():
        if pattern.match(candidate.name) and remove_if_abandoned(candidate):
            _remove_sidecars(candidate)
            removed.append(candidate)
    return removed


def _check_destination(path: Path) -> None:
    if not path.parent.is_dir():
        raise RegistryError(f"cannot create a registry at {path}: folder {path.parent} does not exist")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise RegistryError(f"cannot replace {path}: it is {describe(mode)}, not a regular file")


def _seal(registry: Registry, path: Path) -> None:
    """Move every committed page into the staging file itself, and check the result."""
    conn = registry.conn
    try:
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RegistryError(f"cannot write {path}: another process is reading the new registry;"
                                " nothing was changed")
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.Error as error:
        raise RegistryError(f"cannot write {path}: {error}; nothing was changed") from None
    if problems != ["ok"]:
        raise RegistryError(f"cannot write {path}: the new registry fails its integrity check"
                            f" ({problems[0]}); nothing was changed")


def _check_log_is_empty(staging: Path, path: Path) -> None:
    log = Path(f"{staging}-wal")
    if log.exists() and log.stat().st_size:
        raise RegistryError(f"cannot write {path}: the new registry's log was not written back; nothing was changed")


def _retire(path: Path) -> None:
    """Write back what the registry about to be replaced keeps in its log or journal, then remove them.

    A ``-wal`` or hot ``-journal`` left beside the new file would be read as
    its own and damage it; removed unread, it would lose what the old
    registry committed were the rename not to happen.
    """
    if any(_size(Path(f"{path}{suffix}")) for suffix in SIDECARS):
        try:
            conn = sqlite3.connect(path, timeout=30)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # rolls a hot journal back
                busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as error:
            raise RegistryError(f"cannot replace {path}: its log cannot be written back ({error});"
                                " it was left as it was") from None
        if busy:
            raise RegistryError(f"cannot replace {path}: another peerlearn is using it; it was left as it was")
    _remove_sidecars(path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _fsync_folder(path: Path) -> None:
    handle = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _remove(staging: Path) -> None:
    staging.unlink(missing_ok=True)
    _remove_sidecars(staging)


def _remove_sidecars(path: Path) -> None:
    for suffix in SIDECARS:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    for marker in integrity.markers(path):  # a build killed in its transaction left its write marker
        marker.unlink(missing_ok=True)
