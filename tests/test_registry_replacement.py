"""A registry file is replaced only by a complete, checked file (``peerlearn demo``, ``demo --force``)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import textwrap

import faults
import pytest

from peerlearn.errors import RegistryError


def sidecars(folder):
    return sorted(path.name for path in folder.iterdir() if path.name != "filler")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A demo registry built once, outside any small disk."""
    db = tmp_path_factory.mktemp("reference") / "demo.db"
    assert faults.run(db, "demo").returncode == 0
    return db


@pytest.fixture(scope="module")
def demo_counts(reference):
    return faults.registry_state(reference)["counts"]


@pytest.mark.parametrize("size", ["600k", "900k", "1200k"])
def test_demo_on_a_nearly_full_disk_writes_a_whole_registry_or_none(tmp_path, size, demo_counts):
    disk = tmp_path / "disk"
    with faults.small_disk(disk, size):
        result = faults.run(disk / "new.db", "demo")
        state = faults.registry_state(disk / "new.db")
        if result.returncode == 0:
            assert state == {"integrity": "ok", "counts": demo_counts}
            assert sidecars(disk) == ["new.db"]
        else:
            assert state is None and sidecars(disk) == [], (result.stderr, sidecars(disk))
            assert result.stderr.startswith(f"Error: cannot write {disk / 'new.db'}: database or disk is full")
            assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("size", ["900k", "1200k", "1500k"])
def test_demo_force_on_a_nearly_full_disk_keeps_the_old_registry_or_replaces_it_whole(tmp_path, size, reference,
                                                                                       demo_counts):
    disk = tmp_path / "disk"
    with faults.small_disk(disk, size):
        db = disk / "registry.db"
        db.write_bytes(reference.read_bytes())
        assert faults.run(db, "members", "add", "Old member", "--country", "BE").returncode == 0
        before = db.read_bytes()
        result = faults.run(db, "demo", "--force")
        state = faults.registry_state(db)
        assert state["integrity"] == "ok"
        if result.returncode == 0:
            assert state["counts"] == demo_counts
        else:
            assert db.read_bytes() == before and result.stderr.count("\n") == 1, result.stderr
        assert sidecars(disk) == ["registry.db"]


def test_a_reader_holding_the_new_registry_stops_the_rename(tmp_path):
    from peerlearn.registry.staging import replacement

    db = tmp_path / "registry.db"
    db.write_text("the old file\n")
    with pytest.raises(RegistryError, match="another process is reading the new registry"):
        with replacement(db, actor="tester") as registry:
            with registry.transaction():
                registry.db.execute("INSERT INTO networks (slug, name, timezone) VALUES ('x', 'X', 'UTC')")
            reader = sqlite3.connect(registry.path)
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM networks").fetchone()
    reader.close()
    assert db.read_text() == "the old file\n"
    assert sidecars(tmp_path) == ["registry.db"]


def _registry_with_committed_log(db):
    """A registry whose last commit is only in its -wal (its writer died before any checkpoint)."""
    script = textwrap.dedent("""
        import os, sys
        from peerlearn.registry.store import Registry
        registry = Registry.open(sys.argv[1], actor="tester")
        registry.db.execute("PRAGMA wal_autocheckpoint = 0")
        with registry.transaction():
            registry.db.execute("INSERT INTO networks (slug, name, timezone) VALUES ('kept', 'Kept', 'UTC')")
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", script, str(db)], check=True, env=faults.child_environment())
    assert os.path.getsize(f"{db}-wal") > 0


def test_a_failed_replacement_keeps_what_the_old_registry_held_in_its_log(tmp_path):
    from peerlearn.registry.staging import replacement

    db = tmp_path / "registry.db"
    _registry_with_committed_log(db)
    with pytest.raises(RuntimeError):
        with replacement(db, actor="tester"):
            raise RuntimeError("the build failed")
    assert sqlite3.connect(db).execute("SELECT slug FROM networks").fetchall() == [("kept",)]


def test_the_old_log_is_never_read_as_the_new_registrys(tmp_path, demo_counts):
    db = tmp_path / "registry.db"
    _registry_with_committed_log(db)
    result = faults.run(db, "demo", "--force")
    assert result.returncode == 0, result.stderr
    assert faults.registry_state(db) == {"integrity": "ok", "counts": demo_counts}
    assert sidecars(tmp_path) == ["registry.db"]


def test_staging_files_of_a_killed_demo_are_removed_by_the_next_one(tmp_path):
    db = tmp_path / "registry.db"
    abandoned = tmp_path / ".registry.db.k1ll3d_x.building"
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"{abandoned.name}{suffix}").write_bytes(b"half a registry")
    running = tmp_path / ".registry.db.runn1ng_.building"
    with open(running, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as another demo still building holds it
        assert faults.run(db, "demo").returncode == 0
        assert sidecars(tmp_path) == [running.name, "registry.db"]
    running.unlink()


def test_demo_refuses_to_replace_a_link(tmp_path):
    real = tmp_path / "real.db"
    assert faults.run(real, "demo").returncode == 0
    before = real.read_bytes()
    link = tmp_path / "link.db"
    link.symlink_to(real)
    result = faults.run(link, "demo", "--force")
    assert result.returncode == 1
    assert result.stderr == f"Error: cannot replace {link}: it is a symbolic link, not a regular file\n"
    assert link.is_symlink() and real.read_bytes() == before


def test_demo_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    db = tmp_path / "registry.db"
    assert faults.run(db, "demo").returncode == 0
    assert os.stat(db).st_mode & 0o777 == 0o644
    db.chmod(0o640)
    assert faults.run(db, "demo", "--force").returncode == 0
    assert os.stat(db).st_mode & 0o777 == 0o640
