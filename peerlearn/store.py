"""The registry: one SQLite file, opened safely, written one transaction a command.

``Registry.open`` refuses a file that is not SQLite or fails
``PRAGMA quick_check`` (it never overwrites one), turns on WAL and a busy
timeout, and migrates the schema forward. ``Registry.transaction`` begins
``IMMEDIATE`` so two processes writing at once wait for each other instead
of failing or losing an update; every change made inside it is appended to
the change log in the same transaction, and plugins hear of it only after
it commits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any, Iterator, Sequence

from sqlite_utils.db import Database

from . import plugins
from .errors import RegistryError
from .models import Change
from .timeutil import now_utc, to_utc_text

DB_ENV = "PEERLEARN_DB"
ACTOR_ENV = "PEERLEARN_ACTOR"
DEFAULT_DB = "peerlearn.db"
BUSY_TIMEOUT_MS = 30_000
SQLITE_HEADER = b"SQLite format 3\x00"


def default_path() -> Path:
    """``$PEERLEARN_DB``, else ``peerlearn.db`` in the working directory."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def default_actor() -> str:
    """``$PEERLEARN_ACTOR``, else the operating-system user."""
    actor = os.environ.get(ACTOR_ENV)
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is available in some containers
        return "unknown"


class Registry:
    """An open registry. Use :meth:`open`; close it when done (or use ``with``)."""

    def __init__(self, db: Database, path: Path, actor: str, readonly: bool) -> None:
        self.db = db
        self.path = path
        self.actor = actor
        self.readonly = readonly
        self.pending_changes: PendingChanges | None = None
        #: warnings raised by validation, for the caller to show
        self.warnings: list[str] = []
        #: what plugins report of the last transaction before it committed (e.g. notices queued)
        self.notes: list[str] = []

    # -- opening ----------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, actor: str | None = None, create: bool = True) -> "Registry":
        """Open (and where ``create``, create) the registry at ``path``."""
        path = Path(path) if path is not None else default_path()
        exists = path.exists()
        if exists:
            _check_header(path)
        elif not create:
            raise RegistryError(f"no registry at {path} (create one with 'peerlearn init' or 'peerlearn demo')")
        elif not path.parent.exists():
            raise RegistryError(f"cannot create a registry at {path}: folder {path.parent} does not exist")
        # A file without write permission is read-only even for root, who could write it anyway.
        readonly = exists and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222)
        try:
            if readonly:
                # Without a pending WAL the file is complete: open it immutable, so that
                # reading leaves no -wal or -shm file behind.
                flags = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, isolation_level=None)
            else:
                conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise _not_usable(path, error) from None
        if check != "ok":
            conn.close()
            raise RegistryError(f"{path} is damaged (PRAGMA quick_check: {check}); refusing to open it")
        db = Database(conn, execute_plugins=False)
        registry = cls(db, path, actor or default_actor(), readonly)
        try:
            registry._prepare(fresh=not exists)
        except BaseException:
            conn.close()
            raise
        return registry

    def _prepare(self, fresh: bool) -> None:
        from .migrations import migrations

        applied = {m.name for m in migrations.applied(self.db)}
        if not fresh and not applied and self.db.table_names():
            raise RegistryError(f"{self.path} is an SQLite database but not a peerlearn registry; refusing to change it")
        pending = migrations.pending(self.db)
        if self.readonly:
            if pending:
                raise RegistryError(f"{self.path} is read-only and needs its schema upgraded; open it writable once")
            return
        try:
            if self.db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.db.conn.execute("PRAGMA journal_mode = WAL")
            if pending:
                migrations.apply(self.db)
        except sqlite3.OperationalError as error:
            raise _write_error(self.path, error) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> str:
        from .migrations import migrations

        applied = migrations.applied(self.db)
        return applied[-1].name if applied else "none"

    # -- writing ----------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, *, dry_run: bool = False) -> Iterator["PendingChanges"]:
        """One write transaction; yields the list of changes it records.

        On any exception everything is rolled back. With ``dry_run`` the
        transaction is rolled back even on success, so a caller can show
        what would change.
        """
        if self.pending_changes is not None:
            raise RuntimeError("transactions do not nest")
        if self.readonly:
            raise RegistryError(f"{self.path} is read-only; nothing was changed")
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise _write_error(self.path, error) from None
        self.pending_changes = changes = PendingChanges()
        try:
            yield changes
            self.notes = plugins.before_commit(self, changes, dry_run)
            if dry_run:
                conn.execute("ROLLBACK")
            else:
                conn.execute("COMMIT")
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
        change = Change(
            at=now_utc(),
            actor=self.actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            network=network,
            before=before,
            after=after,
        )
        cursor = self.db.conn.execute(
            "INSERT INTO changes (at, actor, action, entity, entity_id, network, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            change_row(change),
        )
        change = Change(**{**_fields(change), "id": cursor.lastrowid})
        self.pending_changes.append(change)
        return change

    def record_many(self, rows: list[tuple]) -> None:
        """Append many change rows at once (bulk imports); rows as :func:`change_row`."""
        if self.pending_changes is None:
            raise RuntimeError("changes are recorded only inside Registry.transaction()")
        if not rows:
            return
        self.db.conn.executemany(
            "INSERT INTO changes (at, actor, action, entity, entity_id, network, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        # One statement under the write lock: the rows got consecutive ids ending at the largest.
        last_id = self.db.conn.execute("SELECT max(id) FROM changes").fetchone()[0]
        self.pending_changes.extend_rows(rows, first_id=last_id - len(rows) + 1)

    # -- reading ----------------------------------------------------------

    def query(self, sql: str, params: Any = ()) -> list[dict]:
        return list(self.db.query(sql, params))

    def one(self, sql: str, params: Any = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def counts(self) -> dict[str, int]:
        tables = ("networks", "members", "memberships", "activities", "sessions", "roles", "participations", "outputs",
                  "changes")
        return {name: self.db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in tables}


class PendingChanges(Sequence[Change]):
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
        if isinstance(entry, Change):
            return entry
        change_id, (at, actor, action, entity, entity_id, network, before, after) = entry
        return Change(at=dt.datetime.fromisoformat(at.replace("Z", "+00:00")), actor=actor, action=action,
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
        _json_or_none(change.before),
        _json_or_none(change.after),
    )


def to_utc_text_precise(moment: dt.datetime) -> str:
    """UTC ISO 8601 with microseconds, so changes within a second keep their order."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_or_none(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


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


def _write_error(path: Path, error: sqlite3.OperationalError) -> RegistryError:
    message = str(error)
    if "readonly" in message or "read-only" in message:
        return RegistryError(f"{path} is read-only; nothing was changed")
    if "locked" in message or "busy" in message:
        return RegistryError(f"{path} is busy (another peerlearn is writing); nothing was changed, try again")
    return RegistryError(f"cannot write {path}: {message}")


__all__ = ["Registry", "default_path", "default_actor", "to_utc_text"]
