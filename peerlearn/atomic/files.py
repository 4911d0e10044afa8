"""Writing files so that a reader never sees one half-written.

Every file is written to a temporary file beside its destination
(:func:`~peerlearn.atomic.temporary.locked_temporary`) and renamed over it
only when complete; a file that already holds the same bytes is left alone,
so web servers' ETag and Last-Modified stay stable. Inside a batch
(:func:`~peerlearn.atomic.batches.batch`) the temporary file waits, and is
renamed when the batch commits.

The destination is checked first (:func:`~peerlearn.atomic.places.check_destination`):
what is not a regular file is refused, never replaced or written through.
An ``OSError`` while writing becomes :class:`~peerlearn.errors.OutputError`
naming the path and the cause, and the old file stays as it was.
"""

from __future__ import annotations

import errno
import filecmp
import os
from pathlib import Path
from typing import Callable, Iterable

from ..errors import OutputError
from .batches import current_batch, make_folder
from .places import check_destination, write_error
from .temporary import locked_temporary


def _temporary_beside(path: Path, create_folder: bool = True) -> tuple[int, str]:
    """The temporary file of ``path``: the batch's under way (:meth:`Batch.open_temporary`), else a new
    :func:`locked_temporary`; its folder created (noted by the batch under way) where missing.

    The folder is looked at only when the temporary file cannot be created:
    a build writing thousands of files into a few folders asks once per folder.
    """
    current = current_batch()
    create = current.open_temporary if current is not None else locked_temporary
    try:
        return create(path)
    except FileNotFoundError:
        if not create_folder or os.path.isdir(path.parent):
            raise
    make_folder(path.parent)
    return create(path)


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
    current = current_batch()
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
        current = current_batch()
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
