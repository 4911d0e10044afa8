"""``peerlearn check``: every check of a registry file, run on request.

Opening a registry checks no more than it must (see :mod:`.integrity`); this
reads the whole file: SQLite's full ``integrity_check`` (every page, every
index against its table), ``foreign_key_check`` (rows that name a row that
is not there), the schema against this peerlearn's migrations, and write
markers left by writes cut short. It opens the file on a connection of its
own, as every command that reads does, without :meth:`Registry.open`'s
refusals, so that it reports on a registry other commands refuse (damaged,
or of an older or newer schema); it writes nothing.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import attrs

from ..errors import RegistryError
from . import integrity
from .store import _check_header, _connect, _not_usable, _readonly_reason

#: at most this many problems of each kind are listed (the counts are always whole)
LISTED = 100


@attrs.frozen
class ForeignKeyProblem:
    """A row whose foreign key names a row that is not there."""

    table: str
    rowid: int | None
    parent: str


@attrs.frozen
class CheckResult:
    """What :func:`check` found; :attr:`ok` where nothing is wrong."""

    path: str
    #: ``["ok"]``, or what ``PRAGMA integrity_check`` reported (at most :data:`LISTED` lines)
    integrity: list[str]
    foreign_keys: list[ForeignKeyProblem]
    foreign_key_count: int
    #: the last migration applied ("none" for an empty file)
    schema: str
    #: "current"; "older" (migrations pending: the next command that writes upgrades it); "newer" (written by a
    #: newer peerlearn); "none" (no peerlearn schema: an empty file or another SQLite database)
    schema_status: str
    pending: list[str]
    unknown: list[str]
    #: write markers left by processes that are gone (writes cut short)
    stale_markers: list[str]
    #: activities and sessions whose stored times peerlearn cannot read (written around it; at most
    #: :data:`LISTED`), as "activities #1: start '2026-13-45T09:00:00' …"
    unreadable_times: list[str] = attrs.field(factory=list)
    unreadable_time_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        """What is wrong, one short phrase each (empty where :attr:`ok`)."""
        found = []
        if self.integrity != ["ok"]:
            found.append("integrity")
        if self.foreign_key_count:
            found.append("foreign keys")
        if self.schema_status == "newer":
            found.append("schema newer than this peerlearn")
        if self.schema_status == "none":
            found.append("not a peerlearn registry")
        if self.stale_markers:
            found.append("a write cut short")
        if self.unreadable_time_count:
            found.append("times peerlearn cannot read")
        return found


def check(path: str | Path) -> CheckResult:
    """Run every check on the registry at ``path``, reading it only; raise if it is not an SQLite file at all."""
    from .migrations import migrations, names

    path = Path(path)
    if not path.exists():
        raise RegistryError(f"no registry at {path}")
    _check_header(path)
    readonly = _readonly_reason(path) is not None
    try:
        conn = _connect(path, readonly=readonly)
    except sqlite3.DatabaseError as error:
        raise _not_usable(path, error) from None
    try:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            applied = migrations.applied_names(conn)
        except sqlite3.DatabaseError as error:  # not even its schema can be read
            raise _not_usable(path, error) from None
        try:
            lines = [row[0] for row in conn.execute(f"PRAGMA integrity_check({LISTED})")]
        except sqlite3.DatabaseError as error:  # so damaged that the check itself stops
            lines = [f"the check stopped: {error}"]
        problems, count = [], 0
        try:
            for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
                count += 1
                if len(problems) < LISTED:
                    problems.append(ForeignKeyProblem(table=table, rowid=rowid, parent=parent))
        except sqlite3.DatabaseError as error:
            count += 1
            problems.append(ForeignKeyProblem(table=f"the check stopped: {error}", rowid=None, parent=""))
        times, time_count = _unreadable_times(conn)
    finally:
        conn.close()
    known = names()
    unknown = [name for name in applied if name not in known]
    pending = [name for name in known if name not in applied]
    status = "newer" if unknown else "older" if pending and applied else "current" if applied else "none"
    return CheckResult(path=str(path), integrity=lines, foreign_keys=problems, foreign_key_count=count,
                       schema=applied[-1] if applied else "none", schema_status=status, pending=pending,
                       unknown=unknown, stale_markers=[marker.name for marker in integrity.stale_markers(path)],
                       unreadable_times=times, unreadable_time_count=time_count)


def _unreadable_times(conn: sqlite3.Connection) -> tuple[list[str], int]:
    """The activities and sessions whose stored times (or zone) peerlearn cannot read, and how many.

    peerlearn writes only times it reads back; a row edited around it (by
    hand, in SQL) may hold '2026-13-45T09:00:00', which every command that
    reads the row then refuses. A table missing (an older schema, another
    file) or unreadable is left to the other checks.
    """
    from ..timeutil import from_local_text

    found: list[str] = []
    count = 0
    for table in ("activities", "sessions"):
        try:
            rows = conn.execute(f"SELECT id, start_local, end_local, timezone, start_utc, end_utc FROM {table}")
            for number, start_local, end_local, tzname, start_utc, end_utc in rows:
                wrong = None
                for name, local, utc in (("start", start_local, start_utc), ("end", end_local, end_utc)):
                    try:
                        from_local_text(local, tzname)
                        dt.datetime.fromisoformat(utc)
                    except (TypeError, ValueError) as error:
                        wrong = f"{name} {local!r} / {utc!r} in {tzname!r}: {error}"
                        break
                if wrong:
                    count += 1
                    if len(found) < LISTED:
                        found.append(f"{table} #{number}: {wrong}")
        except sqlite3.DatabaseError:
            continue
    return found, count
