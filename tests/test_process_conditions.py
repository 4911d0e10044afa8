"""The process's own conditions: a closed standard output, a removed current folder, a C locale, a limit.

Each is met by a real child process, as a shell would start it, and gives
exit 1 with one ``Error:`` line that says what is wrong; a command that
only reads, or exports, leaves the registry as it was.
"""

from __future__ import annotations

import errno
import hashlib
import shlex
import subprocess

import pytest

import faults
from peerlearn.cli.common import as_click_error


def shell(line: str, *, cwd, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", line], cwd=cwd, env=faults.child_environment(**extra), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", [("activities", "list"), ("members", "list", "--json"),
                                  ("export", "ics", "--network", "pes"), ("log", "--network", "pes", "--format", "csv"),
                                  ("--help",)], ids=" ".join)
def test_a_closed_standard_output_is_one_line(demo_env, tmp_path, args):
    before = digest(demo_env.db)
    child = shell(f"exec {shlex.join(faults.command(demo_env.db, *args))} >&-", cwd=tmp_path)
    assert child.stderr == "Error: cannot write standard output: Bad file descriptor\n"
    assert child.returncode == 1
    assert digest(demo_env.db) == before  # (the export's serialized events are not kept either)


def test_a_relative_registry_in_a_removed_current_folder_is_named(demo_env, tmp_path):
    (tmp_path / "gone").mkdir()
    command = shlex.join(faults.command("registry.db", "activities", "list"))
    child = shell(f"cd gone && rmdir ../gone && exec {command}", cwd=tmp_path)
    assert child.returncode == 1
    assert child.stderr == ("Error: --db: registry.db is relative to the current folder, which no longer exists;"
                            " give a full path or change folder\n")


def test_utf8_bytes_read_as_ascii_are_refused_saying_why(demo_env, tmp_path):
    before = digest(demo_env.db)
    command = shlex.join(faults.command(demo_env.db, "members", "add", "Müller GmbH", "--country", "DE"))
    child = shell(f"exec {command}", cwd=tmp_path, LC_ALL="C", PYTHONUTF8="0")
    assert child.returncode == 1
    assert child.stderr.startswith("Error: argument 5: holds UTF-8 text, which Python reads here as ASCII"), \
        child.stderr
    assert len(child.stderr.splitlines()) == 1 and "set PYTHONUTF8=1" in child.stderr
    assert digest(demo_env.db) == before
    child = shell(f"exec {command}", cwd=tmp_path, LC_ALL="C", PYTHONUTF8="1")  # read as UTF-8: taken
    assert child.returncode == 0, child.stderr


@pytest.mark.parametrize("number, expect", [
    (errno.EMFILE, "Too many open files: /x/y.py (too many files open at once: raise the limit, e.g. ulimit -n 1024)"),
    (errno.ENOENT, "No such file or directory: /x/y.py"),
])
def test_what_the_system_refused_is_one_line_not_an_unexpected_error(number, expect):
    import os

    error = as_click_error(OSError(number, os.strerror(number), "/x/y.py"))
    assert error.message == expect
