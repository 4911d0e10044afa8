"""The files no output may replace: the registries open in this process, with SQLite's companion files.

A registry notes its file here when it opens (:func:`protect`) and forgets
it when it closes (:func:`release`); whatever writes an output file (every
``-o``, an export's database and metadata, a feed or site folder) asks
:func:`is_protected` first, through :func:`peerlearn.atomic.places.check_destination`.
A file is the registry where it is the same file (device and inode, so a
hard link or another spelling of the path is caught too), or where its
resolved path is the registry's, or its ``-journal``, ``-wal`` or ``-shm``
file's. Only ``os`` is imported: every command that opens a registry
loads this module.
"""

from __future__ import annotations

import os

#: What SQLite adds to a database's name for the files it keeps beside it.
COMPANIONS = ("", "-journal", "-wal", "-shm")

#: resolved path of each protected file (the registry and its companions) -> how many opens protect it
_paths: dict[str, int] = {}
#: the names alone, so that writing a file of another name costs no path resolution
_names: dict[str, int] = {}
#: (device, inode) of each open registry's file -> how many opens protect it
_files: dict[tuple[int, int], int] = {}


def _count(table: dict, key, step: int) -> None:
    table[key] = table.get(key, 0) + step
    if table[key] <= 0:
        del table[key]


def protect(path: str | os.PathLike) -> tuple[str, tuple[int, int] | None]:
    """Refuse the registry file ``path`` and its companions as output from now on; what :func:`release`
    takes to undo it."""
    real = os.path.realpath(path)
    for suffix in COMPANIONS:
        _count(_paths, real + suffix, 1)
        _count(_names, os.path.basename(real + suffix), 1)
    try:
        info = os.stat(real)
    except OSError:
        return real, None
    key = (info.st_dev, info.st_ino)
    _count(_files, key, 1)
    return real, key


def release(token: tuple[str, tuple[int, int] | None]) -> None:
    """Undo the :func:`protect` that returned ``token``."""
    real, key = token
    for suffix in COMPANIONS:
        if real + suffix in _paths:
            _count(_paths, real + suffix, -1)
            _count(_names, os.path.basename(real + suffix), -1)
    if key in _files:
        _count(_files, key, -1)


def is_protected(path: str | os.PathLike, info: os.stat_result | None = None) -> bool:
    """Whether ``path`` (whose ``os.lstat`` is ``info``, None where it is missing) is an open registry's file."""
    if info is not None and (info.st_dev, info.st_ino) in _files:
        return True
    name = os.path.basename(os.fspath(path))
    if name not in _names and name not in ("", ".", ".."):
        return False
    return os.path.realpath(path) in _paths
