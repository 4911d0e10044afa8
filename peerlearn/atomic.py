"""Writing files so that a reader never sees one half-written, and only where they belong.

Everything peerlearn publishes (feeds, exports, the website) is written to a
temporary file beside its destination (or, for a new folder filled at once,
into a temporary folder beside it) and renamed over it only when complete;
a file that already holds the same bytes is left alone, so web servers'
ETag and Last-Modified stay stable.

A destination that exists and is not a regular file (a folder, a symbolic
link, a FIFO, a device, a socket) is refused, never replaced or written
through; a build folder must be a real folder, not a link to one, and so
must every folder between it and a file written or removed there
(:func:`check_path`): a link inside an output folder would have files
written, or removed, elsewhere. A folder a removal leaves empty is removed
too (up to the output folder), so a rebuild leaves what a fresh build does. An
``OSError`` while writing becomes :class:`~peerlearn.errors.OutputError`
naming the path and the cause, and the old file stays as it was.

Inside :func:`batch`, nothing lands until the whole batch succeeds: each
changed file waits as its temporary file, each removal (:func:`remove_file`)
is noted, and only when the ``with`` block ends without an error are the
temporary files renamed into place and the removals made; on an error every
temporary file (and every folder the batch created) is removed, so the
folders are exactly as before. ``peerlearn publish`` writes a whole
publication this way.

A build that fills a folder not there yet (or empty) with thousands of
files may use :class:`NewFolder`: the files are written once each into a
temporary folder beside it, renamed into place whole (when the batch
commits, inside :func:`batch`), so a reader sees no file of it, then all.

A temporary file is named ``.<name>.<random>.tmp`` and is locked
(``flock``) by the process writing it for as long as it exists. A process
killed mid-write loses its lock, so :func:`prepare_folder`, which every
build calls first, can tell such leftovers from another build's work in
progress and removes them. A temporary folder is named and locked alike,
and removed whole.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import filecmp
import glob
import os
import random
import re
import shutil
import stat
import string
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import OutputError
from .protected import is_protected

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: leftovers are then never removed
    fcntl = None

#: ``.<name>.<8 random characters>.tmp``, as :func:`locked_temporary` names them (and :func:`tempfile.mkstemp`).
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
_NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
#: How a temporary file is opened: created here or not at all, never through a symbolic link, kept from children.
_CREATE = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
           | getattr(os, "O_BINARY", 0))
_names = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_names.seed)  # a forked child never draws its parent's names
_TOKEN_CHARACTERS = string.ascii_lowercase + string.digits
#: draws a batch's token from the system's randomness, as ``secrets.choice`` does, without loading ``secrets``
#: (and with it OpenSSL's hashing) into every command that writes a file
_tokens = random.SystemRandom()


def describe(mode: int) -> str:
    """What a file of ``mode`` is, for a message: "a folder", "a symbolic link", …"""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def write_error(path: Path | str, error: OSError) -> OutputError:
    """``cannot write PATH: CAUSE`` for an OSError met while writing ``path``."""
    return OutputError(f"cannot write {path}: {error.strerror or error}")


#: The output folders of the builds of this process (:func:`prepare_folder`): each by its absolute path, as named.
_roots: dict[str, str] = {}
#: Folders found real up to their output folder, as named: a build writing thousands of files looks at each once.
_checked: set[str] = set()
#: Whether each output folder of this process is private (:func:`prepare_folder`), by its absolute path.
_private: dict[str, bool] = {}


def check_path(path: Path | str, verb: str = "write") -> None:
    """Refuse ``path`` where a folder between its output folder and it is a symbolic link (or not a folder).

    An output folder is one a build prepared (:func:`prepare_folder`); a
    path in no output folder is not looked at. Every writer and remover here
    calls it, at the cost of one set look-up per file once its folder is
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
    root = _root_of(absolute, itself=True)
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


def _root_of(path: str, roots: dict | None = None, *, itself: bool = False) -> str | None:
    """The output folder (absolute) that holds ``path`` (absolute), the innermost, if any; ``itself``: or
    that is ``path``. ``roots``: the output folders to look among (default: those prepared)."""
    roots = _roots if roots is None else roots
    return max((root for root in tuple(roots)
                if (itself and path == root) or path.startswith(root.rstrip(os.sep) + os.sep)), key=len,
               default=None)


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
    _checked.clear()
    _private[os.path.abspath(path)] = private
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        if not parents and not path.parent.is_dir():
            raise OutputError(f"cannot build in {path}: folder {path.parent} does not exist") from None
        try:
            _make_folder(path) if parents else _make_folder_here(path)
        except OSError as error:
            raise write_error(path, error) from None
        _roots[os.path.abspath(path)] = os.fspath(path)
        return path
    except OSError as error:
        raise write_error(path, error) from None
    if not stat.S_ISDIR(mode):
        raise OutputError(f"cannot build in {path}: it is {describe(mode)}, not a folder")
    _roots[os.path.abspath(path)] = os.fspath(path)
    if leftovers:
        remove_leftovers(path)
    return path


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files under ``folder`` that no living process is writing; return them."""
    removed = []
    if fcntl is None:  # pragma: no cover
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
    if fcntl is None:  # pragma: no cover
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
    current = _batch.get()
    if current is not None and current.is_waiting(path):
        return False
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
        _remove_temporary(os.fspath(path))
        return True
    finally:
        os.close(handle)


def _remove_temporary(name: str) -> None:
    """Remove a temporary file, or a temporary folder with all it holds (never through a symbolic link)."""
    try:
        if stat.S_ISDIR(os.lstat(name).st_mode):
            shutil.rmtree(name, ignore_errors=True)
        else:
            os.unlink(name)
    except FileNotFoundError:
        pass


def locked_temporary(path: Path, suffix: str = ".tmp") -> tuple[int, str]:
    """Create a temporary file beside ``path`` and lock it for as long as it is open: (descriptor, name).

    Named and opened as :func:`tempfile.mkstemp` would (``O_EXCL``, mode
    0600, an absolute name), without its per-call set-up: a build creates
    one for each of thousands of files. ``FileNotFoundError`` where the
    folder of ``path`` is missing.
    """
    folder = os.path.abspath(path.parent)
    prefix = f".{path.name}."
    while True:
        name = os.path.join(folder, prefix + "".join(_names.choices(_NAME_CHARACTERS, k=8)) + suffix)
        try:
            handle = os.open(name, _CREATE, 0o600)
        except FileExistsError:
            continue
        if fcntl is None:  # pragma: no cover
            return handle, name
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            if os.fstat(handle).st_nlink:  # not removed (as a leftover) before the lock was taken
                return handle, name
        except BaseException:
            os.close(handle)
            raise
        os.close(handle)  # another build took it for a leftover between its creation and the lock: again


def _temporary_beside(path: Path, create_folder: bool = True) -> tuple[int, str]:
    """The temporary file of ``path``: the batch's under way (:meth:`Batch.open_temporary`), else a new
    :func:`locked_temporary`; its folder created (noted by the batch under way) where missing.

    The folder is looked at only when the temporary file cannot be created:
    a build writing thousands of files into a few folders asks once per folder.
    """
    current = _batch.get()
    create = current.open_temporary if current is not None else locked_temporary
    try:
        return create(path)
    except FileNotFoundError:
        if not create_folder or os.path.isdir(path.parent):
            raise
    _make_folder(path.parent)
    return create(path)


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
        _remove_temporary(self.temporary(path))

    def remove(self, path: Path | str) -> None:
        self.unstage(path)
        self.removals[os.fspath(path)] = None

    def make_folder(self, folder: Path) -> None:
        """Create ``folder`` and its missing parents, noting them so that a rollback removes them."""
        missing = _missing(folder)
        for candidate in missing:
            _new_folder(candidate, exist_ok=True)
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
            _remove_temporary(self.temporary(path))  # (a file, or a new folder's temporary folder)
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


def remove_emptied(paths: Iterable[Path | str]) -> None:
    """Remove the folders that the removal of ``paths`` left empty, up to their output folder (never it).

    So that a rebuild leaves what a fresh build would: no empty folder of a
    deleted activity. Only a folder inside an output folder
    (:func:`prepare_folder`) is removed, and only when empty: never one that
    holds another program's files.
    """
    folders: set[str] = set()
    for path in paths:
        file = os.path.abspath(os.fspath(path))
        root = _root_of(file)
        folder = os.path.dirname(file)
        while root is not None and folder != root and folder not in folders:
            folders.add(folder)
            folder = os.path.dirname(folder)
    for folder in sorted(folders, key=lambda folder: folder.count(os.sep), reverse=True):  # the deepest first
        try:
            os.rmdir(folder)
        except OSError:  # not empty (or gone, or not a real folder)
            pass


def _make_folder_here(folder: Path) -> None:
    """Create ``folder`` (its parent exists), noted by the batch under way."""
    current = _batch.get()
    if current is not None:
        current.make_folder(folder)
    else:
        _new_folder(folder)


def _make_folder(folder: Path) -> None:
    """Create ``folder`` and its missing parents, noted by the batch under way."""
    current = _batch.get()
    if current is not None:
        current.make_folder(folder)
    else:
        for missing in _missing(folder):
            _new_folder(missing, exist_ok=True)


def _missing(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that are missing, the outermost first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            break
        missing.append(candidate)
    return missing[::-1]


def _new_folder(folder: Path | str, exist_ok: bool = False) -> None:
    """Create the folder ``folder`` (its parent exists), open to all as :func:`_open_to_all` leaves it."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        if not exist_ok or not os.path.isdir(folder):
            raise
        return
    _open_to_all(folder)


def _open_to_all(folder: Path | str) -> None:
    """Make the folder ``folder``, just created, readable and searchable by all (0755), unless it is in a
    private output folder (:func:`prepare_folder`).

    A published folder the umask closed (``umask 077`` makes it 0700) would
    hide the files in it, which are readable by all (0644): its mode is set
    explicitly only where the umask took some of that away (one look at the
    folder; the usual umask 022 leaves it so). Any other bit it has, a
    group's write, stays.
    """
    root = _root_of(os.path.abspath(folder), _private, itself=True)  # (noted before the folder is made)
    if root is not None and _private[root]:
        return
    mode = stat.S_IMODE(os.stat(folder).st_mode)
    if mode & 0o755 != 0o755:
        os.chmod(folder, mode | 0o755)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size != len(data):  # (a page of megabytes is not read to see it)
                return False
            return handle.read(len(data) + 1) == data
    except FileNotFoundError:
        return False


#: Files of this many bytes or more have their blocks allocated before they are written (:func:`reserve`).
RESERVE_FROM = 1 << 20


def reserve(handle: int, size: int) -> None:
    """Allocate the next ``size`` bytes of the file open as ``handle`` before they are written.

    Replacing a file with one whose blocks the file system has not allocated
    yet makes ext4 allocate them during the rename (about 10 ms for a 16 MB
    feed); allocated up front, they cost a fraction of it. A file system that
    cannot allocate ahead is written as it is; one that is full says so here,
    before anything is written.
    """
    allocate = getattr(os, "posix_fallocate", None)
    if allocate is None or size <= 0:
        return
    try:
        allocate(handle, os.lseek(handle, 0, os.SEEK_CUR), size)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False where it already holds it."""
    try:
        same = check_destination(path) and _same_bytes(path, data)
    except OSError as error:
        raise write_error(path, error) from None
    return _replace(path, len(data), lambda handle: write_all(handle, data), same)


def splice_atomic(path: Path, replacements: list[tuple[int, int, bytes]]) -> bool:
    """Rewrite the file ``path`` with each ``(start, end, data)`` put in place of its bytes ``start:end``.

    The stretches between are copied from the file as it is by the kernel
    (``os.copy_file_range``), never read into the process: replacing one item
    of a page of megabytes costs about what the item does. The ranges are in
    the file's order and do not overlap. As :func:`write_atomic`: through a
    temporary file and a rename (inside a :func:`batch`, when it commits);
    False, and nothing written, where every range already holds its data.
    """
    replacements = sorted(replacements, key=lambda replacement: replacement[0])
    try:
        if not check_destination(path):
            raise OutputError(f"cannot rewrite {path}: it is missing")
        old = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise write_error(path, error) from None
    try:
        size, at = os.fstat(old).st_size, 0
        for start, end, _data in replacements:
            if not at <= start <= end <= size:
                raise ValueError(f"ranges to replace in {path} must be in order, apart, and inside its "
                                 f"{size} bytes (got {start}:{end})")
            at = end
        same = all(os.pread(old, end - start, start) == data for start, end, data in replacements)
        pieces: list[tuple[int, int] | bytes] = []
        at = 0
        for start, end, data in replacements:
            pieces += [(at, start - at), data]
            at = end
        pieces.append((at, size - at))
        new_size = size + sum(len(data) - (end - start) for start, end, data in replacements)
        return _replace(path, new_size, lambda handle: write_pieces(handle, old, pieces), same)
    except OSError as error:
        raise write_error(path, error) from None
    finally:
        os.close(old)


def _replace(path: Path, size: int, fill: Callable[[int], None], same: bool) -> bool:
    """Put the ``size`` bytes ``fill(handle)`` writes at ``path`` through a temporary file (False where ``same``)."""
    current = _batch.get()
    if same:
        if current is not None:
            current.unstage(path)
        return False
    try:
        handle, temporary = _temporary_beside(path)
    except OSError as error:
        raise write_error(path, error) from None
    staged = False
    try:
        if size >= RESERVE_FROM:
            reserve(handle, size)
        fill(handle)
        os.fchmod(handle, 0o644)
        if current is not None:
            current.stage(temporary, path)
            staged = True
        else:
            os.replace(temporary, path)  # while still holding the lock
            staged = True
    except OSError as error:
        raise write_error(path, error) from None
    finally:
        if not staged:
            _unlink_quietly(temporary)
        os.close(handle)
    return True


#: Bytes copied at once where the kernel cannot copy between files.
_COPY = 1 << 20


def copy_range(source: int, target: int, offset: int, size: int) -> None:
    """Copy ``size`` bytes from ``offset`` of ``source`` to where ``target`` stands (both open descriptors)."""
    kernel_copy = getattr(os, "copy_file_range", None)
    while size > 0:
        done = 0
        if kernel_copy is not None:
            try:
                done = kernel_copy(source, target, size, offset)
            except OSError:  # not between these files (another file system, an old kernel): read and write
                kernel_copy = None
        if not done:
            data = os.pread(source, min(size, _COPY), offset)
            if not data:
                raise OSError(f"the file copied from ends before {offset + size} bytes")
            write_all(target, data)
            done = len(data)
        offset += done
        size -= done


def write_pieces(handle: int, source: int | None, pieces: Iterable[tuple[int, int] | bytes]) -> None:
    """Write ``pieces`` in order to the open descriptor ``handle``: each ``(offset, size)`` a range copied from
    the open descriptor ``source`` (:func:`copy_range`; ranges that follow each other there copied as one),
    each ``bytes`` written as it is."""
    run, end = -1, 0  # the stretch of ``source`` waiting to be copied, or -1
    for piece in pieces:
        if isinstance(piece, tuple):
            offset, size = piece
            if run >= 0 and offset == end:
                end += size
                continue
            if run >= 0:
                copy_range(source, handle, run, end - run)
            run, end = offset, offset + size
            continue
        if run >= 0:
            copy_range(source, handle, run, end - run)
            run = -1
        write_all(handle, piece)
    if run >= 0:
        copy_range(source, handle, run, end - run)


def write_all(handle: int, data: bytes) -> None:
    """Write all of ``data`` to the open descriptor ``handle``."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


class AtomicFile:
    """Stream text into a temporary file beside ``path``; on success rename it over ``path``.

    Where ``path`` already holds the same bytes the temporary file is dropped
    and ``changed`` stays False, so the published file keeps its mtime. On an
    exception the temporary file is removed and ``path`` is untouched; an
    ``OSError`` while writing becomes an ``OutputError`` naming ``path``.
    """

    def __init__(self, path: Path, *, create_folder: bool = True, differs: bool = False) -> None:
        self.path = path
        self.changed = False
        self.create_folder = create_folder
        #: the caller knows the new bytes differ from the old file's: they are not compared again
        self.differs = differs

    def __enter__(self) -> "_CheckedWriter":
        try:
            check_destination(self.path)
            handle, self.temporary = _temporary_beside(self.path, self.create_folder)
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
                if not self.differs and os.path.isfile(self.path) and filecmp.cmp(temporary, self.path, shallow=False):
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


class NewFolder:
    """Fill the folder ``path``, missing or empty, so that it appears with all its files at once.

    Each file (:meth:`write`) is created once, in a temporary folder beside
    ``path`` named and locked as a temporary file is: no temporary file and
    no rename of its own, which is most of the cost of writing thousands of
    small files through :func:`write_atomic`. When the ``with`` block ends
    without an error the temporary folder is renamed onto ``path`` (inside
    :func:`batch`, when the batch commits); on an error it is removed and
    ``path`` is as it was. :meth:`applies` says whether ``path`` is missing
    or empty and no batch is under way (a folder with files keeps being
    written file by file, so that a file whose bytes do not change is not
    rewritten).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.temporary: str | None = None
        self._handle: int | None = None
        self.written = 0
        #: whether the umask takes permissions from new files (known after the first)
        self._masked: bool | None = None

    @staticmethod
    def applies(path: Path) -> bool:
        """Whether ``path`` is missing or an empty folder, outside a :func:`batch` (where other files the
        batch writes into the folder would wait in it, and it could no longer be renamed onto)."""
        if _batch.get() is not None:
            return False
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return True
        except OSError:
            return False
        if not stat.S_ISDIR(mode):
            return False
        with os.scandir(path) as entries:
            return next(entries, None) is None

    def __enter__(self) -> "NewFolder":
        check_folder(self.path)
        current = _batch.get()
        folder = os.path.abspath(self.path.parent)
        while True:
            if current is not None:  # named by the batch, which renames it when it commits
                name = os.path.abspath(current.temporary(self.path))
                _remove_temporary(name)  # (an earlier fill of the same folder in this batch)
            else:
                name = os.path.join(folder, f".{self.path.name}." + "".join(_names.choices(_NAME_CHARACTERS, k=8))
                                    + ".tmp")
            try:
                os.mkdir(name)
                handle = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except FileExistsError:
                continue
            except OSError as error:
                raise write_error(self.path, error) from None
            if fcntl is None:  # pragma: no cover
                break
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
                if os.fstat(handle).st_nlink:  # not taken for a leftover before the lock
                    break
            except BaseException:
                os.close(handle)
                raise
            os.close(handle)
        self.temporary, self._handle = name, handle
        try:
            _open_to_all(name)  # renamed into place, it becomes the published folder
        except OSError as error:
            self.__exit__(OSError, error, None)
            raise write_error(self.path, error) from None
        return self

    def write(self, name: str, data: bytes) -> None:
        """Write the file ``name`` (a plain name) of the folder.

        Created readable by all (0644, as every published file is), inside a
        folder no one else sees until it is renamed into place; set so
        explicitly only where the process's umask took some of it away (the
        first file shows whether it did: a folder of thousands of files
        saves as many system calls).
        """
        try:
            handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                             dir_fd=self._handle)
        except OSError as error:
            raise write_error(self.path / name, error) from None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
            if self._masked is None:
                self._masked = stat.S_IMODE(os.fstat(handle).st_mode) != 0o644
            if self._masked:
                os.fchmod(handle, 0o644)
        except OSError as error:
            raise write_error(self.path / name, error) from None
        finally:
            os.close(handle)
        self.written += 1

    def __exit__(self, exc_type, exc, traceback) -> None:
        current = _batch.get()
        placed = False
        try:
            if exc_type is None:
                try:
                    if current is not None:  # renamed when the batch commits
                        current.stage(self.temporary, self.path)
                    else:
                        os.replace(self.temporary, self.path)  # while still holding the lock
                except OSError as error:
                    raise write_error(self.path, error) from None
                placed = True
        finally:
            if not placed:
                _remove_temporary(self.temporary)
            os.close(self._handle)


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
