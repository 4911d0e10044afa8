"""Making a folder ready to build into, and clearing it of what killed builds left there.

A process killed mid-write loses the lock on its temporary files
(:mod:`peerlearn.atomic.temporary`), so :func:`prepare_folder`, which every
build calls first, can tell such leftovers from another build's work in
progress and removes them.
"""

from __future__ import annotations

import glob
import os
import stat
from pathlib import Path

from ..errors import OutputError
from .batches import current_batch, make_folder, make_folder_here
from .places import add_output_folder, describe, start_output_folder, write_error
from .temporary import LOCKS, TEMPORARY, remove_if_unlocked


def prepare_folder(path: Path | str, *, parents: bool = False, leftovers: bool = True,
                   private: bool = False) -> Path:
    """Make ``path`` ready to build into: a real folder, created if missing, cleared of leftovers.

    Refuses a path that exists and is not a folder (a file, a symbolic
    link, a device…), and, unless ``parents``, one whose parent folder is
    missing. Temporary files left by a killed build anywhere under it are
    removed, unless ``leftovers`` is False (a caller that knows whether a
    build was cut short, and calls :func:`remove_leftovers` itself then).
    It becomes an output folder: no file is written or removed through a
    symbolic link inside it, and a folder that removals empty inside it is
    removed too.

    Every folder created for it, and in it, is readable and searchable by
    all (0755), as every file written is readable by all (0644), whatever
    the umask; unless ``private`` (the folder of member feeds, whose paths
    are their secret): its folders are as the umask makes them.
    """
    path = Path(path)
    start_output_folder(path, private)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        if not parents and not path.parent.is_dir():
            raise OutputError(f"cannot build in {path}: folder {path.parent} does not exist") from None
        try:
            make_folder(path) if parents else make_folder_here(path)
        except OSError as error:
            raise write_error(path, error) from None
        add_output_folder(path)
        return path
    except OSError as error:
        raise write_error(path, error) from None
    if not stat.S_ISDIR(mode):
        raise OutputError(f"cannot build in {path}: it is {describe(mode)}, not a folder")
    add_output_folder(path)
    if leftovers:
        remove_leftovers(path)
    return path


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files under ``folder`` that no living process is writing; return them."""
    removed = []
    if not LOCKS:  # pragma: no cover
        return removed
    for parent, folders, names in os.walk(folder):
        for name in [*names, *folders]:
            if TEMPORARY.match(name) and remove_if_abandoned(Path(parent, name)):
                removed.append(Path(parent, name))
        folders[:] = [name for name in folders if not TEMPORARY.match(name)]  # a temporary folder is whole
    return removed


def remove_leftovers_of(path: Path) -> list[Path]:
    """Remove the temporary files of ``path`` alone (``.<name>.<random>.tmp`` beside it) that nobody writes."""
    removed = []
    if not LOCKS:  # pragma: no cover
        return removed
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if TEMPORARY.match(candidate.name) and remove_if_abandoned(candidate):
            removed.append(candidate)
    return removed


def remove_if_abandoned(path: Path) -> bool:
    """Remove the temporary file (or folder) ``path`` where no process holds its lock; True where it did.

    The temporary files of the batch under way (:func:`batch`) wait to be
    renamed: they are never taken for leftovers.
    """
    current = current_batch()
    if current is not None and current.is_waiting(path):
        return False
    return remove_if_unlocked(path)
