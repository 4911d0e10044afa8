"""The registry: one SQLite file, opened safely, written one transaction a command.

``Registry.open`` refuses a file that is not SQLite (it never overwrites
one), an empty file (unless asked to initialise it) and a schema newer than
this peerlearn; it sets a busy timeout and, when opened for writing, turns on
WAL and migrates an older schema forward after checking the file's integrity
and keeping a copy of it. Opening costs the same at any size: the full
``PRAGMA quick_check`` runs only where a write may have been cut short (a
write marker left by a process that is gone, or a hot rollback journal: see
:mod:`.integrity`), and ``peerlearn check`` runs the full checks on request.
Opened for reading it writes nothing, and a registry whose folder cannot hold
the WAL's files opens read-only. ``Registry.transaction`` begins
``IMMEDIATE`` so two processes writing at once wait for each other instead
of failing or losing an update; every change made inside it is appended to
the change log in the same transaction, and plugins hear of it only after
it commits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import stat
from pathlib import Path
import itertools
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from .. import models, plugins, protected
from ..errors import RegistryError
from ..timeutil import now_utc, to_utc_text
from .records import change_json
from . import integrity

if TYPE_CHECKING:  # pragma: no cover
    from sqlite_utils.db import Database

    from ..models import Change

DEFAULT_DB = "peerlearn.db"
BUSY_TIMEOUT_MS = 30_000
SQLITE_HEADER = b"SQLite format 3\x00"
#: ids a statement is given at a time (SQLite caps its parameters)
CHUNK = 500


def default_path() -> Path:
    """``peerlearn.db`` in the working directory (the CLI's ``--db`` and ``$PEERLEARN_DB`` choose another)."""
    return Path(DEFAULT_DB)


def default_actor() -> str:
    """The operating-system user (the CLI's ``--actor`` and ``$PEERLEARN_ACTOR`` name another)."""
    import getpass  # not at import: only a command that writes asks who acts

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is available in some containers
        return "unknown"


class Registry:
    """An open registry. Use :meth:`open`; close it when done (or use ``with``)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, actor: str | None, readonly: bool) -> None:
        #: the connection (autocommit: :meth:`transaction` begins and ends transactions itself)
        self.conn = conn
        self._db: Database | None = None
        self.path = path
        self._actor = actor
        self.readonly = readonly
        #: why the registry can only be read (None where it can be written)
        self.readonly_reason: str | None = f"{path} is read-only" if readonly else None
        #: whether opening it created its file, and whether a transaction has been committed since (see
        #: :meth:`abandon`)
        self.created = False
        self.committed = False
        self.pending_changes: PendingChanges | None = None
        #: warnings raised by validation, for the caller to show
        self.warnings: list[str] = []
        #: the schema this registry had before opening upgraded it, and where a copy of it was kept
        self.upgraded_from: str | None = None
        self.kept_copy: Path | None = None
        #: what plugins report of the last transaction before it committed (e.g. notices queued)
        self.notes: list[str] = []
        #: within how many days of an event the agenda's checks report roles still tbc or tbd (their
        #: own default where None); the CLI sets it from ``$PEERLEARN_PENDING_DAYS``
        self.pending_days: int | None = None
        #: why opening ran the full quick_check (None where the registry was closed cleanly)
        self.checked_because: str | None = None
        #: how the registry's file is kept from being written over as output while it is open
        self._protection: tuple | None = None

    @property
    def actor(self) -> str:
        """Who the changes are recorded as: the one given when opening, else the operating-system user.

        The user is looked up when first asked for, by a command that writes.
        """
        if self._actor is None:
            self._actor = default_actor()
        return self._actor

    @actor.setter
    def actor(self, actor: str) -> None:
        self._actor = actor

    @property
    def db(self) -> "Database":
        """The registry as an ``sqlite_utils.Database`` on the same connection, for its table helpers.

        Built on first use: importing sqlite-utils costs more than the rest
        of a start-up (it imports numpy where numpy is installed), so
        commands that only read use :attr:`conn` and :meth:`query` instead.
        """
        if self._db is None:
            from sqlite_utils.db import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    # -- opening ----------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, actor: str | None = None, create: bool = True,
             upgrade: bool | None = None, initialise_empty: bool = False) -> "Registry":
        """Open the registry at ``path`` (default: :func:`default_path`).

        ``create`` makes a new registry where no file is. ``upgrade``
        (default: as ``create``) migrates an older schema forward after
        keeping a copy of the file (:attr:`kept_copy`); without it an
        older schema is refused, so that reading never writes. An empty file
        is refused unless ``initialise_empty``; a schema newer than this
        peerlearn knows is always refused. Where the file, or the folder that
        must hold its ``-wal`` and ``-shm`` files, cannot be written, the
        registry opens read-only and every transaction says why it fails.
        """
        path = Path(path) if path is not None else default_path()
        exists = path.exists()
        if exists:
            _check_header(path)
            if path.stat().st_size == 0 and not initialise_empty:
                raise RegistryError(f"{path} is an empty file, not a registry; refusing to use it"
                                    " ('peerlearn init' makes it one)")
        elif not create:
            raise RegistryError(f"no registry at {path} (create one with 'peerlearn init' or 'peerlearn demo')")
        elif not path.parent.exists():
            raise RegistryError(f"cannot create a registry at {path}: folder {path.parent} does not exist")
        elif not _writable_folder(path):
            raise RegistryError(f"cannot create a registry at {path}: folder {path.parent} is read-only")
        readonly_reason = _readonly_reason(path) if exists else None
        interrupted = integrity.interrupted_write(path) if exists else None  # before SQLite rolls a journal back
        conn: sqlite3.Connection | None = None
        try:
            conn = _connect(path, readonly=readonly_reason is not None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils sets it on the connections it opens
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # SQLite's first read: is it SQLite?
        except sqlite3.DatabaseError as error:
            if conn is not None:
                conn.close()
            raise _not_usable(path, error) from None
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0] if interrupted else "ok"
        except sqlite3.OperationalError as error:  # busy, locked: not a verdict on the file
            conn.close()
            raise _not_usable(path, error) from None
        except sqlite3.DatabaseError as error:  # so damaged that the check itself stops
            check = str(error)
        if check != "ok":
            conn.close()
            raise RegistryError(f"{path} is damaged (PRAGMA quick_check after {interrupted}: {check});"
                                " refusing to open it")
        registry = cls(conn, path, actor or None, readonly_reason is not None)
        registry.readonly_reason = readonly_reason
        registry.checked_because = interrupted
        registry.created = not exists
        try:
            registry._prepare(fresh=not exists, upgrade=create if upgrade is None else upgrade)
        except sqlite3.DatabaseError as error:
            registry.abandon()
            if isinstance(error, sqlite3.OperationalError):
                raise
            raise _not_usable(path, error) from None
        except BaseException:
            registry.abandon()
            raise
        registry._protection = protected.protect(path)
        return registry

    def _prepare(self, fresh: bool, upgrade: bool) -> None:
        """Check the schema; where ``upgrade``, turn on WAL and migrate forward (keeping a copy first)."""
        from .migrations import migrations, names

        applied = migrations.applied_names(self.conn)
        if not fresh and not applied and self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").fetchone():
            raise RegistryError(f"{self.path} is an SQLite database but not a peerlearn registry; refusing to change it")
        unknown = [name for name in applied if name not in names()]
        if unknown:
            raise RegistryError(f"{self.path} was written by a newer peerlearn; upgrade peerlearn to open it"
                                f" (its schema has {', '.join(unknown)})")
        pending = [name for name in names() if name not in applied]
        if pending and applied and self.readonly:
            raise RegistryError(f"{self.readonly_reason} and needs its schema upgraded; open it writable once")
        if pending and applied and not upgrade:
            raise RegistryError(f"{self.path} has an older schema ({applied[-1]}); upgrade it with 'peerlearn migrate'"
                                " (a copy is kept first) before reading it")
        if self.readonly or (applied and not upgrade):
            return
        try:
            if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            raise _write_error(self.path, error) from None
        if pending:
            with _upgrade_lock(self.path):
                # another process may have upgraded the file while this one waited: decide again
                applied = migrations.applied_names(self.conn)
                pending = [name for name in names() if name not in applied]
                if pending and applied:
                    if self.checked_because is None:  # a migration rewrites tables: never on a damaged file
                        integrity.refuse_damaged(self.conn, self.path, "before upgrading its schema")
                    self.upgraded_from = applied[-1]
                    self.kept_copy = _keep_copy(self.conn, self.path, applied[-1])
                if pending:
                    self._migrate(pending, self.kept_copy)
        if self.checked_because is not None:
            integrity.clear_stale_markers(self.path)

    def _migrate(self, pending: list[str], copy: Path | None) -> None:
        """Apply ``pending`` migrations one at a time, each in its own transaction; a failure names itself."""
        from .migrations import migrations

        for index, name in enumerate(pending):
            try:
                migrations.apply(self.db, stop_before=pending[index + 1:] or None)
            except sqlite3.OperationalError as error:
                if any(word in str(error) for word in ("locked", "busy", "readonly", "disk", "full")):
                    raise _write_error(self.path, error) from None  # the file, not the migration, failed
                raise _migration_error(self.path, name, error, copy) from None
            except Exception as error:  # noqa: BLE001 - a migration's failure is reported whole, with its name
                raise _migration_error(self.path, name, error, copy) from None

    def close(self) -> None:
        self.conn.close()
        if self._protection is not None:
            protected.release(self._protection)
            self._protection = None

    def abandon(self) -> None:
        """Close the registry after a failure, removing its file where this open created it.

        The file (and SQLite's files beside it) is removed only where nothing
        was committed to it since: a command that failed leaves no registry
        where there was none.
        """
        self.close()
        if self.created and not self.committed:
            for end in ("", "-wal", "-shm", "-journal"):
                self.path.with_name(self.path.name + end).unlink(missing_ok=True)

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> str:
        from .migrations import migrations

        applied = migrations.applied_names(self.conn)
        return applied[-1] if applied else "none"

    # -- writing ----------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, *, dry_run: bool = False,
                    before_commit: Callable[[], None] | None = None) -> Iterator["PendingChanges"]:
        """One write transaction; yields the list of changes it records.

        On any exception everything is rolled back. With ``dry_run`` the
        transaction is rolled back even on success, so a caller can show
        what would change. ``before_commit`` is called last, after the
        plugins' ``peerlearn_before_commit``, just before the commit (never
        with ``dry_run``): an exception from it rolls everything back too.
        """
        if self.pending_changes is not None:
            raise RuntimeError("transactions do not nest")
        if self.readonly:
            raise RegistryError(f"{self.readonly_reason}; nothing was changed")
        conn = self.conn
        marker = integrity.mark_writing(self.path)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            integrity.clear_marker(marker)
            raise _write_error(self.path, error) from None
        self.pending_changes = changes = PendingChanges()
        try:
            yield changes
            self.notes = plugins.before_commit(self, changes, dry_run)
            if dry_run:
                conn.execute("ROLLBACK")
            else:
                if before_commit is not None:
                    before_commit()
                conn.execute("COMMIT")
                self.committed = True
        except sqlite3.OperationalError as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _write_error(self.path, error) from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self.pending_changes = None
            integrity.clear_marker(marker)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One transaction that records no change: every read inside sees the same registry.

        Taken for writing (``BEGIN IMMEDIATE``) unless the registry is
        read-only, so that caches filled meanwhile (the feeds' blocks) are
        kept when it ends well; on an exception it is rolled back. Inside a
        transaction already open it joins that one, which then decides.
        """
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        try:
            conn.execute("BEGIN" if self.readonly else "BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise RegistryError(f"cannot read {self.path}: {error}") from None
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if conn.in_transaction:
            conn.execute("COMMIT")

    def record(
        self,
        action: str,
        entity: str,
        entity_id: Any,
        *,
        network: str | None = None,
        before: dict | None = None,
        after: dict | None = None,
    ) -> Change:
        """Append one row to the change log (inside the current transaction)."""
        if self.pending_changes is None:
            raise RuntimeError("changes are recorded only inside Registry.transaction()")
        change = models.Change(
            at=now_utc(),
            actor=self.actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            network=network,
            before=before,
            after=after,
        )
        cursor = self.conn.execute(
            "INSERT INTO changes (at, actor, action, entity, entity_id, network, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            change_row(change),
        )
        change = models.Change(**{**_fields(change), "id": cursor.lastrowid})
        self.pending_changes.append(change)
        return change

    def record_many(self, rows: list[tuple]) -> None:
        """Append many change rows at once (bulk imports); rows as :func:`change_row`."""
        if self.pending_changes is None:
            raise RuntimeError("changes are recorded only inside Registry.transaction()")
        if not rows:
            return
        self.conn.executemany(
            "INSERT INTO changes (at, actor, action, entity, entity_id, network, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        # One statement under the write lock: the rows got consecutive ids ending at the largest.
        last_id = self.conn.execute("SELECT max(id) FROM changes").fetchone()[0]
        self.pending_changes.extend_rows(rows, first_id=last_id - len(rows) + 1)

    # -- reading ----------------------------------------------------------

    def reading_uri(self) -> str:
        """The URI to open another connection that only reads this registry (see :func:`reading_uri`)."""
        return reading_uri(self.path, readonly=self.readonly)

    def query(self, sql: str, params: Any = ()) -> list[dict]:
        """The rows ``sql`` selects, each a dict of column name to value."""
        return list(self.rows(sql, params))

    def rows(self, sql: str, params: Any = ()) -> Iterator[dict]:
        """The rows ``sql`` selects, as dicts, one at a time (for reading more rows than memory should hold).

        The statement runs now; its rows are fetched as they are iterated.
        """
        cursor = self.conn.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return (dict(zip(columns, row)) for row in cursor)

    def select_in(self, sql: str, ids: Iterable, params: Sequence = ()) -> Iterator[tuple]:
        """The rows of ``sql`` for ``ids``, read a chunk of ids at a time (SQLite caps a statement's parameters).

        ``sql`` holds ``{ids}`` where the chunk's placeholders go; ``params`` follow them.
        """
        for chunk in chunks(ids):
            yield from self.conn.execute(sql.format(ids=", ".join("?" * len(chunk))), [*chunk, *params])

    def one(self, sql: str, params: Any = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def counts(self) -> dict[str, int]:
        tables = ("networks", "members", "memberships", "activities", "sessions", "roles", "participations", "outputs",
                  "changes")
        return {name: self.conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in tables}


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    """``values`` in lists of at most ``size``, read as they come (a statement takes only so many parameters)."""
    values = iter(values)
    while chunk := list(itertools.islice(values, size)):
        yield chunk


class PendingChanges(Sequence["Change"]):
    """The changes a transaction records, in order: what ``--dry-run`` lists and plugins are told.

    Rows appended in bulk (:meth:`Registry.record_many`) become
    :class:`Change` objects only when read, so an import of 200,000 rows
    counts them all without building them.
    """

    def __init__(self) -> None:
        self._entries: list[Change | tuple[int, tuple]] = []

    def append(self, change: Change) -> None:
        self._entries.append(change)

    def extend_rows(self, rows: list[tuple], first_id: int) -> None:
        self._entries.extend(enumerate(rows, start=first_id))

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._change(entry) for entry in self._entries[index]]
        return self._change(self._entries[index])

    def __iter__(self) -> Iterator[Change]:
        return (self._change(entry) for entry in self._entries)

    @staticmethod
    def _change(entry: Change | tuple[int, tuple]) -> Change:
        if isinstance(entry, models.Change):
            return entry
        change_id, (at, actor, action, entity, entity_id, network, before, after) = entry
        return models.Change(at=dt.datetime.fromisoformat(at.replace("Z", "+00:00")), actor=actor, action=action,
                      entity=entity, entity_id=entity_id, network=network,
                      before=json.loads(before) if before else None, after=json.loads(after) if after else None,
                      id=change_id)


def _fields(change: Change) -> dict:
    import attrs

    return attrs.asdict(change, recurse=False)


def change_row(change: Change) -> tuple:
    return (
        to_utc_text_precise(change.at),
        change.actor,
        change.action,
        change.entity,
        change.entity_id,
        change.network,
        change_json(change.before),
        change_json(change.after),
    )


def to_utc_text_precise(moment: dt.datetime) -> str:
    """UTC ISO 8601 with microseconds, so changes within a second keep their order."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_header(path: Path) -> None:
    """Refuse a folder or a special file, looking only with ``os.stat``.

    Closing any descriptor of a file drops every POSIX lock the process holds
    on it, those of its open SQLite connections included (SQLite's "How To
    Corrupt An SQLite Database File", section 2.2): another process may then
    checkpoint and delete the WAL under them. This check runs in processes that
    already hold connections to the file (each worker thread of ``peerlearn
    serve`` opens its own), so it never opens the file. Whether the file is
    SQLite at all is SQLite's first read to tell (see :func:`_not_usable`).
    """
    try:
        info = path.stat()
    except OSError as error:
        raise RegistryError(f"cannot read {path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise RegistryError(f"{path} is a folder, not a registry file")
    if not stat.S_ISREG(info.st_mode):
        raise RegistryError(f"{path} is not a regular file; refusing to open it")
    if not os.access(path, os.R_OK):
        raise RegistryError(f"cannot read {path}: Permission denied")


def _not_usable(path: Path, error: sqlite3.DatabaseError) -> RegistryError:
    """The error for a file SQLite could not read; a file that is not SQLite fails with SQLITE_NOTADB."""
    if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
        return RegistryError(f"{path} is not an SQLite database; refusing to open it")
    return RegistryError(f"{path} is not a usable SQLite database: {error}")


def _writable_folder(path: Path) -> bool:
    return os.access(path.absolute().parent, os.W_OK)


def _readonly_reason(path: Path) -> str | None:
    """Why the registry at ``path`` can only be read, or None where it can be written."""
    if not _writable_folder(path):
        return (f"cannot write {path}: its folder {path.absolute().parent} is read-only"
                f" (SQLite needs {path.name}-wal and {path.name}-shm beside it)")
    # A file without write permission is read-only even for root, who could write it anyway.
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
        return f"{path} is read-only"
    return None


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if not readonly:
        return sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    return sqlite3.connect(reading_uri(path, readonly=True), uri=True, isolation_level=None)


def reading_uri(path: Path, *, readonly: bool) -> str:
    """The URI a second connection opens the registry at ``path`` with, to read it and never write it.

    A registry that can be written is opened ``mode=ro`` (it may have a log
    another process writes). One that cannot be written, without a pending
    WAL, is complete in its file: it is opened immutable, so that reading
    leaves no ``-wal`` or ``-shm`` file behind (and needs none).
    """
    flags = "mode=ro&immutable=1" if readonly and not Path(f"{path}-wal").exists() else "mode=ro"
    return f"{Path(path).resolve().as_uri()}?{flags}"


@contextlib.contextmanager
def _upgrade_lock(path: Path) -> Iterator[None]:
    """Hold ``<registry>-upgrading`` locked while the schema is upgraded, so that one process upgrades at a time.

    Two commands started together on a registry with pending migrations
    would otherwise both copy it and both apply the same migration. The lock
    is a file of its own (closing a descriptor of the registry itself would
    drop SQLite's locks on it). It is removed once the upgrade is done: a
    process that waited on the removed file then finds nothing pending, as
    does one that makes a new file, since the upgrade is done by then.
    """
    import fcntl

    lock_path = path.with_name(path.name + "-upgrading")
    try:
        handle = open(lock_path, "a+b")
    except OSError as error:
        raise _write_error(path, error) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            lock_path.unlink(missing_ok=True)


def _keep_copy(conn: sqlite3.Connection, path: Path, schema: str) -> Path:
    """Copy the registry (through SQLite's backup API) to ``<name>.<schema>.bak`` beside it, or a free variant."""
    copy = path.with_name(f"{path.name}.{schema}.bak")
    number = 1
    while copy.exists():
        number += 1
        copy = path.with_name(f"{path.name}.{schema}-{number}.bak")
    partial = path.with_name(f".{copy.name}.partial")
    try:
        target = sqlite3.connect(partial)
        try:
            conn.backup(target)
        finally:
            target.close()
        _fsync(partial)
        os.replace(partial, copy)
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise RegistryError(f"cannot keep a copy of {path} before upgrading its schema ({error});"
                            " nothing was changed") from None
    return copy


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _migration_error(path: Path, name: str, error: Exception, copy: Path | None) -> RegistryError:
    kept = f"; the copy kept before upgrading is {copy}" if copy else ""
    return RegistryError(f"cannot upgrade {path}: migration {name} failed ({type(error).__name__}: {error});"
                         f" that migration was rolled back{kept}")


def _write_error(path: Path, error: sqlite3.OperationalError) -> RegistryError:
    message = str(error)
    if "readonly" in message or "read-only" in message:
        return RegistryError(f"{path} is read-only; nothing was changed")
    if "locked" in message or "busy" in message:
        return RegistryError(f"{path} is busy (another peerlearn is writing); nothing was changed, try again")
    return RegistryError(f"cannot write {path}: {message}")


__all__ = ["Registry", "default_path", "default_actor", "to_utc_text"]
