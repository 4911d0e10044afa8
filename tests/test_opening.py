"""Opening never surprises: empty files, read commands, read-only folders, newer and older schemas."""

from __future__ import annotations

import re
import shutil
import sqlite3

import faults
import pytest
from sqlite_utils.db import Database

from peerlearn.errors import RegistryError
from peerlearn.registry.migrations import migrations
from peerlearn.registry.store import Registry


def names() -> list[str]:
    return [migration.name for migration in migrations._migrations]

READS = [("info",), ("activities", "list"), ("members", "list"), ("changes",), ("networks", "list"),
         ("export", "ics", "--network", "pes"), ("log", "--network", "pes")]
WRITES = [("members", "add", "Ministry", "--country", "BE"), ("init",)]


def files_beside(db):
    return sorted(path.name for path in db.parent.iterdir() if path.name.startswith(db.name))


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert re.fullmatch(r"Error: [^\n]+\n", result.stderr), result.stderr
    return result.stderr


@pytest.mark.parametrize("args", [*READS, WRITES[0], ("migrate",), ("feeds", "build", "out")], ids=" ".join)
def test_an_empty_file_is_refused_by_every_command_but_init(env, args):
    env.db.write_bytes(b"")
    message = one_line_error(env.run(*args))
    assert f"{env.db} is an empty file" in message and "peerlearn init" in message
    assert env.db.read_bytes() == b"" and files_beside(env.db) == [env.db.name]


def test_init_turns_an_empty_file_into_a_registry(env):
    env.db.write_bytes(b"")
    assert env.run("init").exit_code == 0
    assert env.run("networks", "list").exit_code == 0
    assert faults.registry_state(env.db)["counts"]["networks"] == 4


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_command_never_creates_a_registry(env, args):
    one_line_error(env.run(*args))
    assert not env.db.exists() and list(env.db.parent.iterdir()) == []


def test_a_read_command_never_writes_the_file(demo_env):
    conn = sqlite3.connect(demo_env.db)
    conn.execute("PRAGMA journal_mode = DELETE")  # as a registry copied from a backup may be
    conn.close()
    before = demo_env.db.read_bytes()
    for args in READS:
        if args[0] != "export":  # feeds keep their serialized events in a cache table (ical_blocks)
            assert demo_env.run(*args).exit_code == 0, args
    assert demo_env.db.read_bytes() == before


def test_a_registry_in_a_read_only_folder_is_read_and_refuses_writes_in_one_line(demo_env):
    before = demo_env.db.read_bytes()
    with faults.read_only_folder(demo_env.db.parent):
        for args in READS:
            result = demo_env.run(*args)
            assert result.exit_code == 0, (args, result.stderr)
        info = faults.run(demo_env.db, "info", "--json")
        assert info.returncode == 0 and '"read_only": true' in info.stdout
        for args in WRITES:
            message = one_line_error(demo_env.run(*args))
            assert f"cannot write {demo_env.db}: its folder" in message and "read-only" in message
            assert "nothing was changed" in message
        assert files_beside(demo_env.db) == [demo_env.db.name]
    assert demo_env.db.read_bytes() == before


def _mark_newer(db):
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                     " VALUES ('peerlearn', 'm999_from_the_future', '2099-01-01')")
    conn.close()


@pytest.mark.parametrize("args", [*READS, *WRITES, ("init",), ("migrate",)], ids=" ".join)
def test_a_registry_from_a_newer_peerlearn_is_refused(demo_env, args):
    _mark_newer(demo_env.db)
    before = demo_env.fingerprint()
    message = one_line_error(demo_env.run(*args))
    assert "written by a newer peerlearn; upgrade" in message and "m999_from_the_future" in message
    assert demo_env.fingerprint() == before


def _old_registry(path):
    old = Database(str(path))
    migrations.apply(old, stop_before=names()[1])
    old["networks"].insert({"slug": "old", "name": "Old network", "timezone": "Europe/Brussels"})
    old.close()
    return path.read_bytes()


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_command_refuses_an_older_schema_instead_of_upgrading_it(env, args):
    before = _old_registry(env.db)
    message = one_line_error(env.run(*args))
    assert f"{env.db} has an older schema ({names()[0]})" in message and "peerlearn migrate" in message
    assert env.db.read_bytes() == before and files_beside(env.db) == [env.db.name]


@pytest.mark.parametrize("args", [("migrate",), *WRITES], ids=" ".join)
def test_upgrading_keeps_a_copy_first_and_says_where_in_one_line(env, args):
    before = _old_registry(env.db)
    result = env.run(*args)
    assert result.exit_code == 0, result.output
    copy = env.db.with_name(f"{env.db.name}.{names()[0]}.bak")
    assert f"Kept a copy of {env.db} (schema {names()[0]}) at {copy} before upgrading it.\n" in result.stderr
    kept = sqlite3.connect(copy)
    assert [row[0] for row in kept.execute("SELECT name FROM _sqlite_migrations")] == [names()[0]]
    assert kept.execute("SELECT name FROM networks").fetchall() == [("Old network",)]
    kept.close()
    assert env.db.read_bytes() != before
    with env.open() as registry:
        assert registry.schema_version == names()[-1] and registry.kept_copy is None
    assert env.run("activities", "list").exit_code == 0
    again = env.run("migrate")
    assert again.exit_code == 0 and "already at schema" in again.stdout and "Kept" not in again.stderr


def test_a_failed_migration_names_itself_and_leaves_the_earlier_schema(env, monkeypatch):
    _old_registry(env.db)

    def m999_broken(db):
        db.execute("CREATE TABLE half_done (id INTEGER)")
        raise ValueError("cannot convert row 7")

    monkeypatch.setattr(migrations, "_migrations",
                        [*migrations._migrations, migrations._Migration("m999_broken", m999_broken)])
    with pytest.raises(RegistryError) as raised:
        Registry.open(env.db)
    message = str(raised.value)
    assert "migration m999_broken failed (ValueError: cannot convert row 7)" in message
    assert f"{env.db.name}.{names()[0]}.bak" in message
    conn = sqlite3.connect(env.db)
    assert "half_done" not in {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")] == names()[:-1]
    conn.close()
    monkeypatch.undo()
    with Registry.open(env.db) as registry:
        assert registry.schema_version == names()[-1]


def test_copy_is_never_overwritten(env):
    _old_registry(env.db)
    first = env.db.with_name(f"{env.db.name}.{names()[0]}.bak")
    first.write_bytes(b"an earlier copy")
    result = env.run("migrate")
    assert result.exit_code == 0
    assert first.read_bytes() == b"an earlier copy"
    assert env.db.with_name(f"{env.db.name}.{names()[0]}-2.bak").exists()
    shutil.rmtree(env.db.parent / "nothing", ignore_errors=True)


def test_commands_started_together_on_an_older_registry_upgrade_it_once(tmp_path):
    """Three processes find the same migrations pending: one upgrades, the others wait and find it done."""
    import subprocess
    import sys

    for attempt in range(4):
        db = tmp_path / f"r{attempt}.db"
        _old_registry(db)
        runs = [subprocess.Popen([sys.executable, "-m", "peerlearn", "--db", str(db), "migrate"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        results = [(run.wait(), run.stderr.read()) for run in runs]
        for run in runs:
            run.stdout.close()
            run.stderr.close()
        assert [status for status, _ in results] == [0, 0, 0], results
        assert [row[0] for row in sqlite3.connect(db).execute("SELECT name FROM _sqlite_migrations")] == names()
        assert len(list(tmp_path.glob(f"r{attempt}.db*.bak"))) == 1  # one copy kept, by the one that upgraded
        assert not (tmp_path / f"r{attempt}.db-upgrading").exists()
