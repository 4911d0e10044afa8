"""A read never writes: every command that only reads works on a registry nobody may write.

The registry is a copy of the demo (with a released programme and a change
since, so that versions and diffs have something to show) in a folder
without write permission, the file itself without write permission. Before
it was copied, the stored copy of a plugin's network was made to differ
from the plugin's, as after a plugin upgrade, and a plugin implementing
``peerlearn_agenda_checks`` is loaded: a read that stored the network again,
or recorded a change, would fail here. Every command of the CLI is listed
below as a read or a write, so a new command has to say which it is.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerlearn import Problem, hookimpl

NETWORKS = ("esf_migration", "integration_network", "mutual_learning", "pes")

#: Commands that change the registry (or, for ``serve``, run until stopped: its reads are checked below).
WRITES = {
    "activities add", "activities cancel", "activities cancel-occurrence", "activities complete",
    "activities delete", "activities edit", "activities reinstate", "activities reschedule",
    "agenda import", "agenda release", "demo", "init", "members add", "members edit", "members import",
    "members join", "members leave", "members remove", "members rotate-token", "migrate", "networks add",
    "networks edit", "notify opt-in", "notify opt-out", "notify remind", "notify send", "outputs add",
    "participants attend", "participants decline", "participants invite", "participants register",
    "roles add", "roles confirm", "roles decline", "roles edit", "roles remove", "sessions add",
    "sessions cancel", "sessions edit", "sessions move", "sessions reinstate", "sessions remove",
    "plugin new", "serve",
}

#: Every command that only reads, with the arguments it runs with here (``{activity}``: the conference,
#: ``{out}``: a writable folder for what it writes).
READS = {
    "activities list": [["--json"]],
    "activities show": [["{activity}"]],
    "agenda check": [["{activity}"], ["--all", "--json"]],
    "agenda diff": [["{activity}"], ["{activity}", "v1", "--json"]],
    "agenda export": [["{activity}"], ["{activity}", "--format", "schedule-xml", "--version", "latest"],
                      ["{activity}", "--format", "schedule-json", "-o", "{out}/schedule.json"]],
    "agenda show": [["{activity}"], ["{activity}", "--json"]],
    "agenda tracks": [["{activity}"]],
    "agenda versions": [["{activity}", "--json"]],
    "changes": [[], ["--format", "html", "--activity", "{activity}"]],
    "check": [[], ["--json"]],
    "export ics": [["--activity", "{activity}"], ["--network", "mutual_learning"], ["--member", "1"]],
    "export public-db": [["{out}/public.db", "--metadata", "{out}/metadata.json"]],
    "feeds build": [["{out}/feeds", "--private-dir", "{out}/private"]],
    "info": [[]],
    "log": [["--network", "mutual_learning", "--format", "md"]],
    "members export": [[]],
    "members feed-url": [["1", "--base-url", "https://feeds.example.org"]],
    "members list": [["--json"]],
    "members show": [["1"]],
    "networks list": [["--json"]],
    "networks show": [["mutual_learning"]],
    "notify list": [[]],
    "notify preview": [["1"]],
    "outputs list": [[]],
    "participants counts": [["{activity}"]],
    "participants list": [["{activity}"]],
    "plugins": [["--json"]],
    "practices list": [[]],
    "publish": [["{out}/public", "--private-dir", "{out}/private", "--base-url", "https://events.example.org"]],
    "report": [["--network", "mutual_learning", "--year", "{year}", "--format", "html"]],
    "roles list": [["{activity}"]],
    "sessions list": [["{activity}"]],
    "site build": [["{out}/site"]],
}


class AgendaChecker:
    """A plugin checking programmes, so that ``agenda check`` asks the plugins (and their network)."""

    @hookimpl
    def peerlearn_agenda_checks(self, network, activity, sessions):
        return [Problem(f"{network.acronym} looked at {len(sessions)} session(s)", severity="warning")]


def _commands(group, path=()):
    import click

    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield " ".join((*path, name))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def frozen(peerlearn_env, tmp_path):
    """The demo, a programme released then changed, copied into a read-only folder; its path and conference."""
    peerlearn_env.load(*NETWORKS, "site", "demo")
    env = peerlearn_env
    assert env.run("demo").exit_code == 0
    conference = next(a for a in json.loads(env.run("activities", "list", "--json").stdout)
                      if a["kind"] == "conference")
    activity = str(conference["id"])
    assert env.run("agenda", "release", activity).exit_code == 0
    assert env.run("sessions", "cancel", activity, "workshop-2").exit_code == 0
    with sqlite3.connect(env.db) as conn:  # the plugin has since been upgraded: its network reads otherwise
        conn.execute("UPDATE networks SET name = 'An older name' WHERE slug = 'mutual_learning'")
    env.register(AgendaChecker(), name="agenda-checker")
    folder = tmp_path / "read-only"
    folder.mkdir()
    copy = folder / "registry.db"
    with sqlite3.connect(env.db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    target.close()
    copy.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    out = tmp_path / "out"
    out.mkdir()
    yield copy, activity, out, conference
    folder.chmod(stat.S_IRWXU)


def test_every_command_is_a_read_or_a_write(peerlearn_env):
    from peerlearn.cli import cli

    peerlearn_env.load(*NETWORKS, "site", "demo")
    CliRunner().invoke(cli, ["--help"])  # adds the plugins' commands
    found = set(_commands(cli))
    assert found - WRITES - set(READS) == set(), "say whether each new command reads or writes"
    assert (WRITES | set(READS)) - found == set()


def test_every_read_command_works_on_a_read_only_registry(frozen):
    from peerlearn.cli import cli

    copy, activity, out, conference = frozen
    before = _digest(copy)
    year = conference["start"][:4]
    failures = []
    for command, runs in READS.items():
        for arguments in runs:
            args = [part.format(activity=activity, out=out, year=year) for part in arguments]
            result = CliRunner().invoke(cli, ["--db", str(copy), *command.split(), *args], catch_exceptions=False)
            if result.exit_code != 0:
                failures.append(f"{command} {' '.join(args)}: exit {result.exit_code}: {result.output[-300:]}")
            if sorted(os.listdir(copy.parent)) != ["registry.db"]:
                failures.append(f"{command} {' '.join(args)} left {sorted(os.listdir(copy.parent))}")
    assert failures == []
    assert _digest(copy) == before
    assert sorted(os.listdir(copy.parent)) == ["registry.db"]  # no -wal, -shm or journal either


def test_agenda_check_asks_the_plugins_without_storing_their_network(frozen):
    from peerlearn.cli import cli

    copy, activity, _out, _conference = frozen
    result = CliRunner().invoke(cli, ["--db", str(copy), "agenda", "check", activity], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "MLP looked at" in result.stdout  # the plugin's network, not the stored older copy


def test_the_feed_server_answers_from_a_read_only_registry(frozen):
    from peerlearn.feeds.server import FeedApp

    copy, activity, _out, _conference = frozen
    app = FeedApp(copy)
    for path in ("/", "/networks/mutual_learning.ics", f"/activities/{activity}.ics"):
        answer = {}
        body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.input": io.BytesIO()},
                            lambda status, headers: answer.update(status=status)))
        assert answer["status"] == "200 OK" and body, path
    app.discard()
    assert sorted(os.listdir(copy.parent)) == ["registry.db"]
