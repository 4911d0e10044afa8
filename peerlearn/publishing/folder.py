"""A published folder: what each part of a publication wrote there, and writing only what changed.

A folder that ``peerlearn publish`` (or ``peerlearn site build``) writes
into keeps a manifest, ``.peerlearn-publish.db`` (an SQLite file): every
file a part of the publication (``site``, ``logs``, a plugin's own) wrote,
by path, and each part's state (what it needs to know next time to do only
what changed, e.g. the last change it saw). Files the manifest does not name
are never touched: a publication shares its folder with other files. A file
a part wrote before and does not write (or :meth:`Publication.keep`) this
time is removed. The manifest is a database rather than a file read whole
so that a publication that changes little reads and writes little of it,
and holds none of it in memory, however many files the folder holds: a
part that knows what changed keeps the rest with :meth:`Publication.keep_rest`.
(The JSON manifest of earlier versions, ``.peerlearn-publish.json``, is
read once and replaced.)

Every write compares bytes first and goes through :mod:`peerlearn.atomic`,
so an unchanged file keeps its mtime (and web servers their ETag).
:func:`open_publication` runs a publication in one ``atomic.batches.batch()``:
nothing lands until the whole of it has succeeded, and the manifest's
changes are committed only once the files have landed (on an error, or a
kill, they are rolled back). While it runs, a marker
file (``.peerlearn-publishing``, locked) says so: a second publication into
the same folder is refused, and one that finds the marker of a killed
publication clears its temporary files. Only then (or the first time) is the
whole folder walked for leftovers, so a publication that changes little
costs little however many files the folder holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import stat
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator

import attrs

from ..atomic.batches import batch, remove_file
from ..atomic.files import AtomicFile, splice_atomic, write_atomic
from ..atomic.places import check_path
from ..atomic.preparing import prepare_folder, remove_leftovers
from ..errors import OutputError, ValidationError

MANIFEST = ".peerlearn-publish.db"
#: The manifest of earlier versions (one JSON file): its files and states are carried over, and it is removed.
OLD_MANIFEST = ".peerlearn-publish.json"
#: Present (and locked) while a publication writes into the folder.
MARKER = ".peerlearn-publishing"
#: The manifest's own format (its ``user_version``); another number is read as no manifest (everything is
#: written again).
MANIFEST_VERSION = 2
#: The old JSON manifest's format.
OLD_MANIFEST_VERSION = 1
#: How many paths go to the manifest, or are looked up in it, per statement.
_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, part TEXT NOT NULL, run INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS files_by_part ON files (part, run);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


@attrs.define
class Counts:
    """What one part of a publication did: files written, left unchanged, removed."""

    written: int = 0
    unchanged: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return attrs.asdict(self)


class Publication:
    """A folder being published into: handed to ``peerlearn_publish`` implementations.

    Attributes say what is published (``base_url``, ``networks``, ``now``,
    ``today``, ``feeds``: where the calendar feeds are, relative to the
    folder); methods write files into it by path relative to the folder,
    each for a ``part`` (a short name: ``site``, ``logs``, your plugin's), so
    that a later publication removes what a part no longer writes.
    """

    def __init__(self, root: Path, *, base_url: str = "", networks: tuple[str, ...] = (),
                 now: dt.datetime | None = None, today: dt.date | None = None, feeds: str = "feeds") -> None:
        self.root = Path(root)
        #: the public address of the folder (``https://events.example.org``), or "" where not known
        self.base_url = base_url
        #: the networks to publish (empty: every network)
        self.networks = tuple(networks)
        #: the moment taken as now (what is upcoming), aware
        self.now = now or dt.datetime.now(dt.timezone.utc)
        #: the date taken as today (the year of the yearly reports)
        self.today = today or self.now.date()
        #: the folder of the calendar feeds, relative to ``root``
        self.feeds = feeds
        self._manifest = _Manifest(self.root)
        self._run = self._manifest.run
        self._state: dict[str, Any] = {}
        self._parts: set[str] = set()
        #: parts that keep the rest of their files (:meth:`keep_rest`), with the files and folders renewed
        self._rest: dict[str, tuple[str, ...]] = {}
        #: folders whose modification times are noted once the publication has landed, by part
        self._watched: dict[str, tuple[str, ...]] = {}
        self._claimed = False
        #: files kept that the part published last time, by part (their rows left as they are)
        self._kept: dict[str, set[str]] = {}
        self.counts: dict[str, Counts] = {}

    # -- what the last publication left ------------------------------------

    def previous(self, part: str) -> list[str]:
        """The files ``part`` wrote (or kept) last time, by path, sorted."""
        return [path for (path,) in self._manifest.db.execute(
            "SELECT path FROM files WHERE part = ? AND run < ? ORDER BY path", (part, self._run))]

    def state(self, part: str) -> dict:
        """What ``part`` kept for itself last time (see :meth:`set_state`); ``{}`` the first time."""
        found = self._manifest.get(f"part:{part}")
        return dict(found) if isinstance(found, dict) else {}

    def set_state(self, part: str, state: dict) -> None:
        """Keep ``state`` (JSON data) for ``part``'s next publication into this folder."""
        self._claim_part(part)
        self._state[part] = json.loads(json.dumps(state))

    # -- writing -----------------------------------------------------------

    def path(self, name: str) -> Path:
        """The file ``name`` (relative, with ``/``) under the folder; refuses a name that leaves it or is hidden."""
        parts = PurePosixPath(name).parts
        if (not parts or PurePosixPath(name).is_absolute() or any(p in ("", ".", "..") for p in parts)
                or any(p.startswith(".") for p in parts) or "\\" in name):
            raise ValidationError(f"{name!r} is not a file name inside the published folder")
        return self.root.joinpath(*parts)

    def write(self, part: str, name: str, data: bytes) -> bool:
        """Write ``data`` to ``name`` for ``part`` unless it already holds those bytes; True where written."""
        target = self.path(name)
        self._claim(part, name)
        changed = write_atomic(target, data)
        self._count(part, changed)
        return changed

    def splice(self, part: str, name: str, replacements: list[tuple[int, int, bytes]]) -> bool:
        """Rewrite ``name`` for ``part`` with each ``(start, end, data)`` in place of its bytes ``start:end``.

        For a large file of which a few pieces change (one item of a page
        listing thousands): the bytes between are copied by the kernel, not
        read and written again. The ranges are those of the file as the last
        publication left it, in order, apart. True where written; False where
        each range already holds its data (the file is kept as it is).
        """
        target = self.path(name)
        self._claim(part, name)
        changed = splice_atomic(target, replacements)
        self._count(part, changed)
        return changed

    @contextlib.contextmanager
    def open(self, part: str, name: str) -> Iterator[Any]:
        """A text stream (UTF-8, newlines as written) into ``name`` for ``part``, kept only where its bytes changed."""
        target = self.path(name)
        self._claim(part, name)
        out_file = AtomicFile(target)
        with out_file as out:
            yield out
        self._count(part, out_file.changed)

    def keep(self, part: str, name: str) -> None:
        """Keep ``name`` as the last publication left it, without writing it (``part`` knows it has not changed).

        A file that has gone missing since is not kept: the part must write it.
        """
        target = self.path(name)
        check_path(target)  # (never a file kept through a symbolic link inside the folder)
        if target.is_symlink() or not target.is_file():
            raise OutputError(f"{target} was published before but is missing or not a file; publish it again")
        self._claim_part(part)
        self._keep(part, [name])
        self.counts[part].unchanged += 1

    def keep_many(self, part: str, names: list[str]) -> list[str]:
        """Keep each of ``names`` as :meth:`keep` does, cheaply (one ``stat`` each); return those gone missing.

        For a part that keeps some files between two builds (one that keeps
        thousands, knowing what changed: :meth:`keep_rest`).
        """
        self._claim_part(part)
        missing = self._missing(names)
        gone = set(missing)
        kept = [name for name in names if name not in gone]
        self._keep(part, kept)
        self.counts[part].unchanged += len(kept)
        return missing

    def missing(self, part: str, names: Iterable[str] | None = None) -> list[str]:
        """Which of ``names`` (default: every file ``part`` published last time) are no longer regular files.

        One ``stat`` each. Without ``names``, where the folders :meth:`watch`
        named have not been touched since the last publication landed, none
        is looked at: nothing was deleted from them.
        """
        if names is None:
            if self._untouched(part):
                return []
            names = (path for (path,) in self._manifest.db.execute(
                "SELECT path FROM files WHERE part = ? AND run < ? ORDER BY path", (part, self._run)))
        return self._missing(names)

    def watch(self, part: str, folders: Iterable[str]) -> None:
        """Note the modification times of ``folders`` once this publication has landed, for the next :meth:`missing`.

        ``folders`` are relative (``""`` is the folder itself): the next
        publication's :meth:`missing` looks at no file where none of them
        has changed since, since nothing can have been deleted there.
        A file deleted from a folder changes the folder's time, not its
        parent's: name every folder whose files should be checked this way.
        """
        self._claim_part(part)
        self._watched[part] = tuple(folders)

    def keep_rest(self, part: str, *, renewed: Iterable[str] = (), total: int | None = None) -> int:
        """Keep every file ``part`` published last time and does not write now, unchecked and unlisted; return how many.

        For a part that knows what changed since its last publication and
        writes only that. ``renewed`` names the exceptions: files (and
        folders, ending in ``/``) whose files of last time are removed
        unless written (or kept) this time, as those of a part that keeps
        nothing. Without it, a part's files of last time not written again
        are removed. ``total``, where the part knows it (it kept it in its
        state), is how many files it published last time: counting them
        costs a look at each in the manifest. Call it before writing.
        """
        self._claim_part(part)
        renewed = tuple(dict.fromkeys(renewed))
        self._rest[part] = renewed
        db = self._manifest.db
        if total is None:
            (total,) = db.execute("SELECT count(*) FROM files WHERE part = ? AND run < ?",
                                  (part, self._run)).fetchone()
        dropped = sum(db.execute(f"SELECT count(*) FROM files WHERE {_of_part(where)} AND {where}",
                                 (part, self._run, *values)).fetchone()[0]
                      for where, values in map(_under, renewed))
        kept = total - dropped
        self.counts[part].unchanged += kept
        return kept

    def note(self, part: str, counts: Counts) -> None:
        """Add what ``part`` did by its own means (e.g. the feeds, which keep their own manifest)."""
        total = self.counts.setdefault(part, Counts())
        total.written += counts.written
        total.unchanged += counts.unchanged
        total.removed += counts.removed

    # -- finishing ---------------------------------------------------------

    def finish(self) -> None:
        """Remove what the parts that ran wrote last time and not this time; note the states in the manifest.

        The manifest is committed once the files have landed (``open_publication`` sees to it).
        """
        db = self._manifest.db
        for part in sorted(self._parts):
            if part in self._rest:
                selections = [_under(item) for item in self._rest[part]]
            else:
                selections = [("1", ())]
            kept = self._kept.get(part, set())
            for where, values in selections:
                cursor = db.execute(f"SELECT path FROM files WHERE {_of_part(where)} AND {where} ORDER BY path",
                                    (part, self._run, *values))
                gone = []
                while rows := cursor.fetchmany(_CHUNK):
                    for (name,) in rows:
                        if name in kept:
                            continue
                        gone.append(name)
                        try:
                            target = self.path(name)
                        except ValidationError:
                            continue  # a damaged manifest never removes anything outside the folder
                        if target.is_file():
                            remove_file(target)
                            self.counts.setdefault(part, Counts()).removed += 1
                db.executemany("DELETE FROM files WHERE path = ?", ((name,) for name in gone))
                self._claimed = self._claimed or bool(gone)
        for part, value in self._state.items():
            self._manifest.set(f"part:{part}", value)
        if self._claimed:  # else no file bears this number: the manifest stays as it was, byte for byte
            self._manifest.set("run", self._run)
        if self._manifest.old:
            remove_file(self.root / OLD_MANIFEST)

    def _land(self) -> None:
        """Once the files have landed: note the watched folders' times and commit the manifest."""
        for part, folders in self._watched.items():
            self._manifest.set(f"watch:{part}", _times(self.root, folders))
        self._manifest.commit()

    def _abandon(self) -> None:
        """On an error: the manifest as it was."""
        self._manifest.rollback()

    def summary(self) -> dict[str, dict[str, int]]:
        """Files written, unchanged and removed, by part."""
        return {part: counts.as_dict() for part, counts in sorted(self.counts.items())}

    def _untouched(self, part: str) -> bool:
        noted = self._manifest.get(f"watch:{part}")
        return isinstance(noted, dict) and bool(noted) and noted == _times(self.root, noted)

    def _missing(self, names: Iterable[str]) -> list[str]:
        root = os.fspath(self.root) + os.sep
        missing = []
        for name in names:
            check_path(root + name)  # (never a file kept through a symbolic link inside the folder)
            try:
                regular = stat.S_ISREG(os.lstat(root + name).st_mode)
            except OSError:
                regular = False
            if not regular:  # gone, or made a link or a pipe since: written again (and refused if not a file)
                missing.append(name)
        return missing

    def _keep(self, part: str, names: list[str]) -> None:
        """Keep ``names`` for ``part``: those it published last time are noted in memory (the manifest stays as it
        was), others are claimed as if written."""
        db, kept = self._manifest.db, self._kept.setdefault(part, set())
        for start in range(0, len(names), _CHUNK):
            chunk = names[start:start + _CHUNK]
            ours = {path for (path,) in db.execute(
                f"SELECT path FROM files WHERE part = ? AND run < ? AND path IN ({', '.join('?' * len(chunk))})",
                (part, self._run, *chunk))}
            for name in chunk:
                if name in ours and self._claimed_by(name) in (None, part):
                    kept.add(name)
            self._claim_all(part, [name for name in chunk if name not in ours])

    def _claimed_by(self, name: str) -> str | None:
        """The part that has written or kept ``name`` in this publication, if any."""
        for part, kept in self._kept.items():
            if name in kept:
                return part
        row = self._manifest.db.execute("SELECT part FROM files WHERE path = ? AND run = ?",
                                        (name, self._run)).fetchone()
        return row[0] if row else None

    def _claim_part(self, part: str) -> None:
        if not part or not part.replace("-", "").replace("_", "").isalnum():
            raise ValidationError(f"{part!r} is not a part's name (letters, digits, - and _)")
        self._parts.add(part)
        self.counts.setdefault(part, Counts())

    def _claim(self, part: str, name: str) -> None:
        self._claim_part(part)
        if self.feeds and (name == self.feeds or name.startswith(f"{self.feeds}/")):
            raise OutputError(f"{name}: the folder {self.feeds}/ holds the calendar feeds, which are built apart;"
                              f" {part!r} must publish elsewhere")
        self._claim_all(part, [name])

    def _claim_all(self, part: str, names: list[str]) -> None:
        """Note ``names`` as ``part``'s in this publication; refuse one another part has claimed in it."""
        if not names:
            return
        db = self._manifest.db
        for name in names:
            owner = next((other for other, kept in self._kept.items() if other != part and name in kept), None)
            if owner is not None:
                raise OutputError(f"{name} is published by {owner!r} and {part!r}: one of them must choose another"
                                  " name")
        self._claimed = True
        before = db.total_changes
        db.executemany("INSERT INTO files (path, part, run) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE"
                       " SET part = excluded.part, run = excluded.run WHERE files.run < excluded.run"
                       " OR files.part = excluded.part", ((name, part, self._run) for name in names))
        if db.total_changes - before != len(names):
            for name in names:
                owner = db.execute("SELECT part FROM files WHERE path = ?", (name,)).fetchone()[0]
                if owner != part:
                    raise OutputError(f"{name} is published by {owner!r} and {part!r}: one of them must choose"
                                      " another name")

    def _count(self, part: str, changed: bool) -> None:
        counts = self.counts.setdefault(part, Counts())
        if changed:
            counts.written += 1
        else:
            counts.unchanged += 1


def _of_part(where: str) -> str:
    """The condition that a row is a part's from an earlier publication (values: part, run), beside ``where``.

    Where ``where`` selects paths, the ``+`` keeps SQLite from choosing the
    index by part for the whole (a scan of every file of the part) over the
    paths' own.
    """
    return "part = ? AND run < ?" if where == "1" else "+part = ? AND +run < ?"


def _under(item: str) -> tuple[str, tuple]:
    """The SQL condition (and its values) selecting the file ``item``, or the files under the folder ``item/``."""
    if item.endswith("/"):
        return "path >= ? AND path < ?", (item, item[:-1] + chr(ord("/") + 1))
    return "path = ?", (item,)


def _times(root: Path, folders: Iterable[str]) -> dict[str, int]:
    """The modification time of each of ``folders`` (0 where it is missing)."""
    found = {}
    for folder in folders:
        try:
            found[folder] = os.lstat(root / folder).st_mtime_ns
        except OSError:
            found[folder] = 0
    return found


class _Manifest:
    """The folder's manifest, in one transaction for the length of a publication (committed by :meth:`commit`).

    A manifest of another format, or damaged, is replaced: a publication
    into that folder writes everything again.
    """

    def __init__(self, root: Path) -> None:
        self.path = root / MANIFEST
        self.created = not self.path.exists()
        self.old = (root / OLD_MANIFEST).is_file()
        try:
            self.db = self._open()
        except sqlite3.Error:
            self._discard()
            try:
                self.db = self._open()
            except sqlite3.Error as error:
                raise OutputError(f"cannot write {self.path}: {error}") from None
        noted = self.get("run")
        if not isinstance(noted, int):
            (noted,) = self.db.execute("SELECT coalesce(max(run), 0) FROM files").fetchone()
        #: this publication's number: the files it writes or keeps are noted with it
        self.run = noted + 1
        if self.old and self.created:
            self._import_old(root / OLD_MANIFEST)

    def _open(self) -> sqlite3.Connection:
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            raise OutputError(f"cannot write {self.path}: it is not a regular file; refusing to replace it")
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            # no fsync: the files it lists are not synced either, and a manifest a power cut damaged is replaced
            # (everything is written again); its rollback journal still undoes a publication killed midway
            db.execute("PRAGMA synchronous = OFF")
            db.execute("BEGIN IMMEDIATE")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, MANIFEST_VERSION):
                db.execute("ROLLBACK")
                db.close()
                self._discard()
                db = sqlite3.connect(self.path, isolation_level=None)
                db.execute("PRAGMA synchronous = OFF")
                db.execute("BEGIN IMMEDIATE")
            if db.execute("PRAGMA user_version").fetchone()[0] != MANIFEST_VERSION:  # new (else left unwritten)
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {MANIFEST_VERSION}")
            db.execute("SELECT count(*) FROM state").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    def _discard(self) -> None:
        for suffix in ("", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.created = True

    def _import_old(self, path: Path) -> None:
        data = _read_old_manifest(path)
        files = data.get("files", {})
        self.db.executemany("INSERT OR IGNORE INTO files (path, part, run) VALUES (?, ?, 0)",
                            [(name, owner) for name, owner in files.items() if isinstance(name, str)])
        for part, value in (data.get("state") or {}).items():
            if isinstance(value, dict):
                self.set(f"part:{part}", value)

    def get(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set(self, key: str, value: Any) -> None:
        text = json.dumps(value, sort_keys=True)
        self.db.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                        " SET value = excluded.value WHERE value != excluded.value", (key, text))

    def commit(self) -> None:
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as error:
            raise OutputError(f"cannot write {self.path}: {error}") from None
        finally:
            self.db.close()

    def rollback(self) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        finally:
            self.db.close()
            if self.created:
                self._discard()


def _read_old_manifest(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != OLD_MANIFEST_VERSION:
        return {}
    files = data.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return {}
    return data


@contextlib.contextmanager
def open_publication(folder: str | Path, *, parents: bool = False, also: tuple[str | Path, ...] = (),
                     **options: Any) -> Iterator[Publication]:
    """A :class:`Publication` into ``folder`` (created if missing; its parent too with ``parents``), all or nothing.

    ``options`` are the publication's (``base_url``, ``networks``, ``now``,
    ``today``, ``feeds``). ``also`` names other folders the publication
    writes into (a private folder), held and cleared the same way, their
    new folders as the umask makes them (see ``prepare_folder``). When the
    block ends well, every file written lands and the manifest is saved;
    on an exception nothing lands, and a folder the publication created is
    removed again.
    """
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(_held(Path(folder), parents=parents))
        for other in also:
            stack.enter_context(_held(Path(other), parents=parents, private=True))
        publication = Publication(root, **options)
        try:
            with batch():
                yield publication
                publication.finish()
        except BaseException:
            publication._abandon()
            raise
        publication._land()


@contextlib.contextmanager
def _held(folder: Path, *, parents: bool, private: bool = False) -> Iterator[Path]:
    """``folder`` ready and marked as being published into, for the length of the block."""
    import fcntl

    existed = folder.is_dir()
    prepare_folder(folder, parents=parents, leftovers=False, private=private)
    marker = folder / MARKER
    killed = marker.exists()
    while True:
        try:
            handle = os.open(marker, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as error:
            _remove_if_new(folder, existed)
            raise OutputError(f"cannot publish into {folder}: {error.strerror or error}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            raise OutputError(f"another publication into {folder} is under way; try again when it has"
                              " finished") from None
        try:
            if os.stat(marker).st_ino == os.fstat(handle).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(handle)  # the marker of a publication that has just finished: take a new one
    try:
        if killed or not (folder / MANIFEST).exists():
            remove_leftovers(folder)  # what a killed publication (or an older build) left
        try:
            yield folder
        except BaseException:
            marker.unlink(missing_ok=True)
            _remove_if_new(folder, existed)
            raise
        marker.unlink(missing_ok=True)
    finally:
        os.close(handle)


def _remove_if_new(folder: Path, existed: bool) -> None:
    if not existed:
        try:
            folder.rmdir()
        except OSError:  # not empty: another program's files
            pass
