"""Plugins that misbehave: each error names the plugin, and nothing is written."""

import json

import pytest

from peerlearn import Network, hookimpl


@pytest.fixture
def ready(env):
    assert env.run("init").exit_code == 0
    return env


def network_plugin(slug):
    class Contributes:
        @hookimpl
        def peerlearn_networks(self):
            return [Network(slug=slug, name=f"Network {slug}")]

    return Contributes()


def test_two_plugins_with_the_same_network_slug_are_refused_at_start_up(ready):
    ready.register(network_plugin("nordic"), name="first_nordic")
    ready.register(network_plugin("nordic"), name="second_nordic")
    before = ready.fingerprint()
    for command in (["members", "list"], ["changes"], ["members", "add", "X", "--country", "SE"]):
        result = ready.run(*command)
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1
        assert "network 'nordic' is already contributed by plugin" in result.stderr
        assert "first_nordic" in result.stderr and "second_nordic" in result.stderr
    assert ready.fingerprint() == before
    diagnosis = ready.run("plugins", "--json")
    assert diagnosis.exit_code == 0 and "Warning:" in diagnosis.stderr
    assert {"first_nordic", "second_nordic"} <= {row["name"] for row in json.loads(diagnosis.stdout)}


def test_plugin_taking_a_network_slug_of_another_plugin_is_refused(ready):
    ready.register(network_plugin("pes"), name="copycat")
    result = ready.run("networks", "list")
    assert result.exit_code == 1
    assert "'copycat'" in result.stderr and "'pes'" in result.stderr


@pytest.mark.parametrize("returned, complaint", [
    ("pes", "returned str, expected a list of Network"),
    ([{"slug": "pes"}], "returned a dict, expected Network"),
    (42, "returned int, expected a list of Network"),
])
def test_peerlearn_networks_of_the_wrong_type_names_the_plugin(ready, returned, complaint):
    class Wrong:
        @hookimpl
        def peerlearn_networks(self):
            return returned

    ready.register(Wrong(), name="sloppy")
    result = ready.run("networks", "list")
    assert result.exit_code == 1
    assert result.stderr == f"Error: plugin 'sloppy' in hook peerlearn_networks: {complaint}\n"


def test_validation_of_the_wrong_type_names_the_plugin(ready):
    class Wrong:
        @hookimpl
        def peerlearn_validate_activity(self, network, activity):
            return [True]

    ready.register(Wrong(), name="sloppy")
    before = ready.fingerprint()
    result = ready.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "E", "--start",
                       "2026-02-03")
    assert result.exit_code == 1
    assert result.stderr == ("Error: plugin 'sloppy' in hook peerlearn_validate_activity:"
                             " returned a bool, expected Problem or str\n")
    assert ready.fingerprint() == before


def test_hook_that_raises_names_the_plugin_and_writes_nothing(ready):
    class Raising:
        @hookimpl
        def peerlearn_validate_member(self, member):
            raise KeyError("category")

    ready.register(Raising(), name="fragile")
    before = ready.fingerprint()
    result = ready.run("members", "add", "NAV", "--country", "NO", "--network", "pes", "--category", "public employment service")
    assert result.exit_code == 1
    assert result.stderr == "Error: plugin 'fragile' in hook peerlearn_validate_member: raised KeyError: 'category'\n"
    assert ready.fingerprint() == before
