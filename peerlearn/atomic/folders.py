"""Folders in output folders: each created open to all, and removed when removals leave it empty.

A folder a removal leaves empty is removed too (up to the output folder),
so a rebuild leaves what a fresh build does.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from .places import is_private, output_folder_of


def missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that are missing, the outermost first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            break
        missing.append(candidate)
    return missing[::-1]


def create_folder(folder: Path | str, exist_ok: bool = False) -> None:
    """Create the folder ``folder`` (its parent exists), open to all as :func:`open_to_all` leaves it."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        if not exist_ok or not os.path.isdir(folder):
            raise
        return
    open_to_all(folder)


def open_to_all(folder: Path | str) -> None:
    """Make the folder ``folder``, just created, readable and searchable by all (0755), unless it is in a
    private output folder (:func:`peerlearn.atomic.preparing.prepare_folder`).

    A published folder the umask closed (``umask 077`` makes it 0700) would
    hide the files in it, which are readable by all (0644): its mode is set
    explicitly only where the umask took some of that away (one look at the
    folder; the usual umask 022 leaves it so). Any other bit it has, a
    group's write, stays.
    """
    if is_private(folder):  # (noted before the folder is made)
        return
    mode = stat.S_IMODE(os.stat(folder).st_mode)
    if mode & 0o755 != 0o755:
        os.chmod(folder, mode | 0o755)


def remove_emptied(paths: Iterable[Path | str]) -> None:
    """Remove the folders that the removal of ``paths`` left empty, up to their output folder (never it).

    So that a rebuild leaves what a fresh build would: no empty folder of a
    deleted activity. Only a folder inside an output folder
    (:func:`peerlearn.atomic.preparing.prepare_folder`) is removed, and
    only when empty: never one that holds another program's files.
    """
    folders: set[str] = set()
    for path in paths:
        file = os.path.abspath(os.fspath(path))
        root = output_folder_of(file)
        folder = os.path.dirname(file)
        while root is not None and folder != root and folder not in folders:
            folders.add(folder)
            folder = os.path.dirname(folder)
    for folder in sorted(folders, key=lambda folder: folder.count(os.sep), reverse=True):  # the deepest first
        try:
            os.rmdir(folder)
        except OSError:  # not empty (or gone, or not a real folder)
            pass
