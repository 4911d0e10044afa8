"""Numbers and calendar UIDs are never handed out twice, in new registries and in upgraded ones."""

import json
import sqlite3

import pytest
from sqlite_utils.db import Database

from peerlearn.errors import RegistryError
from peerlearn.registry import table_rebuild
from peerlearn.registry.migrations import migrations
from peerlearn.registry.store import Registry

#: The newest migration: an upgraded registry ends at it.
NEWEST = migrations._migrations[-1].name


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _json(env, *args):
    return json.loads(_ok(env.run(*args, "--json")).stdout)


def _activity(env, title="Workshop", day="2030-05-07"):
    return _json(env, "activities", "add", "--network", "pes", "--kind", "event", "--title", title,
                 "--start", f"{day} 09:00", "--end", "17:00")


def test_a_removed_sessions_number_and_uid_never_come_back(env):
    activity = _activity(env)
    first = _json(env, "sessions", "add", str(activity["id"]), "--title", "Morning", "--start", "09:30",
                  "--end", "10:30")
    last = _json(env, "sessions", "add", str(activity["id"]), "--title", "Afternoon", "--start", "14:00",
                 "--end", "15:00")
    uids = {f"session-{s['id']}.{activity['uid']}" for s in (first, last)}
    feed = _ok(env.run("export", "ics", "--activity", str(activity["id"]))).stdout
    assert all(uid in feed for uid in uids)
    _ok(env.run("sessions", "remove", str(activity["id"]), str(last["id"])))  # the highest session
    added = _json(env, "sessions", "add", str(activity["id"]), "--title", "Evening talk", "--start", "16:00",
                  "--end", "16:30")
    assert added["id"] > last["id"]
    new_uid = f"session-{added['id']}.{activity['uid']}"
    assert new_uid not in uids
    feed = _ok(env.run("export", "ics", "--activity", str(activity["id"]))).stdout
    assert new_uid in feed and f"session-{last['id']}.{activity['uid']}" not in feed


def test_activities_roles_members_and_outputs_never_reuse_a_number(env):
    first = _activity(env, "First")
    last = _activity(env, "Last")
    _ok(env.run("activities", "delete", str(last["id"])))
    again = _activity(env, "Again")
    assert again["id"] > last["id"] and again["uid"] != last["uid"]

    session = _json(env, "sessions", "add", str(first["id"]), "--title", "Panel", "--start", "10:00", "--end", "11:00")
    roles = [_json(env, "roles", "add", str(first["id"]), str(session["id"]), "--role", "speaker", "--name", name)
             for name in ("Ana Costa", "Mia Berg")]
    _ok(env.run("roles", "remove", str(roles[-1]["id"])))
    role = _json(env, "roles", "add", str(first["id"]), str(session["id"]), "--role", "chair", "--name", "Eva Lind")
    assert role["id"] > roles[-1]["id"]

    members = [_json(env, "members", "add", name, "--country", "BE", "--network", "pes", "--category", "public employment service") for name in ("VDAB", "Actiris")]
    _ok(env.run("members", "remove", str(members[-1]["id"])))
    member = _json(env, "members", "add", "Forem", "--country", "BE", "--network", "pes", "--category", "public employment service")
    assert member["id"] > members[-1]["id"]

    doomed = _activity(env, "Doomed", "2030-06-01")
    outputs = [_json(env, "outputs", "add", str(activity), "--kind", "paper", "--title", title)
               for activity, title in ((first["id"], "Paper"), (doomed["id"], "Slides"))]
    _ok(env.run("activities", "delete", str(doomed["id"])))  # takes its output, the highest, with it
    output = _json(env, "outputs", "add", str(first["id"]), "--kind", "paper", "--title", "Another paper")
    assert output["id"] > outputs[-1]["id"]
    changes = _json(env, "changes", "--since", "2000-01-01")
    created = [(c["entity"], c["entity_id"]) for c in changes if c["action"] == "create"]
    assert len(created) == len(set(created))  # the change log never names two records by one number


# -- upgrading a registry written by the previous schema ---------------------------------------

OLD_ROWS = """
INSERT INTO networks (slug, name, timezone) VALUES ('pes', 'PES Network', 'Europe/Brussels'),
    ('mutual_learning', 'MLP', 'Europe/Brussels');
INSERT INTO members (id, name, name_key, country, feed_token, created_at) VALUES
    (1, 'VDAB', 'vdab', 'BE', 't1', '2026-01-01'), (2, 'NAV', 'nav', 'NO', 't2', '2026-01-01'),
    (3, 'AMS', 'ams', 'AT', 't3', '2026-01-01'), (4, 'Forem', 'forem', 'BE', 't4', '2026-01-01');
INSERT INTO memberships (member_id, network) VALUES (1, 'pes'), (2, 'pes'), (3, 'pes'), (4, 'pes'),
    (3, 'mutual_learning');
INSERT INTO activities (id, uid, network, kind, title, status, start_utc, end_utc, start_local, end_local,
    timezone, host_member_id, created_at, updated_at) VALUES
    (1, 'a1@peerlearn', 'pes', 'event', 'One', 'confirmed', '2030-01-01T08:00:00Z', '2030-01-01T16:00:00Z',
     '2030-01-01T09:00:00', '2030-01-01T17:00:00', 'Europe/Brussels', 1, '2026-01-01', '2026-01-01'),
    (2, 'a2@peerlearn', 'pes', 'peer_review', 'Two', 'confirmed', '2030-02-01T08:00:00Z', '2030-02-01T16:00:00Z',
     '2030-02-01T09:00:00', '2030-02-01T17:00:00', 'Europe/Brussels', 3, '2026-01-01', '2026-01-01'),
    (3, 'a3@peerlearn', 'pes', 'event', 'Three', 'confirmed', '2030-03-01T08:00:00Z', '2030-03-01T16:00:00Z',
     '2030-03-01T09:00:00', '2030-03-01T17:00:00', 'Europe/Brussels', NULL, '2026-01-01', '2026-01-01');
INSERT INTO activity_peers (activity_id, member_id) VALUES (2, 1), (2, 4), (1, 3);
INSERT INTO participations (activity_id, member_id, status, updated_at) VALUES (1, 1, 'registered', 'x'),
    (1, 2, 'invited', 'x'), (1, 4, 'registered', 'x'), (2, 3, 'attended', 'x'), (3, 4, 'invited', 'x');
INSERT INTO outputs (id, activity_id, kind, title) VALUES (1, 1, 'paper', 'P1'), (2, 2, 'slides', 'S2'),
    (3, 3, 'paper', 'P3');
INSERT INTO sessions (id, activity_id, key, title, kind, start_utc, end_utc, start_local, end_local, timezone,
    created_at, updated_at) VALUES
    (1, 1, 'a', 'A', 'plenary', '2030-01-01T08:00:00Z', '2030-01-01T09:00:00Z', '2030-01-01T09:00:00',
     '2030-01-01T10:00:00', 'Europe/Brussels', 'x', 'x'),
    (2, 1, 'b', 'B', 'workshop', '2030-01-01T09:00:00Z', '2030-01-01T10:00:00Z', '2030-01-01T10:00:00',
     '2030-01-01T11:00:00', 'Europe/Brussels', 'x', 'x'),
    (3, 2, 'c', 'C', 'panel', '2030-02-01T08:00:00Z', '2030-02-01T09:00:00Z', '2030-02-01T09:00:00',
     '2030-02-01T10:00:00', 'Europe/Brussels', 'x', 'x'),
    (4, 2, 'd', 'D', 'panel', '2030-02-01T09:00:00Z', '2030-02-01T10:00:00Z', '2030-02-01T10:00:00',
     '2030-02-01T11:00:00', 'Europe/Brussels', 'x', 'x'),
    (5, 3, 'e', 'E', 'panel', '2030-03-01T09:00:00Z', '2030-03-01T10:00:00Z', '2030-03-01T10:00:00',
     '2030-03-01T11:00:00', 'Europe/Brussels', 'x', 'x');
INSERT INTO roles (id, session_id, role, status, name, person_key, member_id, position) VALUES
    (1, 1, 'chair', 'confirmed', 'Ana', 'ana', 1, 1), (2, 2, 'speaker', 'tbc', 'Bo', 'bo', 4, 1),
    (3, 3, 'speaker', 'tbc', 'Cy', 'cy', 3, 1), (4, 4, 'speaker', 'tbc', 'Di', 'di', NULL, 1),
    (5, 1, 'speaker', 'tbc', 'Ed', 'ed', 2, 2), (6, 2, 'rapporteur', 'tbd', '', '', NULL, 2);
INSERT INTO activity_exdates (activity_id, occurrence_local) VALUES (1, '2030-01-08T09:00:00');
INSERT INTO session_versions (uid, source_key, sequence, changed_at) VALUES
    ('session-4.a2@peerlearn', 'k', 3, 'x'), ('session-7.a2@peerlearn', 'k', 1, 'x');
INSERT INTO changes (at, actor, action, entity, entity_id) VALUES ('x', 'me', 'create', 'role', '9'),
    ('x', 'me', 'create', 'member', '6'), ('x', 'me', 'delete', 'member', '6'),
    ('x', 'me', 'join', 'membership', '1/pes');
"""

#: What another branch's migration might have added to these tables before this one runs.
OTHER_MIGRATION = """
ALTER TABLE members ADD COLUMN directory_code TEXT;
UPDATE members SET directory_code = 'h' || id;
CREATE UNIQUE INDEX members_by_directory_code ON members(directory_code);
CREATE TABLE member_notes (member_id INTEGER REFERENCES members(id) ON DELETE CASCADE, note TEXT);
INSERT INTO member_notes VALUES (1, 'first'), (4, 'fourth');
CREATE TRIGGER members_name_not_blank BEFORE UPDATE OF name ON members
    WHEN trim(NEW.name) = '' BEGIN SELECT RAISE(ABORT, 'blank name'); END;
CREATE VIEW member_activity_counts AS SELECT m.id, count(p.activity_id) AS activities
    FROM members m LEFT JOIN participations p ON p.member_id = m.id GROUP BY m.id;
CREATE TRIGGER session_log AFTER DELETE ON activities BEGIN SELECT count(*) FROM sessions; END;
"""

DELETE_HIGHEST = """
DELETE FROM sessions WHERE id = 5;
DELETE FROM roles WHERE id = 6;
DELETE FROM members WHERE id = 4;
DELETE FROM activities WHERE id = 3;
"""


def _old_registry(path, extra=""):
    """A registry as the previous peerlearn wrote it: filled, then its highest rows deleted."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    db = Database(conn)
    migrations.apply(db, stop_before="m007_never_reused_ids")
    assert "status" not in {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
    conn.executescript(OLD_ROWS + extra + DELETE_HIGHEST)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone()[0] == 0
    conn.close()


#: Columns a later migration moves elsewhere (m014_membership_facts: a member's category onto its memberships).
MOVED = {("members", "category")}


def _snapshot(path, like=None):
    """Every row of every table, view and index definition (the sequences and migration list aside).

    With ``like`` (an earlier snapshot), only what it held: its tables and their columns, so that what later
    migrations add does not count. Columns in :data:`MOVED` are left out.
    """
    conn = sqlite3.connect(str(path))
    try:
        schema = sorted(row for row in conn.execute("SELECT type, name, tbl_name FROM sqlite_master")
                        if row[1] not in ("sqlite_sequence", "_sqlite_migrations"))
        if like is not None:
            schema = [row for row in schema if row in like[0]]
        tables = [name for kind, name, _t in schema if kind == "table"]

        names = {name: [row[1] for row in conn.execute(f"PRAGMA table_info([{name}])")
                         if (name, row[1]) not in MOVED] for name in tables}

        def columns(name):
            kept = like[2][name] if like is not None else names[name]
            return ", ".join(f"[{column}]" for column in kept)

        rows = {name: conn.execute(f"SELECT {columns(name)} FROM [{name}] ORDER BY rowid").fetchall()
                for name in tables}
        rows["member_activity_counts"] = conn.execute("SELECT * FROM member_activity_counts ORDER BY id").fetchall() \
            if any(name == "member_activity_counts" for _k, name, _t in schema) else None
        return schema, rows, names
    finally:
        conn.close()


def test_upgrading_keeps_every_row_and_reference_and_numbers_keep_rising(tmp_path):
    path = tmp_path / "old.db"
    _old_registry(path, OTHER_MIGRATION)
    before = _snapshot(path)
    schema, rows, _names = before
    assert rows["memberships"] and rows["participations"] and rows["activity_peers"] and rows["member_notes"]
    with Registry.open(path, actor="tester") as registry:
        assert registry.schema_version == NEWEST  # every migration ran
        assert registry.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # turned back on
        assert registry.db.execute("PRAGMA foreign_key_check").fetchall() == []
        sequences = dict(registry.db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        for table in ("activities", "sessions", "roles", "members", "outputs"):
            sql = registry.one("SELECT sql FROM sqlite_master WHERE name = ?", [table])["sql"]
            assert "AUTOINCREMENT" in sql, table
    after_schema, after_rows, after_names = _snapshot(path, like=before)
    assert after_schema == schema  # nothing of the old schema is lost (later migrations add tables and columns)
    assert after_rows == rows
    for table, column in MOVED:  # but the columns moved elsewhere
        assert column not in after_names[table] and column in after_names["memberships"]
    with Registry.open(path, actor="tester") as registry:
        assert {row["status"] for row in registry.query("SELECT status FROM sessions")} == {"scheduled"}
    # the highest numbers ever used, deleted before the upgrade, stay used: from the rows deleted
    # (activity 3 and its output 3, member 4), the change log (role 9, member 6) and calendar UIDs (session 7)
    assert sequences == {"activities": 2, "sessions": 7, "roles": 9, "members": 6, "outputs": 2}
    with Registry.open(path, actor="tester") as registry:
        conn = registry.db.conn
        with registry.transaction():
            assert conn.execute("INSERT INTO members (name, name_key, country, feed_token, created_at)"
                                " VALUES ('New', 'new', 'FR', 't9', 'x')").lastrowid == 7
            assert conn.execute("INSERT INTO sessions (activity_id, key, title, kind, start_utc, end_utc, start_local,"
                                " end_local, timezone, created_at, updated_at) SELECT activity_id, 'z', title, kind,"
                                " start_utc, end_utc, start_local, end_local, timezone, 'x', 'x' FROM sessions"
                                " WHERE id = 1").lastrowid == 8
        # the triggers and views came back and still work
        with pytest.raises(sqlite3.IntegrityError, match="blank name"):
            conn.execute("UPDATE members SET name = ' ' WHERE id = 1")
        assert conn.execute("SELECT activities FROM member_activity_counts WHERE id = 1").fetchone() == (1,)


def test_an_upgraded_registry_never_gives_a_removed_sessions_uid_again(env, tmp_path):
    _old_registry(env.db)
    _ok(env.run("sessions", "remove", "2", "d"))  # session 4, now the highest
    added = _json(env, "sessions", "add", "2", "--title", "Late panel", "--start", "15:00", "--end", "15:30")
    assert added["id"] == 8  # after session 7, which a calendar UID still names
    feed = _ok(env.run("export", "ics", "--activity", "2")).stdout
    assert "session-8.a2@peerlearn" in feed and "session-4." not in feed


def test_an_upgrade_that_would_break_references_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    _old_registry(path)
    before = _snapshot(path)
    copy = table_rebuild.copy_rows

    def losing_a_member(conn, source, target, columns):
        copy(conn, source, target, columns)
        if source == "members":
            conn.execute(f"DELETE FROM [{target}] WHERE id = 1")

    monkeypatch.setattr(table_rebuild, "copy_rows", losing_a_member)
    with pytest.raises(RegistryError, match="would break .* reference"):
        Registry.open(path, actor="tester")
    assert _snapshot(path) == before
    conn = sqlite3.connect(str(path))
    assert "AUTOINCREMENT" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'activities'").fetchone()[0]
    names = [migration.name for migration in migrations._migrations]
    before_m007 = names[names.index("m007_never_reused_ids") - 1]
    assert [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")][-1] == before_m007
    conn.close()
    monkeypatch.undo()
    with Registry.open(path, actor="tester") as registry:  # without the fault, it upgrades
        assert registry.schema_version == NEWEST  # every migration ran


def test_rebuilding_refuses_to_run_inside_a_transaction_and_runs_twice_harmlessly(tmp_path):
    path = tmp_path / "new.db"
    Registry.open(path).close()
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")
    with pytest.raises(RegistryError, match="inside a transaction"):
        table_rebuild.never_reuse_ids(conn, {"members": "member"})
    conn.execute("ROLLBACK")
    assert table_rebuild.never_reuse_ids(conn, {"members": "member", "sessions": "session"}) == []
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()


@pytest.mark.parametrize("sql, expect", [
    ("CREATE TABLE t (id INTEGER PRIMARY KEY, x)", "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x)"),
    ('CREATE TABLE "t" ([id] integer primary key, member_id INTEGER)',
     'CREATE TABLE "t" ([id] integer primary key AUTOINCREMENT, member_id INTEGER)'),
    ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)", None),
])
def test_autoincrement_sql(sql, expect):
    assert table_rebuild.autoincrement_sql(sql) == expect


def test_autoincrement_sql_refuses_a_table_without_an_integer_id():
    with pytest.raises(RegistryError, match="no 'id INTEGER PRIMARY KEY'"):
        table_rebuild.autoincrement_sql("CREATE TABLE t (member_id INTEGER PRIMARY KEY)")
