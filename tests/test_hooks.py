"""Every hook: an in-test plugin implementing it changes what peerlearn does.

Each test is named after the hook it proves (a meta-test checks that every
hook in ``peerlearn.hookspecs`` has one).
"""

import io
import json

import click
import pytest

from peerlearn import ActivityKind, Exporter, Network, Problem, hookimpl, plugins
from peerlearn.errors import PluginError

NORDIC = Network(slug="nordic", name="Nordic Peer Network", acronym="NPN", timezone="Europe/Oslo",
                 countries=["DK", "FI", "IS", "NO", "SE"], eligibility="the Nordic countries")


class NordicPlugin:
    @hookimpl
    def peerlearn_networks(self):
        return [NORDIC]


@pytest.fixture
def nordic(env):
    env.register(NordicPlugin(), name="nordic_plugin")
    assert env.run("init").exit_code == 0
    return env


def test_peerlearn_networks_contributes_a_network(nordic):
    rows = {row["slug"]: row for row in json.loads(nordic.run("networks", "list", "--json").stdout)}
    assert rows["nordic"]["source"] == "plugin"
    assert rows["nordic"]["plugin"] == "nordic_plugin" and rows["nordic"]["timezone"] == "Europe/Oslo"
    refused = nordic.run("members", "add", "Ministry", "--country", "DE", "--network", "nordic")
    assert refused.exit_code == 1 and "NPN admits only the Nordic countries" in refused.stderr


def test_peerlearn_activity_kinds_adds_a_kind(nordic):
    args = ("activities", "add", "--network", "nordic", "--kind", "hackathon", "--title", "Hack", "--start",
            "2026-03-03")
    before = nordic.fingerprint()
    unknown = nordic.run(*args)
    assert unknown.exit_code == 1 and "unknown kind of activity 'hackathon'" in unknown.stderr
    assert nordic.fingerprint() == before

    class Hackathons:
        @hookimpl
        def peerlearn_activity_kinds(self):
            return [ActivityKind("hackathon", "Hackathon")]

    nordic.register(Hackathons(), name="hackathons")
    assert nordic.run(*args).exit_code == 0
    assert "hackathon" in plugins.activity_kinds()


def test_peerlearn_exporters_offers_a_format(env):
    def write(records, out, **context):
        out.write(f"{len(records)} records\n")

    class Counting:
        @hookimpl
        def peerlearn_exporters(self):
            return [Exporter(name="count", kind="activity-log", write=write)]

    assert "count" not in plugins.exporters("activity-log")
    env.register(Counting(), name="counting")
    found = plugins.exporters("activity-log")
    assert "count" in found and "count" not in plugins.exporters("calendar")
    out = io.StringIO()
    found["count"].write([1, 2], out)
    assert out.getvalue() == "2 records\n"
    env.register(Counting(), name="counting_again")
    with pytest.raises(PluginError, match="format 'count' for activity-log is already offered by plugin 'count"):
        plugins.exporters("activity-log")


def test_peerlearn_commands_adds_a_command(env):
    class Hello:
        @hookimpl
        def peerlearn_commands(self, cli):
            @cli.command()
            @click.argument("name")
            def hello(name):
                """Greet NAME."""
                click.echo(f"Hello, {name}!")

    assert env.run("hello", "Ghent").exit_code == 2
    env.register(Hello(), name="hello")
    result = env.run("hello", "Ghent")
    assert result.exit_code == 0 and result.stdout == "Hello, Ghent!\n"
    assert "hello" in env.run("--help").stdout


def test_peerlearn_validate_member_refuses_or_warns(nordic):
    class NoGmail:
        @hookimpl
        def peerlearn_validate_member(self, network, member):
            if network.slug != "nordic":
                return None
            if member.email.endswith("@gmail.com"):
                return "use an official address"
            if not member.email:
                return [Problem("no contact email yet", severity="warning")]
            return None

    nordic.register(NoGmail(), name="no_gmail")
    before = nordic.fingerprint()
    refused = nordic.run("members", "add", "Arbetsförmedlingen", "--country", "SE", "--email", "a@gmail.com",
                         "--network", "nordic")
    assert refused.exit_code == 1
    assert refused.stderr == "Error: member 'Arbetsförmedlingen' in nordic: use an official address\n"
    assert nordic.fingerprint() == before
    warned = nordic.run("members", "add", "Arbetsförmedlingen", "--country", "SE", "--network", "nordic")
    assert warned.exit_code == 0
    assert "Warning: member 'Arbetsförmedlingen' in nordic: no contact email yet" in warned.stderr


def test_peerlearn_validate_activity_refuses(nordic):
    class NoFridays:
        @hookimpl
        def peerlearn_validate_activity(self, network, activity, sessions):
            if network.slug == "nordic" and activity.local_start.weekday() == 4:
                return [Problem("no activities on Fridays")]
            return None

    nordic.register(NoFridays(), name="no_fridays")
    before = nordic.fingerprint()
    refused = nordic.run("activities", "add", "--network", "nordic", "--kind", "workshop", "--title", "W",
                         "--start", "2026-03-06")
    assert refused.exit_code == 1 and "Error: activity 'W': no activities on Fridays" in refused.stderr
    assert nordic.fingerprint() == before
    assert nordic.run("activities", "add", "--network", "nordic", "--kind", "workshop", "--title", "W",
                      "--start", "2026-03-05").exit_code == 0


def test_peerlearn_changed_is_told_after_commit_only(env):
    told = []

    class Recorder:
        @hookimpl
        def peerlearn_changed(self, change):
            told.append((change.action, change.entity, change.network))

    env.register(Recorder(), name="recorder")
    assert env.run("members", "add", "NAV", "--country", "NO", "--network", "pes", "--dry-run").exit_code == 0
    assert told == []
    assert env.run("members", "add", "NAV", "--country", "NO", "--network", "pes").exit_code == 0
    assert ("create", "member", None) in told and ("join", "membership", "pes") in told


def test_peerlearn_changed_failure_is_a_warning(env):
    class Broken:
        @hookimpl
        def peerlearn_changed(self, change):
            raise RuntimeError("mail server down")

    env.register(Broken(), name="notifier")
    result = env.run("members", "add", "NAV", "--country", "NO")
    assert result.exit_code == 0
    assert "Warning: plugin 'notifier' in hook peerlearn_changed: raised RuntimeError: mail server down" in result.stderr
    assert json.loads(env.run("members", "list", "--json").stdout)[0]["name"] == "NAV"
