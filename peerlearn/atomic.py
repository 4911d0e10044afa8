"""Writing files so that a reader never sees one half-written.

Everything peerlearn publishes (feeds, exports, the website) is written to a
temporary file beside its destination and renamed over it only when
complete; a file that already holds the same bytes is left alone, so web
servers' ETag and Last-Modified stay stable.
"""

from __future__ import annotations

import filecmp
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False where it already holds it."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


class AtomicFile:
    """Stream text into a temporary file beside ``path``; on success rename it over ``path``.

    Where ``path`` already holds the same bytes the temporary file is dropped
    and ``changed`` stays False, so the published file keeps its mtime. On an
    exception the temporary file is removed and ``path`` is untouched.
    """

    def __init__(self, path: Path, *, create_folder: bool = True) -> None:
        self.path = path
        self.changed = False
        self.create_folder = create_folder

    def __enter__(self):
        if self.create_folder:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self.file = os.fdopen(handle, "w", encoding="utf-8", newline="")
        return self.file

    def __exit__(self, exc_type, exc, traceback) -> None:
        temporary = Path(self.temporary)
        try:
            self.file.close()
            if exc_type is None:
                if self.path.exists() and filecmp.cmp(temporary, self.path, shallow=False):
                    return
                os.chmod(temporary, 0o644)
                os.replace(temporary, self.path)
                self.changed = True
        finally:
            temporary.unlink(missing_ok=True)
