"""Where outputs may go: the output folders of this process, and the checks every writer and remover makes.

A destination that exists and is not a regular file (a folder, a symbolic
link, a FIFO, a device, a socket) is refused, never replaced or written
through; a build folder must be a real folder, not a link to one, and so
must every folder between it and a file written or removed there
(:func:`check_path`): a link inside an output folder would have files
written, or removed, elsewhere. An ``OSError`` met on the way becomes
:class:`~peerlearn.errors.OutputError` naming the path and the cause
(:func:`write_error`).

An output folder is one a build prepared
(:func:`peerlearn.atomic.preparing.prepare_folder`), which notes it here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import OutputError
from ..protected import is_protected


def describe(mode: int) -> str:
    """What a file of ``mode`` is, for a message: "a folder", "a symbolic link", …"""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def write_error(path: Path | str, error: OSError) -> OutputError:
    """``cannot write PATH: CAUSE`` for an OSError met while writing ``path``."""
    return OutputError(f"cannot write {path}: {error.strerror or error}")


#: The output folders of the builds of this process (:func:`add_output_folder`): each by its absolute path, as named.
_roots: dict[str, str] = {}
#: Folders found real up to their output folder, as named: a build writing thousands of files looks at each once.
_checked: set[str] = set()
#: Whether each output folder of this process is private (:func:`start_output_folder`), by its absolute path.
_private: dict[str, bool] = {}


def start_output_folder(path: Path, private: bool) -> None:
    """Note that ``path`` is about to become an output folder, ``private`` or not.

    Noted before the folder is made, since the mode it is made with depends
    on it (:func:`is_private`). Every folder found real so far is looked at
    again: the output folders may have changed.
    """
    _checked.clear()
    _private[os.path.abspath(path)] = private


def add_output_folder(path: Path) -> None:
    """Make ``path``, found or made a real folder, an output folder of this process."""
    _roots[os.path.abspath(path)] = os.fspath(path)


def check_path(path: Path | str, verb: str = "write") -> None:
    """Refuse ``path`` where a folder between its output folder and it is a symbolic link (or not a folder).

    An output folder is one a build prepared (:func:`add_output_folder`); a
    path in no output folder is not looked at. Every writer and remover of
    :mod:`peerlearn.atomic` calls it, at the cost of one set look-up per file once its folder is
    known (:func:`check_folder`).
    """
    folder = os.path.dirname(os.fspath(path))
    if folder not in _checked:
        check_folder(folder, path, verb)


def check_folder(folder: Path | str, path: Path | str | None = None, verb: str = "write") -> None:
    """Refuse where ``folder``, or a folder between it and its output folder, is not a real folder.

    A folder not there yet is let be (the build creates it, a real one): it
    is looked at again once it is there. ``path`` is what the message names
    as written (default: ``folder``).
    """
    folder = os.fspath(folder)
    absolute = os.path.abspath(folder)
    root = output_folder_of(absolute, itself=True)
    if root is not None:
        current = root
        for name in os.path.relpath(absolute, root).split(os.sep) if absolute != root else ():
            current = os.path.join(current, name)
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                return
            except OSError as error:
                raise OutputError(f"cannot {verb} {path or folder}: {error.strerror or error}") from None
            if not stat.S_ISDIR(mode):
                shown = os.path.join(_roots[root], os.path.relpath(current, root))
                kind = "a file" if stat.S_ISREG(mode) else describe(mode)
                raise OutputError(f"cannot {verb} {path or folder}: {shown}/ is {kind}, not a folder; refusing to"
                                  f" {verb} through it")
    _checked.add(folder)


def output_folder_of(path: str, roots: dict | None = None, *, itself: bool = False) -> str | None:
    """The output folder (absolute) that holds ``path`` (absolute), the innermost, if any; ``itself``: or
    that is ``path``. ``roots``: the output folders to look among (default: those prepared)."""
    roots = _roots if roots is None else roots
    return max((root for root in tuple(roots)
                if (itself and path == root) or path.startswith(root.rstrip(os.sep) + os.sep)), key=len,
               default=None)


def is_private(folder: Path | str) -> bool:
    """Whether ``folder`` is, or is in, an output folder noted private (:func:`start_output_folder`)."""
    root = output_folder_of(os.path.abspath(folder), _private, itself=True)
    return root is not None and _private[root]


def check_destination(path: Path) -> bool:
    """True where ``path`` is a regular file, False where nothing is there; refuse anything else.

    An open registry's file, or its ``-journal``, ``-wal`` or ``-shm`` file
    (:mod:`peerlearn.protected`), is refused too, whatever the path calls it,
    and so is a path through a symbolic link inside its output folder
    (:func:`check_path`).
    """
    check_path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise write_error(path, error) from None
    if is_protected(path, info):
        raise OutputError(f"cannot write {path}: it is the registry itself; refusing to replace it")
    if info is None:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"cannot write {path}: it is {describe(info.st_mode)}, not a regular file;"
                          " refusing to replace it")
    return True
