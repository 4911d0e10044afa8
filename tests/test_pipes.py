"""Output cut short by a closed pipe ends quietly: no message, no traceback, exit status 1 (as sqlite-utils)."""

from __future__ import annotations

import subprocess

import pytest

import faults

COMMANDS = [
    ("activities", "list"),
    ("changes",),
    ("changes", "--format", "csv"),
    ("log", "--network", "pes", "--format", "md"),
    ("log", "--network", "mutual_learning", "--format", "jsonl"),
    ("members", "list", "--json"),
    ("export", "ics", "--network", "mutual_learning"),
    ("--help",),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_closed_pipe_ends_quietly(demo_env, args):
    child = subprocess.Popen(faults.command(demo_env.db, *args), env=faults.child_environment(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # the reader is gone before the first line is written, as `| head -0` would
    _, stderr = child.communicate(timeout=60)
    assert stderr.decode() == ""
    assert child.returncode == 1


@pytest.mark.parametrize("args", [("changes",), ("changes", "--format", "csv")], ids=" ".join)
def test_head_reads_one_line_and_the_rest_ends_quietly(demo_env, args):
    shell = subprocess.run(
        " ".join(faults.command(demo_env.db, *args)) + " | head -1; echo \"status ${PIPESTATUS[0]}\"",
        shell=True, executable="/bin/bash", env=faults.child_environment(), capture_output=True, text=True, timeout=60)
    lines = shell.stdout.splitlines()
    assert len(lines) == 2 and lines[1] in ("status 0", "status 1"), shell.stdout
    assert shell.stderr == ""
