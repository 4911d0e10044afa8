"""The change log cannot be rewritten by any SQL statement or by sqlite-utils, only appended to.

The guarantee holds against statements and tools, not against the file's
owner: whoever can write the file can drop the triggers (or the table).
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils.db import Database

FORGED = "(id, at, actor, action, entity, entity_id) VALUES (1, '2000-01-01', 'forger', 'create', 'member', '1')"
STATEMENTS = {
    "UPDATE": "UPDATE changes SET actor = 'forger' WHERE id = 1",
    "UPDATE OR REPLACE": "UPDATE OR REPLACE changes SET id = 1 WHERE id = 2",
    "DELETE": "DELETE FROM changes WHERE id = 1",
    "REPLACE": f"REPLACE INTO changes {FORGED}",
    "INSERT OR REPLACE": f"INSERT OR REPLACE INTO changes {FORGED}",
    "INSERT ON CONFLICT DO UPDATE": f"INSERT INTO changes {FORGED} ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
    "INSERT ON CONFLICT DO NOTHING": f"INSERT INTO changes {FORGED} ON CONFLICT DO NOTHING",
    "INSERT OR IGNORE": f"INSERT OR IGNORE INTO changes {FORGED}",
    "INSERT OR FAIL": f"INSERT OR FAIL INTO changes {FORGED}",
    "INSERT OR REPLACE rowid": f"INSERT OR REPLACE INTO changes {FORGED.replace('(id,', '(rowid,')}",
    "INSERT OR REPLACE from SELECT": "INSERT OR REPLACE INTO changes SELECT id, at, 'forger', action, entity, entity_id,"
                                     " network, before, after FROM changes",
}


def log_rows(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM changes ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("recursive_triggers", ["off", "on"])
@pytest.mark.parametrize("statement", STATEMENTS, ids=str)
def test_no_statement_rewrites_the_change_log(demo_env, statement, recursive_triggers):
    before = log_rows(demo_env.db)
    conn = sqlite3.connect(demo_env.db, isolation_level=None)
    conn.execute(f"PRAGMA recursive_triggers = {recursive_triggers}")
    with pytest.raises(sqlite3.IntegrityError, match="the change log is append-only"):
        conn.execute(STATEMENTS[statement])
    conn.close()
    assert log_rows(demo_env.db) == before


@pytest.mark.parametrize("call", ["upsert", "insert replace", "insert ignore", "insert_all replace"])
def test_sqlite_utils_cannot_rewrite_the_change_log(demo_env, call):
    before = log_rows(demo_env.db)
    db = Database(str(demo_env.db))
    row = {"id": 1, "at": "2000-01-01", "actor": "forger", "action": "create", "entity": "member", "entity_id": "1"}
    table = db["changes"]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        if call == "upsert":
            table.upsert(row, pk="id")
        elif call == "insert replace":
            table.insert(row, replace=True)
        elif call == "insert ignore":
            table.insert(row, ignore=True)
        else:
            table.insert_all([row, {**row, "id": 2}], replace=True)
    db.close()
    assert log_rows(demo_env.db) == before


def test_new_changes_are_still_appended_with_or_without_an_id(demo_env):
    before = log_rows(demo_env.db)
    assert demo_env.run("members", "add", "Ministry of Examples", "--country", "BE").exit_code == 0
    after = log_rows(demo_env.db)
    assert after[:len(before)] == before and len(after) == len(before) + 1
    conn = sqlite3.connect(demo_env.db, isolation_level=None)
    conn.execute("INSERT OR REPLACE INTO changes (id, at, actor, action, entity, entity_id)"
                 " VALUES (?, '2026-01-01', 'admin', 'note', 'registry', '-')", [after[-1][0] + 1])
    conn.close()
    assert log_rows(demo_env.db)[:len(after)] == after


def test_an_older_registry_gets_the_guard_when_upgraded(env, tmp_path):
    from peerlearn.registry.migrations import migrations

    old = Database(str(env.db))
    migrations.apply(old, stop_before="m009_change_log_no_replace")
    old.execute("INSERT INTO changes (at, actor, action, entity, entity_id) VALUES ('2026', 'a', 'create', 'x', '1')")
    old.conn.commit()
    old.close()
    assert env.run("migrate").exit_code == 0
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        sqlite3.connect(env.db).execute(f"INSERT OR REPLACE INTO changes {FORGED}")
    assert log_rows(env.db)[0][2] == "a"
