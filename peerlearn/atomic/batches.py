"""Batches: files written and removed together, landing all at once or not at all.

Inside :func:`batch`, nothing lands until the whole batch succeeds: each
changed file waits as its temporary file, each removal (:func:`remove_file`)
is noted, and only when the ``with`` block ends without an error are the
temporary files renamed into place and the removals made; on an error every
temporary file (and every folder the batch created) is removed, so the
folders are exactly as before. ``peerlearn publish`` writes a whole
publication this way.

The writers (:mod:`peerlearn.atomic.files`, :mod:`peerlearn.atomic.new_folder`)
ask :func:`current_batch` whether one is under way, and create the folders
they need through :func:`make_folder`, which notes them in it.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import random
import string
import tempfile
from pathlib import Path
from typing import Iterator

from ..errors import OutputError
from ..protected import is_protected
from .folders import create_folder, missing_folders, remove_emptied
from .places import check_path, write_error
from .temporary import lock, remove_temporary

_TOKEN_CHARACTERS = string.ascii_lowercase + string.digits
#: draws a batch's token from the system's randomness, as ``secrets.choice`` does, without loading ``secrets``
#: (and with it OpenSSL's hashing) into every command that writes a file
_tokens = random.SystemRandom()


class Batch:
    """Files written and removed under :func:`batch`: they land together in :meth:`commit`, or not at all.

    A batch holds nothing in memory for each file it writes (a publication
    may write hundreds of thousands): a changed file waits beside its
    destination as ``.<name>.<token>.tmp``, named by the batch's own
    ``token``, and the destinations are noted in a temporary file, read back
    when the batch commits or rolls back. Removals are kept in memory, and
    of the folders it creates only those whose parent it did not create.
    """

    def __init__(self) -> None:
        #: names this batch's temporary files (8 characters, as :data:`TEMPORARY` expects)
        self.token = "".join(_tokens.choice(_TOKEN_CHARACTERS) for _ in range(8))
        #: the destinations staged, each followed by a NUL, in the order written (opened at the first)
        self._staged = None
        self.removals: dict[str, None] = {}
        #: the folders the batch created, but for those inside another it created
        self.created: list[Path] = []
        self._created: set[str] = set()

    def temporary(self, path: Path | str) -> str:
        """The temporary file that waits for ``path`` in this batch."""
        head, name = os.path.split(os.fspath(path))
        return os.path.join(head, f".{name}.{self.token}.tmp")

    def is_waiting(self, temporary: Path | str) -> bool:
        return os.fspath(temporary).endswith(f".{self.token}.tmp")

    def open_temporary(self, path: Path) -> tuple[int, str]:
        """Create the temporary file of ``path`` (emptied if it already waits), locked while it is open."""
        name = self.temporary(path)
        handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        lock(handle)
        return handle, name

    def stage(self, temporary: Path | str, path: Path | str) -> None:
        """Note that ``temporary`` (:meth:`temporary` of ``path``) waits to be renamed to ``path``."""
        path = os.fspath(path)
        if self._staged is None:
            self._staged = tempfile.TemporaryFile()
        self._staged.write(os.fsencode(path) + b"\0")
        self.removals.pop(path, None)

    def unstage(self, path: Path | str) -> None:
        """Forget what waits for ``path`` (a later write found the file already right)."""
        remove_temporary(self.temporary(path))

    def remove(self, path: Path | str) -> None:
        self.unstage(path)
        self.removals[os.fspath(path)] = None

    def make_folder(self, folder: Path) -> None:
        """Create ``folder`` and its missing parents, noting them so that a rollback removes them."""
        missing = missing_folders(folder)
        for candidate in missing:
            create_folder(candidate, exist_ok=True)
        if missing and not any(os.fspath(parent) in self._created for parent in missing[0].parents):
            self.created.append(missing[0])
            self._created.add(os.fspath(missing[0]))

    def _destinations(self) -> Iterator[str]:
        """The destinations staged, in the order written (some twice, some since unstaged)."""
        if self._staged is None:
            return
        self._staged.flush()
        self._staged.seek(0)
        rest = b""
        while chunk := self._staged.read(1 << 16):
            *whole, rest = (rest + chunk).split(b"\0")
            for path in whole:
                yield os.fsdecode(path)

    def commit(self) -> None:
        for path in self._destinations():
            try:
                os.replace(self.temporary(path), path)
            except FileNotFoundError:  # unstaged since, or written twice and already renamed
                continue
            except OSError as error:
                raise write_error(path, error) from None
        self._close()
        for path in self.removals:
            try:
                Path(path).unlink(missing_ok=True)
            except OSError as error:
                raise OutputError(f"cannot remove {path}: {error.strerror or error}") from None
        remove_emptied(self.removals)

    def rollback(self) -> None:
        for path in self._destinations():
            remove_temporary(self.temporary(path))  # (a file, or a new folder's temporary folder)
        self._close()
        for folder in reversed(self.created):
            for parent, _folders, _names in os.walk(folder, topdown=False):
                try:
                    os.rmdir(parent)
                except OSError:  # not empty: another program's files
                    pass

    def _close(self) -> None:
        if self._staged is not None:
            self._staged.close()
            self._staged = None


_batch: contextvars.ContextVar[Batch | None] = contextvars.ContextVar("peerlearn_atomic_batch", default=None)


def current_batch() -> Batch | None:
    """The batch under way (:func:`batch`), if any."""
    return _batch.get()


@contextlib.contextmanager
def batch() -> Iterator[Batch]:
    """Write files (:func:`write_atomic`, :class:`AtomicFile`) and remove them (:func:`remove_file`) all at once.

    Until the block ends, what is written waits beside its destination as a
    temporary file and the folders keep their old files; a reader of a
    destination sees its old bytes. On success everything is renamed into
    place; on an exception nothing is, the temporary files and the folders
    the batch created are removed, and the exception goes on. Batches do
    not nest.
    """
    if _batch.get() is not None:
        raise RuntimeError("file batches do not nest")
    current = Batch()
    token = _batch.set(current)
    try:
        yield current
    except BaseException:
        _batch.reset(token)
        current.rollback()
        raise
    _batch.reset(token)
    try:
        current.commit()
    except BaseException:
        current.rollback()
        raise


def remove_file(path: Path) -> None:
    """Remove the file ``path`` (if it is there); inside :func:`batch`, when the batch commits.

    A folder the removal leaves empty inside its output folder
    (:func:`prepare_folder`) goes too; a path through a symbolic link
    inside the output folder is refused.
    """
    try:
        info = os.lstat(path)
    except OSError:
        info = None
    if is_protected(path, info):
        raise OutputError(f"cannot remove {path}: it is the registry itself")
    check_path(path, "remove")
    current = _batch.get()
    if current is not None:
        current.remove(path)
        return
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise OutputError(f"cannot remove {path}: {error.strerror or error}") from None
    remove_emptied([path])


def make_folder_here(folder: Path) -> None:
    """Create ``folder`` (its parent exists), noted by the batch under way."""
    current = _batch.get()
    if current is not None:
        current.make_folder(folder)
    else:
        create_folder(folder)


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its missing parents, noted by the batch under way."""
    current = _batch.get()
    if current is not None:
        current.make_folder(folder)
    else:
        for missing in missing_folders(folder):
            create_folder(missing, exist_ok=True)
