"""Integrity checks where they belong: after a write cut short, on ``peerlearn check``, before a migration.

A clean open reads the same few pages whatever the registry's size (no full
``quick_check``); a write killed mid-transaction leaves a marker, and the
next open checks the file first; ``peerlearn check`` runs every check.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from peerlearn.errors import RegistryError
from peerlearn.registry import integrity, store
from peerlearn.registry.store import Registry
from refusals import refused


def fill(path: Path, changes: int) -> None:
    """A registry whose change log holds ``changes`` rows of ~300 bytes."""
    with Registry.open(path, actor="tester") as registry:
        with registry.transaction():
            registry.conn.executemany(
                "INSERT INTO changes (at, actor, action, entity, entity_id) VALUES (?, ?, ?, ?, ?)",
                [("2026-01-01T00:00:00Z", "x" * 300, "create", "thing", str(i)) for i in range(changes)])
        registry.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def damage_the_last_pages(path: Path, pages: int = 3) -> None:
    """Overwrite the middle of the file's last pages (change-log rows no open ever reads)."""
    data = bytearray(path.read_bytes())
    size = 4096
    for page in range(len(data) // size - pages, len(data) // size):
        data[page * size + 8:page * size + 400] = b"\xff" * 392
    path.write_bytes(bytes(data))


def traced_statements(monkeypatch) -> list[str]:
    """Every SQL statement the registry's connections run from now on."""
    statements: list[str] = []
    connect = store._connect

    def tracing(path, readonly):
        conn = connect(path, readonly)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(store, "_connect", tracing)
    return statements


def bytes_read() -> int:
    return int(next(line for line in Path("/proc/self/io").read_text().splitlines()
                    if line.startswith("rchar:")).split()[1])


def test_a_clean_open_runs_no_full_check(env, monkeypatch):
    fill(env.db, 100)
    statements = traced_statements(monkeypatch)
    with Registry.open(env.db, create=False, upgrade=False) as registry:
        assert registry.checked_because is None
    assert not [s for s in statements if "check" in s.lower()], statements


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts bytes read through /proc/self/io (Linux)")
def test_opening_reads_as_much_of_a_large_registry_as_of_a_small_one(tmp_path):
    small, large = tmp_path / "small.db", tmp_path / "large.db"
    fill(small, 100)
    fill(large, 40_000)
    assert large.stat().st_size > 40 * small.stat().st_size
    read = {}
    for path in (small, large, small, large):  # the second round: imports and caches warm
        before = bytes_read()
        Registry.open(path, create=False, upgrade=False).close()
        read[path] = bytes_read() - before
    assert read[large] <= read[small] + 16 * 1024
    assert read[large] < large.stat().st_size / 20


def test_damage_in_pages_an_open_does_not_read_is_found_by_check(env):
    fill(env.db, 3000)
    damage_the_last_pages(env.db)
    with Registry.open(env.db, create=False, upgrade=False) as registry:  # the cost of checking is not paid here
        assert registry.checked_because is None
    result = env.run("check")
    assert result.exit_code == 1
    assert "integrity" in result.stdout and "problem(s)" in result.stdout
    assert result.stderr.strip().splitlines() == [f"Error: {env.db} failed its check: integrity"]
    data = json.loads(env.run("check", "--json").stdout)
    assert data["ok"] is False and data["integrity"] != ["ok"]
    # sqlite3's own opinion, independently of peerlearn (a check may stop at a page it cannot read)
    try:
        verdict = sqlite3.connect(env.db).execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        verdict = str(error)
    assert verdict != "ok"


def test_check_on_a_sound_registry(demo_env):
    result = demo_env.run("check")
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines() if not line.startswith("foreign"))
    assert lines["integrity"] == "ok" and lines["writes"] == "none cut short"
    data = json.loads(demo_env.run("check", "--json").stdout)
    assert data["ok"] is True and data["schema_status"] == "current" and data["foreign_key_count"] == 0


def test_check_finds_rows_naming_missing_rows_and_never_writes(demo_env):
    conn = sqlite3.connect(demo_env.db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE memberships SET network = 'gone' WHERE rowid IN (SELECT rowid FROM memberships LIMIT 2)")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = demo_env.fingerprint()
    data = json.loads(demo_env.run("check", "--json").stdout)
    assert data["ok"] is False and data["integrity"] == ["ok"]
    assert data["foreign_key_count"] == 2
    assert {problem["table"] for problem in data["foreign_keys"]} == {"memberships"}
    assert demo_env.fingerprint() == before


def test_times_written_around_peerlearn_are_named_by_check_and_refused_in_one_line(demo_env):
    """A start edited by hand to '2026-13-45' stopped `report` and `activities show` with an unexpected error,
    and `check` called the registry sound."""
    conn = sqlite3.connect(demo_env.db)
    activity = conn.execute("SELECT id, network FROM activities ORDER BY id").fetchone()
    session = conn.execute("SELECT id FROM sessions ORDER BY id").fetchone()[0]
    conn.execute("UPDATE activities SET start_local = '2026-13-45T09:00:00', start_utc = '2026-13-45T08:00:00Z'"
                 " WHERE id = ?", [activity[0]])
    conn.execute("UPDATE sessions SET end_utc = 'nope' WHERE id = ?", [session])
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = demo_env.fingerprint()
    result = demo_env.run("check", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["ok"] is False and data["unreadable_time_count"] == 2
    assert data["unreadable_times"][0].startswith(f"activities #{activity[0]}: start '2026-13-45T09:00:00'")
    assert data["unreadable_times"][1].startswith(f"sessions #{session}: end ")
    assert "2 row(s) hold a time peerlearn cannot read" in demo_env.run("check").stdout
    refused(demo_env, "activities", "show", str(activity[0]),
            expect=f"activity #{activity[0]} holds a time peerlearn cannot read")
    refused(demo_env, "report", "--network", activity[1], "--year", "2026",
            expect="an activity of 2026 has a start peerlearn cannot read")
    assert demo_env.fingerprint() == before


def test_check_reports_an_older_schema_without_upgrading_it(env):
    from sqlite_utils.db import Database

    from peerlearn.registry.migrations import migrations, names

    old = Database(str(env.db))
    migrations.apply(old, stop_before=names()[3])
    old.close()
    data = json.loads(env.run("check", "--json").stdout)
    assert data["schema_status"] == "older" and data["pending"] == names()[3:]
    assert data["ok"] is True
    assert [row[0] for row in sqlite3.connect(env.db).execute("SELECT name FROM _sqlite_migrations")] == names()[:3]


def test_check_refuses_a_file_that_is_not_sqlite_in_one_line(env):
    env.db.write_text("not a database\n")
    result = env.run("check")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {env.db} is not an SQLite database; refusing to open it"


KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    from peerlearn.registry.store import Registry
    registry = Registry.open(sys.argv[1], actor="tester")
    with registry.transaction():
        registry.conn.execute("INSERT INTO changes (at, actor, action, entity, entity_id)"
                              " VALUES ('2026-01-01', 'killed', 'create', 'thing', '1')")
        os.kill(os.getpid(), signal.SIGKILL)
""")


def kill_a_writer(path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr


def test_a_write_killed_midway_leaves_a_marker_and_the_next_open_checks_first(env, monkeypatch):
    fill(env.db, 100)
    kill_a_writer(env.db)
    assert len(integrity.stale_markers(env.db)) == 1
    statements = traced_statements(monkeypatch)
    with Registry.open(env.db, create=False, upgrade=False) as registry:  # reading: checks, changes nothing
        assert registry.checked_because and "cut short" in registry.checked_because
        assert registry.conn.execute("SELECT count(*) FROM changes WHERE actor = 'killed'").fetchone()[0] == 0
    assert "PRAGMA quick_check" in statements
    assert len(integrity.stale_markers(env.db)) == 1
    with Registry.open(env.db) as registry:  # writing: checks, then clears the marker
        assert registry.checked_because
    assert integrity.markers(env.db) == []
    statements.clear()
    Registry.open(env.db).close()
    assert "PRAGMA quick_check" not in statements


def test_a_damaged_registry_after_a_write_cut_short_is_refused_in_one_line(env):
    fill(env.db, 3000)
    kill_a_writer(env.db)
    conn = sqlite3.connect(env.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    damage_the_last_pages(env.db)
    result = env.run("activities", "list")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {env.db} is damaged (PRAGMA quick_check after a write cut short")
    assert line.endswith("refusing to open it")
    assert len(integrity.markers(env.db)) == 1  # kept: every open checks until the file is repaired


def test_a_marker_of_a_live_process_or_another_machine_is_not_stale(env):
    fill(env.db, 10)
    host, boot = integrity._machine()
    live = env.db.with_name(f"{env.db.name}-writing-live")
    live.write_text(f"{host}\n{boot}\n{os.getpid()}\n")
    elsewhere = env.db.with_name(f"{env.db.name}-writing-elsewhere")
    elsewhere.write_text(f"another-{host}\n{boot}\n999999999\n")
    earlier_boot = env.db.with_name(f"{env.db.name}-writing-rebooted")
    earlier_boot.write_text(f"{host}\nan-earlier-boot\n{os.getpid()}\n")
    torn = env.db.with_name(f"{env.db.name}-writing-torn")
    torn.write_text(f"{host}\n")
    assert integrity.stale_markers(env.db) == sorted([earlier_boot, torn])


def test_a_write_that_cannot_create_its_marker_changes_nothing_and_says_so(env, monkeypatch):
    fill(env.db, 10)

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(integrity.os, "open", refuse)
    with Registry.open(env.db) as registry:
        with pytest.raises(RegistryError, match="cannot create .*-writing-.* beside it .No space left on device"):
            with registry.transaction():
                registry.conn.execute("DELETE FROM networks")
        assert registry.conn.execute("SELECT count(*) FROM changes").fetchone()[0] == 10


def test_every_marker_is_gone_after_writes_that_succeed_or_fail(demo_env):
    assert demo_env.run("networks", "edit", "pes", "--description", "x").exit_code == 1  # a plugin's network
    assert demo_env.run("members", "add", "Somebody", "--country", "BE").exit_code == 0
    assert integrity.markers(demo_env.db) == []


def test_a_migration_refuses_a_damaged_registry_before_copying_it(env):
    from sqlite_utils.db import Database

    from peerlearn.registry.migrations import migrations, names

    old = Database(str(env.db))
    migrations.apply(old, stop_before=names()[-1])
    old.conn.executemany("INSERT INTO changes (at, actor, action, entity, entity_id) VALUES (?, ?, ?, ?, ?)",
                         [("2026-01-01T00:00:00Z", "x" * 300, "create", "thing", str(i)) for i in range(3000)])
    old.conn.commit()
    old.close()
    damage_the_last_pages(env.db)
    result = env.run("migrate")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {env.db} is damaged (PRAGMA integrity_check before upgrading its schema")
    assert not list(env.db.parent.glob("*.bak"))
    assert [row[0] for row in sqlite3.connect(env.db).execute("SELECT name FROM _sqlite_migrations")] == names()[:-1]


def test_a_killed_build_s_write_marker_goes_with_its_staging_file(tmp_path):
    from peerlearn.registry.staging import remove_leftovers

    path = tmp_path / "r.db"
    staging = tmp_path / ".r.db.abcd1234.building"
    staging.write_bytes(b"")
    marker = tmp_path / ".r.db.abcd1234.building-writing-0123456789ab"
    marker.write_text("host\nboot\n1\n")
    assert remove_leftovers(path) == [staging]
    assert not staging.exists() and not marker.exists()


HOT_JOURNAL = textwrap.dedent("""
    import os, signal, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")  # spill to the file mid-transaction: the journal is then hot
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO changes (at, actor, action, entity, entity_id) VALUES (?, ?, ?, ?, ?)",
                     [("2026-01-01", "k" * 300, "create", "thing", str(i)) for i in range(3000)])
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_a_hot_rollback_journal_makes_the_next_open_check_first(env, monkeypatch):
    fill(env.db, 100)
    conn = sqlite3.connect(env.db)
    assert conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"  # as before any write opened it
    conn.close()
    result = subprocess.run([sys.executable, "-c", HOT_JOURNAL, str(env.db)], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert Path(f"{env.db}-journal").stat().st_size > 0
    statements = traced_statements(monkeypatch)
    with Registry.open(env.db, create=False, upgrade=False) as registry:
        assert registry.checked_because and "rollback journal" in registry.checked_because
        assert registry.conn.execute("SELECT count(*) FROM changes").fetchone()[0] == 100  # rolled back
    assert "PRAGMA quick_check" in statements
