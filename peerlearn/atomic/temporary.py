"""Temporary files and folders beside their destinations: how they are named, locked and removed.

A temporary file is named ``.<name>.<random>.tmp`` and is locked
(``flock``) by the process writing it for as long as it exists. A process
killed mid-write loses its lock, so a leftover can be told from another
build's work in progress (:func:`remove_if_unlocked`). A temporary folder is
named and locked alike, and removed whole.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import stat
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: leftovers are then never removed
    fcntl = None

#: ``.<name>.<8 random characters>.tmp``, as :func:`locked_temporary` names them (and :func:`tempfile.mkstemp`).
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
#: Whether this system locks files: where it does not (Windows), leftovers are never removed.
LOCKS = fcntl is not None
_NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
#: How a temporary file is opened: created here or not at all, never through a symbolic link, kept from children.
_CREATE = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
           | getattr(os, "O_BINARY", 0))
_names = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_names.seed)  # a forked child never draws its parent's names


def new_name(path: Path, suffix: str = ".tmp") -> str:
    """A new absolute name for a temporary file (or folder) of ``path``, beside it: ``.<name>.<random><suffix>``."""
    return os.path.join(os.path.abspath(path.parent),
                        f".{path.name}." + "".join(_names.choices(_NAME_CHARACTERS, k=8)) + suffix)


def locked_temporary(path: Path, suffix: str = ".tmp") -> tuple[int, str]:
    """Create a temporary file beside ``path`` and lock it for as long as it is open: (descriptor, name).

    Named and opened as :func:`tempfile.mkstemp` would (``O_EXCL``, mode
    0600, an absolute name), without its per-call set-up: a build creates
    one for each of thousands of files. ``FileNotFoundError`` where the
    folder of ``path`` is missing.
    """
    while True:
        name = new_name(path, suffix)
        try:
            handle = os.open(name, _CREATE, 0o600)
        except FileExistsError:
            continue
        if lock_created(handle):
            return handle, name


def lock_created(handle: int) -> bool:
    """Lock ``handle``, a temporary file or folder just created, for as long as it is open.

    False, and ``handle`` closed, where another build took it for a leftover
    and removed it between its creation and the lock: the caller creates
    another.
    """
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if os.fstat(handle).st_nlink:  # not removed (as a leftover) before the lock was taken
            return True
    except BaseException:
        os.close(handle)
        raise
    os.close(handle)
    return False


def lock(handle: int) -> None:
    """Lock ``handle``, a temporary file, for as long as it is open (waiting for another holder)."""
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX)


def remove_if_unlocked(path: Path) -> bool:
    """Remove the temporary file (or folder) ``path`` where no process holds its lock; True where it did."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        mode = os.fstat(handle).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            return False
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a living process is writing it
        remove_temporary(os.fspath(path))
        return True
    finally:
        os.close(handle)


def remove_temporary(name: str) -> None:
    """Remove a temporary file, or a temporary folder with all it holds (never through a symbolic link)."""
    try:
        if stat.S_ISDIR(os.lstat(name).st_mode):
            shutil.rmtree(name, ignore_errors=True)
        else:
            os.unlink(name)
    except FileNotFoundError:
        pass
