"""Every hook, each shown to change behaviour through a plugin registered in the test."""

import json

import click

from peerlearn import ActivityKind, Exporter, Network, Problem, hookimpl
from peerlearn import plugins


class FifthNetwork:
    @hookimpl
    def peerlearn_networks(self):
        return [Network(slug="fifth", name="Fifth Network", acronym="5N", timezone="Europe/Paris",
                        countries=["FR", "BE"], kinds=["workshop", "hackathon"])]


def test_peerlearn_networks_adds_a_network(env):
    env.register(FifthNetwork(), name="fifth")
    assert env.run("init").exit_code == 0
    listed = json.loads(env.run("networks", "list", "--json").stdout)
    fifth = next(n for n in listed if n["slug"] == "fifth")
    assert fifth["plugin"] == "fifth" and fifth["source"] == "plugin"
    added = env.run("members", "add", "Ministère", "--country", "FR", "--network", "fifth")
    assert added.exit_code == 0, added.stderr
    refused = env.run("members", "add", "Ministerio", "--country", "ES", "--network", "fifth")
    assert refused.exit_code == 1 and "5N admits only members from BE, FR" in refused.stderr


def test_peerlearn_activity_kinds_adds_a_kind(env):
    assert env.run("networks", "add", "open", "--name", "Open Network").exit_code == 0
    args = ["activities", "add", "--network", "open", "--kind", "hackathon", "--title", "Open data hackathon",
            "--start", "2026-06-10 09:00", "--end", "18:00"]
    assert "unknown kind of activity 'hackathon'" in env.run(*args).stderr

    class Kinds:
        @hookimpl
        def peerlearn_activity_kinds(self):
            return [ActivityKind("hackathon", "Hackathon")]

    env.register(Kinds(), name="kinds")
    result = env.run(*args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(env.run("activities", "list", "--json").stdout)[0]["kind"] == "hackathon"


def test_peerlearn_validate_member_can_refuse_and_warn(env):
    class Rules:
        @hookimpl
        def peerlearn_validate_member(self, network, member, membership):
            if network.slug == "pes" and membership.role == "chair":
                return ["the PES Network's chair is elected, not added"]
            if network.slug == "pes" and not member.email:
                return [Problem("no contact email recorded", severity="warning")]
            return None

    env.register(Rules(), name="rules")
    before = env.run("members", "add", "VDAB", "--country", "BE")
    assert before.exit_code == 0
    fingerprint = env.fingerprint()
    refused = env.run("members", "join", "VDAB", "pes", "--role", "chair", "--category", "public employment service")
    assert refused.exit_code == 1
    assert "chair is elected" in refused.stderr
    assert env.fingerprint() == fingerprint
    warned = env.run("members", "join", "VDAB", "pes", "--category", "public employment service")
    assert warned.exit_code == 0
    assert "Warning: member 'VDAB' in pes: no contact email recorded" in warned.stderr


def test_peerlearn_validate_activity_can_refuse(env):
    class NoWeekends:
        @hookimpl
        def peerlearn_validate_activity(self, network, activity, sessions):
            if activity.local_start.weekday() >= 5:
                return [f"{network.slug} does not meet at weekends"]
            return []

    env.register(NoWeekends(), name="no-weekends")
    base = ["activities", "add", "--network", "pes", "--kind", "event", "--title", "Event", "--end", "12:00"]
    saturday = env.run(*base, "--start", "2026-06-13 10:00")
    assert saturday.exit_code == 1 and "pes does not meet at weekends" in saturday.stderr
    assert env.run(*base, "--start", "2026-06-12 10:00").exit_code == 0


def test_peerlearn_commands_adds_a_command(env):
    class Hello:
        @hookimpl
        def peerlearn_commands(self, cli):
            @cli.command()
            @click.argument("name")
            def hello(name):
                """Say hello."""
                click.echo(f"Hello, {name}!")

    assert env.run("hello", "world").exit_code == 2
    env.register(Hello(), name="hello")
    result = env.run("hello", "world")
    assert result.exit_code == 0 and result.stdout == "Hello, world!\n"
    assert "hello" in env.run("--help").stdout


def test_peerlearn_changed_hears_committed_changes_only(env):
    heard = []

    class Listener:
        @hookimpl
        def peerlearn_changed(self, change):
            heard.append((change.action, change.entity, change.actor))

    env.register(Listener(), name="listener")
    env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service")
    assert heard == [("create", "member", "tester"), ("create", "network", "tester"), ("join", "membership", "tester")]
    heard.clear()
    env.run("members", "add", "Forem", "--country", "BE", "--dry-run")
    env.run("members", "add", "VDAB", "--country", "BE")  # a duplicate: refused
    assert heard == []


def test_peerlearn_changed_failure_is_a_warning_after_commit(env):
    class Broken:
        @hookimpl
        def peerlearn_changed(self, change):
            raise ConnectionError("mirror unreachable")

    env.register(Broken(), name="mirror")
    result = env.run("members", "add", "VDAB", "--country", "BE")
    assert result.exit_code == 0
    assert "plugin 'mirror' in hook peerlearn_changed: raised ConnectionError: mirror unreachable" in result.stderr
    assert len(json.loads(env.run("members", "list", "--json").stdout)) == 1


def test_peerlearn_exporters_offers_formats_by_kind(env):
    def write(records, out, **context):
        out.write("\n".join(str(record) for record in records))

    class Formats:
        @hookimpl
        def peerlearn_exporters(self):
            return [Exporter(name="txt", kind="activity-log", write=write, extension="txt")]

    before = plugins.exporters("activity-log")
    env.register(Formats(), name="formats")
    found = plugins.exporters("activity-log")
    assert set(found) - set(before) == {"txt"}
    assert "txt" not in plugins.exporters("calendar")

    class Clash:
        @hookimpl
        def peerlearn_exporters(self):
            return [Exporter(name="txt", kind="activity-log", write=write)]

    env.register(Clash(), name="clash")
    try:
        plugins.exporters("activity-log")
    except Exception as error:  # noqa: BLE001
        assert "'formats'" in str(error) and "'clash'" in str(error) and "already offered" in str(error)
    else:
        raise AssertionError("two plugins offering the same format must be refused")
