"""The registry file: safe opening, migrations, transactions, the change log."""

import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from sqlite_utils.db import Database

from peerlearn.errors import RegistryError
from peerlearn.registry.migrations import migrations
from peerlearn.registry.store import Registry


def test_new_registry_uses_wal_and_latest_schema(env):
    with env.open() as registry:
        assert registry.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert registry.schema_version == migrations._migrations[-1].name
        assert {"networks", "members", "activities", "changes"} <= set(registry.db.table_names())


def test_database_from_first_schema_version_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old = Database(str(path))
    first = migrations._migrations[0].name
    later = [m.name for m in migrations._migrations[1:]]
    assert later, "there must be a later migration to test"
    migrations.apply(old, stop_before=later[0])
    old["networks"].insert({"slug": "old", "name": "Old network", "timezone": "Europe/Brussels"})
    old["members"].insert({"name": "Ministry", "name_key": "ministry", "country": "BE", "feed_token": "t",
                           "created_at": "2020-01-01T00:00:00+00:00"})
    assert [m.name for m in migrations.applied(old)] == [first]
    old.close()
    with Registry.open(path, actor="tester") as registry:
        assert [m.name for m in migrations.applied(registry.db)][-1] == later[-1]
        assert registry.one("SELECT name FROM members")["name"] == "Ministry"
        assert registry.one("SELECT name FROM networks")["name"] == "Old network"


def test_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    with pytest.raises(RegistryError, match="not an SQLite database"):
        Registry.open(path)
    assert path.read_text() == "these are my notes, not a database\n"


def test_damaged_database_is_refused(tmp_path):
    path = tmp_path / "damaged.db"
    with Registry.open(path) as registry:
        with registry.transaction():
            registry.db.conn.executemany(
                "INSERT INTO changes (at, actor, action, entity, entity_id) VALUES (?, ?, ?, ?, ?)",
                [("2026-01-01", "x" * 200, "create", "thing", str(i)) for i in range(2000)],
            )
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, len(data) - 100, 4096):
        data[offset + 20:offset + 60] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(RegistryError, match="damaged|not a usable"):
        Registry.open(path)


def test_other_sqlite_database_is_not_taken_over(tmp_path):
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
    other.commit()
    other.close()
    with pytest.raises(RegistryError, match="not a peerlearn registry"):
        Registry.open(path)
    assert sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall() == [("accounts",)]


def test_read_only_registry_reads_but_refuses_writes(demo_env):
    os.chmod(demo_env.db, 0o444)
    try:
        before = demo_env.fingerprint()
        listed = demo_env.run("members", "list", "--json")
        assert listed.exit_code == 0, listed.stderr
        result = demo_env.run("members", "add", "Ministry", "--country", "BE")
        assert result.exit_code == 1
        assert "read-only" in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert demo_env.fingerprint() == before
    finally:
        os.chmod(demo_env.db, 0o644)


def test_change_log_is_append_only(demo_env):
    with demo_env.open() as registry:
        count = registry.counts()["changes"]
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            registry.db.execute("UPDATE changes SET actor = 'mallory'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            registry.db.execute("DELETE FROM changes")
        assert registry.counts()["changes"] == count


def test_transaction_rolls_back_everything_on_error(env):
    env.run("init")
    with env.open() as registry:
        with pytest.raises(RuntimeError):
            with registry.transaction():
                registry.db["members"].insert({"name": "A", "name_key": "a", "country": "BE", "feed_token": "a",
                                               "created_at": "x"})
                registry.record("create", "member", 1)
                raise RuntimeError("half way")
        assert registry.counts()["members"] == 0
        assert registry.one("SELECT count(*) AS n FROM changes WHERE entity = 'member'")["n"] == 0


def test_before_commit_is_called_inside_the_transaction_and_what_it_raises_rolls_back(env):
    env.run("init")
    called = []
    with env.open() as registry:
        def refuse() -> None:  # as a full standard output refuses a confirmation
            called.append(registry.conn.in_transaction)
            raise OSError(28, "No space left on device")

        with registry.transaction(dry_run=True, before_commit=refuse):
            registry.record("create", "member", 1)
        with pytest.raises(OSError):
            with registry.transaction(before_commit=refuse):
                registry.record("create", "member", 1)
        assert called == [True]  # never on a dry run
        assert registry.one("SELECT count(*) AS n FROM changes WHERE entity = 'member'")["n"] == 0


def test_changes_are_recorded_as_the_operating_system_user_unless_an_actor_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGNAME", "local-user")  # what getpass.getuser() reads first
    for given, recorded in ((None, "local-user"), ("secretariat@pes", "secretariat@pes")):
        with Registry.open(tmp_path / "r.db", actor=given) as registry:
            with registry.transaction():
                registry.record("create", "member", 1)
            last = registry.one("SELECT actor FROM changes ORDER BY id DESC LIMIT 1")
        assert last["actor"] == recorded


def test_two_processes_writing_at_once_both_succeed(env):
    env.run("init")
    script = textwrap.dedent(
        """
        import sys
        from peerlearn.registry.members import add
        from peerlearn.models import Member
        from peerlearn.registry.store import Registry
        with Registry.open(sys.argv[1], actor=sys.argv[2]) as registry:
            for i in range(40):
                with registry.transaction():
                    add(registry, Member(name=f"{sys.argv[2]} {i}", country="BE"))
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(env.db), who], stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PEERLEARN_LOAD_PLUGINS": ""})
             for who in ("alpha", "beta")]
    errors = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], errors
    with env.open() as registry:
        assert registry.counts()["members"] == 80
        actors = {row["actor"] for row in registry.query("SELECT actor FROM changes WHERE entity = 'member'")}
        assert actors == {"alpha", "beta"}
