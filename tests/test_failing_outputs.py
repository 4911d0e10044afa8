"""Commands whose output cannot be written: one line, exit 1, and the registry as it was.

A feed export or build that fails part way keeps none of the events it
serialized; a network slug too long to name a file is refused when added;
standard output that refuses what is printed (a full disk) says so.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess

import click.testing
import pytest

import faults
from peerlearn.errors import OutputError
from refusals import refused


def fail(*args, **kwargs):
    raise OutputError("cannot write the feed: the disk refused")


# -- feeds: the block cache is kept only when the command succeeds -----------


@pytest.mark.parametrize("output", ["-", "feed.ics"])
def test_an_export_that_fails_keeps_nothing(demo_env, monkeypatch, tmp_path, output):
    from peerlearn.feeds import blocks

    target = output if output == "-" else str(tmp_path / output)
    with monkeypatch.context() as patch:
        patch.setattr(blocks, "header", fail)  # once the cache is ready, the feed cannot be written
        refused(demo_env, "export", "ics", "--network", "pes", "-o", target, expect="the disk refused")
    assert not (tmp_path / "feed.ics").exists()
    before = demo_env.fingerprint()
    assert demo_env.run("export", "ics", "--network", "pes", "-o", target).exit_code == 0
    assert demo_env.fingerprint() != before  # the events serialized are kept when the export succeeds


@pytest.mark.parametrize("where", ["write_index", "remove_stale"])
def test_a_build_that_fails_keeps_nothing(demo_env, monkeypatch, tmp_path, where):
    from peerlearn.feeds import publish

    monkeypatch.setattr(publish._Run, where, fail)
    refused(demo_env, "feeds", "build", str(tmp_path / "feeds"), expect="the disk refused")


def test_a_build_that_fails_after_an_earlier_one_keeps_nothing(demo_env, monkeypatch, tmp_path):
    from peerlearn.feeds import publish

    folder = str(tmp_path / "feeds")
    assert demo_env.run("feeds", "build", folder).exit_code == 0
    assert demo_env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "New",
                        "--start", "2030-06-01").exit_code == 0
    monkeypatch.setattr(publish._Run, "write_index", fail)
    refused(demo_env, "feeds", "build", folder, "--full", expect="the disk refused")


# -- network slugs name files ------------------------------------------------


def test_a_slug_too_long_for_a_file_name_is_refused(env):
    refused(env, "networks", "add", "a" * 300, "--name", "N", expect="at most 64")
    refused(env, "networks", "add", "é" * 33, "--name", "N", expect="at most 64")
    assert env.run("networks", "add", "a" * 64, "--name", "N").exit_code == 0


def test_a_stored_slug_too_long_fails_the_build_and_keeps_nothing(env, tmp_path):
    from peerlearn import text
    from peerlearn.models import Network
    from peerlearn.registry.records import network_row

    slug = "a" * 300
    with text.loading_rows():  # as a registry written before the limit holds it
        network = Network(slug=slug, name="N")
    registry = env.open()
    with registry.transaction():
        registry.db["networks"].insert(network_row(network))
    registry.close()
    assert env.run("activities", "add", "--network", slug, "--kind", "event", "--title", "X",
                   "--start", "2030-06-01").exit_code == 0
    refused(env, "feeds", "build", str(tmp_path / "lf"), expect="File name too long")


# -- standard output that refuses what is printed ----------------------------


class FullDevice(io.BytesIO):
    """Standard output's bytes as /dev/full takes them: every write of something refused with ENOSPC."""

    def write(self, data) -> int:
        if data:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return 0


@pytest.fixture
def full_stdout(monkeypatch):
    """The CLI's standard output written to a full device (its text buffered, refused when flushed; stderr works)."""
    wrapper = click.testing._NamedTextIOWrapper
    init = wrapper.__init__

    def on_full_device(self, buffer, name, mode, **kwargs):
        init(self, FullDevice() if name == "<stdout>" else buffer, name, mode, **kwargs)

    monkeypatch.setattr(wrapper, "__init__", on_full_device)


@pytest.mark.parametrize("args", [
    ("activities", "list"),
    ("activities", "list", "--json"),
    ("changes",),
    ("info",),
    ("plugins",),
    ("practices", "list"),
    ("export", "ics", "--network", "pes"),
    ("activities", "add", "--network", "pes", "--kind", "event", "--title", "X", "--start", "2030-06-01"),
], ids=" ".join)
def test_a_full_stdout_is_one_line(demo_env, full_stdout, args):
    result = demo_env.run(*args)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: cannot write standard output: No space left on device"
    assert "unexpected" not in result.stderr


def test_a_full_stdout_leaves_the_export_registry_as_it_was(demo_env, full_stdout):
    refused(demo_env, "export", "ics", "--network", "pes", expect="cannot write standard output")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("activities", "list"), ("export", "ics", "--network", "pes"), ("--help",)],
                         ids=" ".join)
def test_dev_full(demo_env, args):
    with open("/dev/full", "w") as full:
        child = subprocess.run(faults.command(demo_env.db, *args), env=faults.child_environment(), stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=60)
    assert child.stderr == "Error: cannot write standard output: No space left on device\n"
    assert child.returncode == 1
