"""A writing command's confirmation is part of its transaction: where standard output refuses it, nothing changes.

Each command runs in a child process with standard output on ``/dev/full``
(every write refused with "No space left on device"): it exits 1 with one
``Error:`` line, and the registry file is byte for byte as before (for
``demo`` into a new file, no file is left). A closed pipe still ends
quietly, and changes nothing either.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import faults

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")

FULL = "Error: cannot write standard output: No space left on device\n"

COMMANDS = [
    ("activities", "add", "--network", "pes", "--kind", "event", "--title", "X", "--start", "2030-06-01"),
    ("activities", "add", "--network", "pes", "--kind", "event", "--title", "X", "--start", "2030-06-01", "--json"),
    ("activities", "edit", "7", "--venue", "Hall B"),
    ("activities", "cancel", "7"),
    ("members", "add", "Acme Consulting", "--country", "BE"),
    ("members", "add", "Acme Consulting", "--country", "BE", "--network", "pes", "--category",
     "public employment service", "--json"),
    ("members", "import", "members.csv", "--network", "pes"),
    ("sessions", "add", "13", "--title", "Extra", "--kind", "workshop", "--start", "16:00", "--end", "16:30"),
    ("roles", "add", "13", "welcome", "--role", "speaker", "--name", "Jo Bloggs"),
    ("participants", "register", "7", "19"),
    ("networks", "add", "jobs", "--name", "Jobs network"),
    ("agenda", "release", "13"),
    ("agenda", "tracks", "13", "plenary"),
    ("notify", "remind", "--pending", "--days", "3650"),
]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """A demo registry, built once; each test works on its own copy."""
    db = tmp_path_factory.mktemp("demo") / "registry.db"
    child = faults.run(db, "demo")
    assert child.returncode == 0, child.stderr
    return db


@pytest.fixture
def registry(demo_file, tmp_path):
    db = tmp_path / "registry.db"
    shutil.copyfile(demo_file, db)
    (tmp_path / "members.csv").write_text("name,country,category\nNew Org,FR,public employment service\n",
                                          encoding="utf-8")
    return db


def on_full_disk(db, *args: str) -> subprocess.CompletedProcess:
    with open("/dev/full", "w") as full:
        return subprocess.run(faults.command(db, *args), cwd=db.parent, env=faults.child_environment(), stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_confirmation_refused_by_standard_output_changes_nothing(registry, args):
    before = registry.read_bytes()
    files = sorted(os.listdir(registry.parent))
    child = on_full_disk(registry, *args)
    assert child.stderr == FULL
    assert child.returncode == 1
    assert registry.read_bytes() == before
    assert sorted(os.listdir(registry.parent)) == files  # (no log of the change left beside it either)


def test_a_closed_pipe_ends_quietly_and_changes_nothing(registry):
    before = registry.read_bytes()
    child = subprocess.Popen(faults.command(registry, *COMMANDS[0]), cwd=registry.parent,
                             env=faults.child_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # the reader is gone before the confirmation is written, as `| head -0` would
    _, stderr = child.communicate(timeout=120)
    assert stderr.decode() == ""
    assert child.returncode == 1
    assert registry.read_bytes() == before


def test_a_demo_whose_summary_is_refused_leaves_no_registry(tmp_path):
    db = tmp_path / "new.db"
    child = on_full_disk(db, "demo")
    assert child.stderr == FULL
    assert child.returncode == 1
    assert os.listdir(tmp_path) == []  # neither the registry nor what it was built in


def test_a_demo_whose_summary_is_refused_leaves_the_old_registry(registry):
    before = registry.read_bytes()
    child = on_full_disk(registry, "demo", "--force")
    assert child.stderr == FULL
    assert child.returncode == 1
    assert registry.read_bytes() == before


@pytest.mark.parametrize("args", [
    ("init",),
    ("activities", "add", "--network", "pes", "--kind", "event", "--title", "X", "--start", "2030-06-01"),
    ("networks", "add", "jobs", "--name", "Jobs network"),
], ids=" ".join)
def test_a_writing_command_refused_on_a_new_registry_path_leaves_no_file(tmp_path, args):
    db = tmp_path / "new.db"
    child = on_full_disk(db, *args)
    assert child.stderr == FULL
    assert child.returncode == 1
    assert os.listdir(tmp_path) == []  # no empty registry left where there was none


def test_a_failing_command_on_a_new_registry_path_leaves_no_file_and_a_successful_one_keeps_it(tmp_path):
    db = tmp_path / "new.db"
    refused = faults.run(db, "activities", "add", "--network", "no_such_network", "--kind", "event",
                         "--title", "X", "--start", "2030-06-01")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "no_such_network" in refused.stderr
    assert os.listdir(tmp_path) == []
    added = faults.run(db, "networks", "add", "jobs", "--name", "Jobs network")
    assert added.returncode == 0, added.stderr
    assert faults.run(db, "networks", "list").stdout.count("jobs") == 1  # kept: the change was committed
