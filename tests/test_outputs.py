"""Outputs land only where they should: ``-o`` files and build folders, full disks, leftovers of killed builds."""

from __future__ import annotations

import fcntl
import os
import re
import socket
import stat

import pytest

import faults
import peerlearn_plugins.site

EXPORTS = [
    ("log", "--network", "pes", "--format", "csv"),
    ("changes", "--format", "csv"),
    ("report", "--network", "pes", "--year", "2026", "--format", "html"),
    ("export", "ics", "--network", "pes"),
    ("members", "export"),
    ("agenda", "export", "13"),
]


def make_special(kind: str, path, tmp_path):
    """Make ``path`` a symlink, FIFO, socket or device; return a function that tells it is still the same thing."""
    if kind == "symlink":
        secret = tmp_path / "secret.txt"
        secret.write_text("not yours\n")
        path.symlink_to(secret)
        return lambda: path.is_symlink() and secret.read_text() == "not yours\n"
    if kind == "fifo":
        os.mkfifo(path)
        return lambda: stat.S_ISFIFO(os.lstat(path).st_mode)
    if kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        return lambda: stat.S_ISSOCK(os.lstat(path).st_mode)
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # like /dev/null
    return lambda: stat.S_ISCHR(os.lstat(path).st_mode)


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert re.fullmatch(r"Error: [^\n]+\n", result.stderr), result.stderr
    return result.stderr


@pytest.mark.parametrize("kind", ["symlink", "fifo", "socket", "device"])
@pytest.mark.parametrize("args", EXPORTS, ids=lambda args: args[0])
def test_output_that_exists_and_is_not_a_regular_file_is_refused(demo_env, tmp_path, kind, args):
    target = tmp_path / "out.data"
    unchanged = make_special(kind, target, tmp_path)
    before = demo_env.fingerprint()
    message = one_error_line(demo_env.run(*args, "-o", str(target)))
    assert f"cannot write {target}: it is a" in message and "not a regular file" in message
    assert unchanged()
    assert demo_env.fingerprint() == before
    assert faults.leftovers(tmp_path) == []


def test_dash_is_still_standard_output_and_a_regular_file_is_replaced(demo_env, tmp_path):
    result = demo_env.run("log", "--network", "pes", "--format", "csv", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("id,")
    target = tmp_path / "log.csv"
    target.write_text("old\n")
    assert demo_env.run("log", "--network", "pes", "--format", "csv", "-o", str(target)).exit_code == 0
    assert target.read_text().startswith("id,") and faults.leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", ["symlink-to-folder", "fifo"])
@pytest.mark.parametrize("build", [("feeds", "build"), ("site", "build")], ids=lambda args: args[0])
def test_build_folder_must_be_a_real_folder(demo_env, tmp_path, kind, build):
    demo_env.register(peerlearn_plugins.site, name="site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = tmp_path / "public"
    if kind == "symlink-to-folder":
        target.symlink_to(elsewhere, target_is_directory=True)
    else:  # a regular file is refused by click's own check (a usage error)
        os.mkfifo(target)
    message = one_error_line(demo_env.run(*build, str(target)))
    assert f"cannot build in {target}: it is" in message and "not a folder" in message
    assert list(elsewhere.iterdir()) == []


def test_a_published_file_that_became_a_link_or_pipe_is_refused_not_followed(demo_env, tmp_path):
    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours\n")
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(secret)
    message = one_error_line(demo_env.run("site", "build", str(out)))
    assert f"cannot write {out / 'index.html'}: it is a symbolic link" in message
    assert (out / "index.html").is_symlink() and secret.read_text() == "not yours\n"
    (out / "index.html").unlink()
    os.mkfifo(out / "index.html")
    # in a child process: reading a FIFO to compare it would block for ever
    result = faults.run(demo_env.db, "site", "build", str(out), timeout=60)
    assert result.returncode == 1 and "it is a named pipe (FIFO)" in result.stderr, result.stderr
    assert stat.S_ISFIFO(os.lstat(out / "index.html").st_mode)


def test_full_disk_while_building_names_the_file_and_keeps_the_old_outputs(demo_env, tmp_path):
    disk = tmp_path / "disk"
    with faults.small_disk(disk, "2m"):
        out = disk / "public"
        assert demo_env.run("feeds", "build", str(out)).exit_code == 0
        before = faults.tree(out)
        conference = demo_env.run("activities", "list", "--network", "mutual_learning", "--json").stdout
        activity = str(__import__("json").loads(conference)[-1]["id"])
        assert demo_env.run("activities", "edit", activity, "--title", "Renamed " * 40).exit_code == 0
        faults.fill(disk)
        result = faults.run(demo_env.db, "feeds", "build", str(out))
        assert result.returncode == 1
        assert re.fullmatch(rf"Error: cannot write {re.escape(str(out))}/[\w/.-]+: No space left on device\n",
                            result.stderr), result.stderr
        assert faults.tree(out) == before
        assert faults.leftovers(out) == []


def test_file_size_limit_while_exporting_names_the_file_and_keeps_the_old_one(demo_env, tmp_path):
    target = tmp_path / "changes.csv"
    target.write_text("the old export\n")
    result = faults.run(demo_env.db, "changes", "--format", "csv", "-o", str(target), limit=48_000)
    assert result.returncode == 1
    assert result.stderr == f"Error: cannot write {target}: File too large\n"
    assert target.read_text() == "the old export\n"
    assert faults.leftovers(tmp_path) == []
    assert faults.registry_state(demo_env.db)["integrity"] == "ok"


def test_next_build_removes_what_a_killed_build_left_but_not_what_a_running_one_writes(demo_env, tmp_path):
    demo_env.register(peerlearn_plugins.site, name="site")
    for build in (("feeds", "build"), ("site", "build")):
        out = tmp_path / build[0]
        assert demo_env.run(*build, str(out)).exit_code == 0
        abandoned = [out / "networks" / ".pes.ics.k1ll3d_x.tmp", out / ".index.html.abcd1234.tmp"]
        for path in abandoned:
            path.parent.mkdir(exist_ok=True)
            path.write_text("half a file")
        if build[0] == "site":  # a killed site build leaves its marker, which has the next one walk the folder
            (out / ".peerlearn-publishing").write_bytes(b"")
        if build[0] == "feeds":  # a killed feeds build leaves its mark too (without it, nothing is looked for)
            (out / ".peerlearn-feeds-building").touch()
        running = out / ".index.json.r_nn1ng0.tmp"
        kept = out / ".notes.tmp"
        kept.write_text("the user's own file\n")
        with open(running, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # as a build still writing it holds it
            assert demo_env.run(*build, str(out)).exit_code == 0
            assert not any(path.exists() for path in abandoned)
            assert running.exists() and kept.exists()
        running.unlink()


def test_next_export_to_a_file_removes_what_a_killed_one_left(demo_env, tmp_path):
    target = tmp_path / "changes.csv"
    abandoned = tmp_path / ".changes.csv.k1ll3d_x.tmp"
    abandoned.write_text("half an export")
    other = tmp_path / ".other.csv.k1ll3d_x.tmp"
    other.write_text("another file's")
    assert demo_env.run("changes", "--format", "csv", "-o", str(target)).exit_code == 0
    assert not abandoned.exists() and other.exists()
