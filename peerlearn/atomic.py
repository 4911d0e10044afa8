"""Writing files so that a reader never sees one half-written, and only where they belong.

Everything peerlearn publishes (feeds, exports, the website) is written to a
temporary file beside its destination and renamed over it only when
complete; a file that already holds the same bytes is left alone, so web
servers' ETag and Last-Modified stay stable.

A destination that exists and is not a regular file (a folder, a symbolic
link, a FIFO, a device, a socket) is refused, never replaced or written
through; a build folder must be a real folder, not a link to one. An
``OSError`` while writing becomes :class:`~peerlearn.errors.OutputError`
naming the path and the cause, and the old file stays as it was.

Inside :func:`batch`, nothing lands until the whole batch succeeds: each
changed file waits as its temporary file, each removal (:func:`remove_file`)
is noted, and only when the ``with`` block ends without an error are the
temporary files renamed into place and the removals made; on an error every
temporary file (and every folder the batch created) is removed, so the
folders are exactly as before. ``peerlearn publish`` writes a whole
publication this way.

A temporary file is named ``.<name>.<random>.tmp`` and is locked
(``flock``) by the process writing it for as long as it exists. A process
killed mid-write loses its lock, so :func:`prepare_folder`, which every
build calls first, can tell such leftovers from another build's work in
progress and removes them.
"""

from __future__ import annotations

import contextlib
import contextvars
import filecmp
import glob
import os
import re
import secrets
import stat
import string
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: leftovers are then never removed
    fcntl = None

#: ``.<name>.<8 random characters>.tmp``, as :func:`tempfile.mkstemp` (or a :class:`Batch`) names them here.
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
_TOKEN_CHARACTERS = string.ascii_lowercase + string.digits


def describe(mode: int) -> str:
    """What a file of ``mode`` is, for a message: "a folder", "a symbolic link", …"""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def write_error(path: Path | str, error: OSError) -> OutputError:
    """``cannot write PATH: CAUSE`` for an OSError met while writing ``path``."""
    return OutputError(f"cannot write {path}: {error.strerror or error}")


def check_destination(path: Path) -> bool:
    """True where ``path`` is a regular file, False where nothing is there; refuse anything else."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    except OSError as error:
        raise write_error(path, error) from None
    if not stat.S_ISREG(mode):
        raise OutputError(f"cannot write {path}: it is {describe(mode)}, not a regular file; refusing to replace it")
    return True


def prepare_folder(path: Path | str, *, parents: bool = False, leftovers: bool = True) -> Path:
    """Make ``path`` ready to build into: a real folder, created if missing, cleared of leftovers.

    Refuses a path that exists and is not a folder (a file, a symbolic
    link, a device…), and, unless ``parents``, one whose parent folder is
    missing. Temporary files left by a killed build anywhere under it are
    removed, unless ``leftovers`` is False (a caller that knows whether a
    build was cut short, and calls :func:`remove_leftovers` itself then).
    """
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        if not parents and not path.parent.is_dir():
            raise OutputError(f"cannot build in {path}: folder {path.parent} does not exist") from None
        try:
            _make_folder(path) if parents else _make_folder_here(path)
        except OSError as error:
            raise write_error(path, error) from None
        return path
    except OSError as error:
        raise write_error(path, error) from None
    if not stat.S_ISDIR(mode):
        raise OutputError(f"cannot build in {path}: it is {describe(mode)}, not a folder")
    if leftovers:
        remove_leftovers(path)
    return path


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files under ``folder`` that no living process is writing; return them."""
    removed = []
    if fcntl is None:  # pragma: no cover
        return removed
    for parent, _folders, names in os.walk(folder):
        for name in names:
            if TEMPORARY.match(name) and remove_if_abandoned(Path(parent, name)):
                removed.append(Path(parent, name))
    return removed


def remove_leftovers_of(path: Path) -> list[Path]:
    """Remove the temporary files of ``path`` alone (``.<name>.<random>.tmp`` beside it) that nobody writes."""
    removed = []
    if fcntl is None:  # pragma: no cover
        return removed
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if TEMPORARY.match(candidate.name) and remove_if_abandoned(candidate):
            removed.append(candidate)
    return removed


def remove_if_abandoned(path: Path) -> bool:
    """Remove the temporary file ``path`` where no process holds its lock; True where it did.

    The temporary files of the batch under way (:func:`batch`) wait to be
    renamed: they are never taken for leftovers.
    """
    current = _batch.get()
    if current is not None and current.is_waiting(path):
        return False
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return False
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a living process is writing it
        path.unlink(missing_ok=True)
        return True
    finally:
        os.close(handle)


def locked_temporary(path: Path, suffix: str = ".tmp") -> tuple[int, str]:
    """Create a temporary file beside ``path`` and lock it for as long as it is open: (descriptor, name)."""
    while True:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
        if fcntl is None:  # pragma: no cover
            return handle, name
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if os.stat(name).st_ino == os.fstat(handle).st_ino:
                return handle, name
        except FileNotFoundError:
            pass
        os.close(handle)  # another build took it for a leftover between its creation and the lock: again


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
        self.token = "".join(secrets.choice(_TOKEN_CHARACTERS) for _ in range(8))
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
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
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
        Path(self.temporary(path)).unlink(missing_ok=True)

    def remove(self, path: Path | str) -> None:
        self.unstage(path)
        self.removals[os.fspath(path)] = None

    def make_folder(self, folder: Path) -> None:
        """Create ``folder`` and its missing parents, noting them so that a rollback removes them."""
        missing = []
        for candidate in (folder, *folder.parents):
            if candidate.is_dir():
                break
            missing.append(candidate)
        for candidate in reversed(missing):
            candidate.mkdir(exist_ok=True)
        if missing and not any(os.fspath(parent) in self._created for parent in missing[-1].parents):
            self.created.append(missing[-1])
            self._created.add(os.fspath(missing[-1]))

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

    def rollback(self) -> None:
        for path in self._destinations():
            Path(self.temporary(path)).unlink(missing_ok=True)
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
    """Remove the file ``path`` (if it is there); inside :func:`batch`, when the batch commits."""
    current = _batch.get()
    if current is not None:
        current.remove(path)
        return
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise OutputError(f"cannot remove {path}: {error.strerror or error}") from None


def _make_folder_here(folder: Path) -> None:
    """Create ``folder`` (its parent exists), noted by the batch under way."""
    current = _batch.get()
    if current is not None:
        current.make_folder(folder)
    else:
        folder.mkdir()


def _make_folder(folder: Path) -> None:
    current = _batch.get()
    if current is not None:
        current.make_folder(folder)
    else:
        folder.mkdir(parents=True, exist_ok=True)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(data) + 1) == data
    except FileNotFoundError:
        return False


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False where it already holds it."""
    current = _batch.get()
    try:
        if check_destination(path) and _same_bytes(path, data):
            if current is not None:
                current.unstage(path)
            return False
        _make_folder(path.parent)
        handle, temporary = current.open_temporary(path) if current is not None else locked_temporary(path)
    except OSError as error:
        raise write_error(path, error) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), 0o644)
            if current is not None:
                current.stage(Path(temporary), path)
            else:
                os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise write_error(path, error) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


class AtomicFile:
    """Stream text into a temporary file beside ``path``; on success rename it over ``path``.

    Where ``path`` already holds the same bytes the temporary file is dropped
    and ``changed`` stays False, so the published file keeps its mtime. On an
    exception the temporary file is removed and ``path`` is untouched; an
    ``OSError`` while writing becomes an ``OutputError`` naming ``path``.
    """

    def __init__(self, path: Path, *, create_folder: bool = True) -> None:
        self.path = path
        self.changed = False
        self.create_folder = create_folder

    def __enter__(self) -> "_CheckedWriter":
        try:
            check_destination(self.path)
            if self.create_folder:
                _make_folder(self.path.parent)
            current = _batch.get()
            handle, self.temporary = (current.open_temporary(self.path) if current is not None
                                      else locked_temporary(self.path))
        except OSError as error:
            raise write_error(self.path, error) from None
        self.file = os.fdopen(handle, "w", encoding="utf-8", newline="")
        return _CheckedWriter(self.file, self.path)

    def __exit__(self, exc_type, exc, traceback) -> None:
        temporary = Path(self.temporary)
        current = _batch.get()
        staged = False
        try:
            if exc_type is None:
                self.file.flush()
                if os.path.isfile(self.path) and filecmp.cmp(temporary, self.path, shallow=False):
                    if current is not None:
                        current.unstage(self.path)
                    return
                os.fchmod(self.file.fileno(), 0o644)
                if current is not None:  # renamed when the batch commits
                    current.stage(temporary, self.path)
                    staged = True
                else:
                    os.replace(temporary, self.path)  # while still holding the lock
                self.changed = True
        except OSError as error:
            raise write_error(self.path, error) from None
        finally:
            if not staged:
                temporary.unlink(missing_ok=True)
            _close_quietly(self.file)


def _close_quietly(file) -> None:
    """Close ``file``; what it still buffers is dropped where the disk refuses it (the write has failed)."""
    try:
        file.close()
    except OSError:
        try:
            file.close()  # the first attempt failed while flushing; this one releases the descriptor
        except OSError:
            pass


class _CheckedWriter:
    """A text file whose write errors name the destination (``cannot write PATH: CAUSE``)."""

    def __init__(self, file, path: Path) -> None:
        self._file = file
        self._path = path

    def write(self, text: str) -> int:
        try:
            return self._file.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise write_error(self._path, error) from None

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._file, name)
