"""Filling a new folder whole, so that a reader sees no file of it, then all.

A build that fills a folder not there yet (or empty) with thousands of
files may use :class:`NewFolder`: the files are written once each into a
temporary folder beside it, renamed into place whole (when the batch
commits, inside :func:`~peerlearn.atomic.batches.batch`), so a reader sees
no file of it, then all.

Creating a file costs the kernel as much as a build spends working out a
small feed, and the kernel does it without Python's lock: the files are
written by a thread of their own, a few dozen at a time, while the build
goes on (on two cores, a warm build of 12,000 feeds took a quarter less
time). An error writing a file is raised in the build at its next write,
or when the folder is closed.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from .batches import current_batch
from .folders import open_to_all
from .places import check_folder, write_error
from .temporary import lock_created, new_name, remove_temporary


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

    #: files handed to the writing thread at a time, and batches waiting for it at most (memory stays flat)
    BATCH, WAITING = 32, 8

    def __init__(self, path: Path) -> None:
        import queue  # (only a whole build fills a folder: a rebuild's start-up pays nothing for it)

        self.path = Path(path)
        self.temporary: str | None = None
        self._handle: int | None = None
        self.written = 0
        #: whether the umask takes permissions from new files (known after the first)
        self._masked: bool | None = None
        self._batch: list[tuple[str, bytes]] = []
        self._batches: queue.Queue[list[tuple[str, bytes]] | None] = queue.Queue(self.WAITING)
        self._writer: threading.Thread | None = None
        #: the first error of the writing thread, raised in the build
        self._failure: BaseException | None = None

    @staticmethod
    def applies(path: Path) -> bool:
        """Whether ``path`` is missing or an empty folder, outside a :func:`batch` (where other files the
        batch writes into the folder would wait in it, and it could no longer be renamed onto)."""
        if current_batch() is not None:
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
        current = current_batch()
        while True:
            if current is not None:  # named by the batch, which renames it when it commits
                name = os.path.abspath(current.temporary(self.path))
                remove_temporary(name)  # (an earlier fill of the same folder in this batch)
            else:
                name = new_name(self.path)
            try:
                os.mkdir(name)
                handle = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except FileExistsError:
                continue
            except OSError as error:
                raise write_error(self.path, error) from None
            if lock_created(handle):  # (not taken for a leftover before the lock)
                break
        self.temporary, self._handle = name, handle
        try:
            open_to_all(name)  # renamed into place, it becomes the published folder
        except OSError as error:
            self.__exit__(OSError, error, None)
            raise write_error(self.path, error) from None
        return self

    def write(self, name: str, data: bytes) -> None:
        """Write the file ``name`` (a plain name) of the folder, by the writing thread (see the module).

        Raises the error the thread met on an earlier file, if any.
        """
        self._raise_failure()
        self._batch.append((name, data))
        self.written += 1
        if len(self._batch) >= self.BATCH:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_batches, name=f"peerlearn writing {self.path.name}",
                                            daemon=True)
            self._writer.start()
        batch, self._batch = self._batch, []
        self._batches.put(batch)

    def _write_batches(self) -> None:
        """The writing thread: each batch's files, until told to stop (None); after an error, none."""
        while True:
            batch = self._batches.get()
            if batch is None:
                return
            if self._failure is not None:
                continue  # (taken, so that the build never waits on a full queue)
            try:
                for name, data in batch:
                    self._write_now(name, data)
            except BaseException as error:  # noqa: B036 - raised again in the build's thread
                self._failure = error

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, _STOPPED
            if failure is not _STOPPED:
                raise failure

    def _finish(self, *, keep: bool) -> None:
        """Hand over what is left (where ``keep``), and wait for the writing thread to end."""
        if keep and self._batch:
            self._hand_over()
        self._batch = []
        if self._writer is not None:
            if not keep and self._failure is None:
                self._failure = _STOPPED  # the rest is not written
            self._batches.put(None)
            self._writer.join()
            self._writer = None

    def _write_now(self, name: str, data: bytes) -> None:
        """Create the file ``name`` with ``data``.

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

    def __exit__(self, exc_type, exc, traceback) -> None:
        current = current_batch()
        placed = False
        try:
            self._finish(keep=exc_type is None)
            if exc_type is None:
                self._raise_failure()
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
                remove_temporary(self.temporary)
            os.close(self._handle)



#: Stands for the writing thread's error once raised (or where it was told to stop): raised no more.
_STOPPED = RuntimeError("the folder's writing stopped")
