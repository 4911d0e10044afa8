"""Rebuilding tables to change what ``ALTER TABLE`` cannot: ids that a deletion never frees.

A table whose key is ``id INTEGER PRIMARY KEY`` hands the highest id out
again once that row is deleted: a removed session's number, and with it its
calendar UID, would go to the next session added. ``AUTOINCREMENT`` makes
SQLite remember the highest id ever given (in ``sqlite_sequence``), but it
can only be written in ``CREATE TABLE``. So each table is rebuilt following
SQLite's documented procedure for other kinds of table schema changes
(https://www.sqlite.org/lang_altertable.html#otheralter):

1. foreign keys off, which is only possible outside a transaction: with
   them on, ``DROP TABLE members`` would delete every membership,
   participation and peer through their ``ON DELETE CASCADE``;
2. one transaction; remember the table's indexes and triggers, and the
   views and other tables' triggers that name it;
3. create the new table from the table's *current* ``CREATE TABLE`` text
   (so columns and constraints added by any later migration are kept), copy
   every row with its id, drop the old table, rename the new one;
4. create the indexes, triggers and views again;
5. ``PRAGMA foreign_key_check`` must find no violation that was not there
   before, else everything is rolled back; commit; foreign keys back on.

Each table's sequence starts at the highest id it ever held, as far as the
registry can tell (its rows and the ids its change log names), so numbers
deleted before the upgrade are not handed out again either.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Callable, Iterable

from ..errors import RegistryError

_NAME = r'(?:"(?:[^"]|"")+"|\[[^\]]+\]|`[^`]+`|[A-Za-z_][\w$]*)'
_HEADER = re.compile(rf"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}", re.IGNORECASE)
_ID_KEY = re.compile(
    r'((?:"id"|\[id\]|`id`|(?<![\w$])id(?![\w$]))\s+INTEGER\s+PRIMARY\s+KEY(?:\s+(?:ASC|DESC))?)'
    r"(\s+AUTOINCREMENT\b)?", re.IGNORECASE)
_TEMP_PREFIX = "_rebuild_"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def autoincrement_sql(sql: str) -> str | None:
    """``sql`` (a ``CREATE TABLE``) with its ``id INTEGER PRIMARY KEY`` made ``AUTOINCREMENT``.

    None when it already is; RegistryError when the table has no such key.
    """
    match = _ID_KEY.search(sql)
    if match is None:
        raise RegistryError(f"cannot make ids never reused: no 'id INTEGER PRIMARY KEY' in {sql[:80]!r}")
    if match.group(2):
        return None
    return sql[:match.end(1)] + " AUTOINCREMENT" + sql[match.end(1):]


def _schema(conn: sqlite3.Connection, table: str) -> tuple[str, list[str], list[tuple[str, str, str]]]:
    """The table's CREATE sql, its own indexes and triggers, and the views/triggers elsewhere that name it."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()
    if row is None:
        raise RegistryError(f"cannot rebuild table {table!r}: the registry has no such table")
    own = [sql for (sql,) in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        " ORDER BY type, name", [table])]
    mentions = re.compile(rf"(?<![\w$]){re.escape(table)}(?![\w$])", re.IGNORECASE)
    others = [(kind, name, sql) for kind, name, sql in conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND tbl_name != ?"
        " AND sql IS NOT NULL ORDER BY type DESC, name", [table]) if mentions.search(sql)]
    views = [name for kind, name, _sql in others if kind == "view"]
    if views:  # a view's INSTEAD OF triggers go with it
        marks = ", ".join("?" for _ in views)
        others += [("trigger", name, sql) for name, sql in conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})"
            " AND sql IS NOT NULL ORDER BY name", views) if ("trigger", name, sql) not in others]
    return row[0], own, others


def rebuild(conn: sqlite3.Connection, table: str, new_sql: str, *, copy: Callable[..., None] | None = None) -> None:
    """Replace ``table`` by one created with ``new_sql``, keeping every row, index, trigger and view.

    Runs inside the caller's transaction, with foreign keys already off
    (see :func:`without_foreign_keys`). ``copy(conn, source, target,
    columns)`` copies the rows (a test may pass a faulty one).
    """
    _old_sql, own, others = _schema(conn, table)
    temp = _TEMP_PREFIX + table
    for kind, name, _sql in others:
        conn.execute(f"DROP {kind.upper()} {quote(name)}")
    conn.execute(f"DROP TABLE IF EXISTS {quote(temp)}")
    conn.execute(_HEADER.sub(f"CREATE TABLE {quote(temp)}", new_sql, count=1))
    columns = [row[1] for row in conn.execute(f"PRAGMA table_xinfo({quote(table)})") if row[6] == 0]
    (copy or copy_rows)(conn, table, temp, columns)
    conn.execute(f"DROP TABLE {quote(table)}")
    conn.execute(f"ALTER TABLE {quote(temp)} RENAME TO {quote(table)}")
    for sql in own:
        conn.execute(sql)
    for _kind, _name, sql in others:
        conn.execute(sql)


def copy_rows(conn: sqlite3.Connection, source: str, target: str, columns: list[str]) -> None:
    names = ", ".join(quote(column) for column in columns)
    conn.execute(f"INSERT INTO {quote(target)} ({names}) SELECT {names} FROM {quote(source)} ORDER BY rowid")


def set_sequence(conn: sqlite3.Connection, table: str, highest: int) -> None:
    """Make ``table``'s next AUTOINCREMENT id come after ``highest`` (never lowering it)."""
    current = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", [table]).fetchone()
    if current is None:
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, highest])
    elif current[0] < highest:
        conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", [highest, table])


def highest_logged_id(conn: sqlite3.Connection, entity: str) -> int:
    """The highest numeric id of ``entity`` that the change log names (0 without one)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'changes'").fetchone() is None:
        return 0
    row = conn.execute(
        "SELECT max(CAST(entity_id AS INTEGER)) FROM changes WHERE entity = ? AND entity_id != ''"
        " AND entity_id NOT GLOB '*[^0-9]*'", [entity]).fetchone()
    return row[0] or 0


def foreign_key_violations(conn: sqlite3.Connection) -> set[tuple]:
    return {tuple(row) for row in conn.execute("PRAGMA foreign_key_check")}


def without_foreign_keys(conn: sqlite3.Connection, work: Callable[[], None]) -> None:
    """Run ``work`` in one transaction with foreign keys off, then check them; all or nothing.

    ``PRAGMA foreign_keys`` is a no-op inside a transaction, so this refuses
    to start in one (rather than drop tables with cascades armed). After
    ``work``, any foreign-key violation that was not there before rolls
    everything back.
    """
    if conn.in_transaction:
        raise RegistryError("cannot rebuild tables inside a transaction (foreign keys cannot be turned off there)")
    enforced = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        if conn.execute("PRAGMA foreign_keys").fetchone()[0]:
            raise RegistryError("cannot turn foreign keys off to rebuild tables; nothing was changed")
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = foreign_key_violations(conn)
            work()
            broken = sorted(foreign_key_violations(conn) - before, key=repr)
            if broken:
                table, rowid, parent, _fk = broken[0]
                raise RegistryError(
                    f"rebuilding tables would break {len(broken)} reference(s), e.g. row {rowid} of {table!r}"
                    f" to {parent!r}; nothing was changed")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")


def never_reuse_ids(conn: sqlite3.Connection, tables: dict[str, str], *,
                    floors: dict[str, Iterable[int]] | None = None,
                    copy: Callable[..., None] | None = None) -> list[str]:
    """Give each table of ``tables`` (name → change-log entity) ids that a deletion never frees.

    ``floors`` adds ids known to have been used (e.g. read from calendar
    UIDs). Tables already ``AUTOINCREMENT`` are left as they are, so running
    this twice is harmless. Returns the tables rebuilt.
    """
    rebuilt: list[str] = []

    def work() -> None:
        for table, entity in tables.items():
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                               [table]).fetchone()
            if sql is None:
                raise RegistryError(f"cannot rebuild table {table!r}: the registry has no such table")
            new_sql = autoincrement_sql(sql[0])
            if new_sql is not None:
                rebuild(conn, table, new_sql, copy=copy)
                rebuilt.append(table)
            highest = max([conn.execute(f"SELECT coalesce(max(id), 0) FROM {quote(table)}").fetchone()[0],
                           highest_logged_id(conn, entity), *(floors or {}).get(table, ())])
            set_sequence(conn, table, highest)

    without_foreign_keys(conn, work)
    return rebuilt


def _split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses and quotes (a CREATE TABLE's column list)."""
    parts, depth, quote_char, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote_char:
            if char == quote_char:
                quote_char = ""
        elif char in "'\"`[":
            quote_char = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def without_column_sql(sql: str, column: str) -> str:
    """``sql`` (a ``CREATE TABLE``) without the definition of ``column``; RegistryError where it has none."""
    opening, closing = sql.index("("), sql.rindex(")")
    parts = _split_top_level(sql[opening + 1:closing])
    name = re.compile(rf'^\s*(?:"{re.escape(column)}"|\[{re.escape(column)}\]|`{re.escape(column)}`'
                      rf'|{re.escape(column)})(?![\w$])', re.IGNORECASE)
    kept = [part for part in parts if not name.match(part)]
    if len(kept) == len(parts):
        raise RegistryError(f"cannot drop column {column!r}: not found in {sql[:80]!r}")
    return sql[:opening + 1] + ",".join(kept) + sql[closing:]


def drop_column(conn: sqlite3.Connection, table: str, column: str, *, native: bool = True) -> None:
    """Drop ``column`` of ``table``: ``ALTER TABLE … DROP COLUMN`` where SQLite has it (3.35+), else a rebuild.

    The rebuild runs inside the caller's transaction with foreign keys off
    (see :func:`without_foreign_keys`), from the table's current definition,
    keeping every other column, row, index, trigger and view.
    """
    if native:
        conn.execute(f"ALTER TABLE {quote(table)} DROP COLUMN {quote(column)}")
        return
    sql, _own, _others = _schema(conn, table)

    def copy(conn: sqlite3.Connection, source: str, target: str, columns: list[str]) -> None:
        copy_rows(conn, source, target, [name for name in columns if name != column])

    rebuild(conn, table, without_column_sql(sql, column), copy=copy)
