"""The example external plugin (tests/example_plugin), installed by tox through its entry point.

Skipped where it is not installed (e.g. ``pytest`` run outside tox); install
it with ``pip install ./tests/example_plugin`` to run these by hand.
"""

import json

import pytest

pytest.importorskip("peerlearn_example_network", reason="the example plugin is installed by tox")

PLUGIN = "example_network"


@pytest.fixture
def example(env):
    env.load(PLUGIN, "pes")
    assert env.run("init").exit_code == 0
    return env


def test_example_plugin_appears_in_peerlearn_plugins(example):
    rows = {row["name"]: row for row in json.loads(example.run("plugins", "--json").stdout)}
    assert rows[PLUGIN]["loaded"] and rows[PLUGIN]["version"] == "1.2.0"
    assert rows[PLUGIN]["hooks"] == ["peerlearn_event_properties", "peerlearn_networks",
                                     "peerlearn_validate_activity", "peerlearn_validate_member"]
    assert PLUGIN in example.run("plugins").stdout


def test_example_plugin_network_is_listed(example):
    rows = {row["slug"]: row for row in json.loads(example.run("networks", "list", "--json").stdout)}
    assert rows["baltic_forum"]["plugin"] == PLUGIN and rows["baltic_forum"]["timezone"] == "Europe/Helsinki"


def test_example_plugin_rule_is_enforced(example):
    args = ["activities", "add", "--network", "baltic_forum", "--kind", "workshop", "--title", "On board",
            "--start", "2026-06-16"]
    before = example.fingerprint()
    refused = example.run(*args)
    assert refused.exit_code == 1
    assert refused.stderr == "Error: activity 'On board': BSEF activities need a --capacity (places on board are few)\n"
    assert example.fingerprint() == before
    assert example.run(*args, "--capacity", "40").exit_code == 0
    member = example.run("members", "add", "NAV", "--country", "NO", "--network", "baltic_forum")
    assert member.exit_code == 1 and "employment services of the countries around the Baltic Sea" in member.stderr


def test_example_plugin_reads_the_category_from_the_membership(example):
    args = ["members", "add", "Arbetsförmedlingen", "--country", "SE", "--network", "baltic_forum", "--role", "chair"]
    before = example.fingerprint()
    refused = example.run(*args, "--category", "expert")
    assert refused.exit_code == 1
    assert refused.stderr == ("Error: member 'Arbetsförmedlingen' in baltic_forum: the BSEF chair is an employment"
                              " service; 'Arbetsförmedlingen' is in the forum as expert\n")
    assert example.fingerprint() == before
    assert example.run(*args, "--category", "employment service").exit_code == 0
    # the same body, an expert in another network: categories are per membership
    joined = example.run("members", "join", "Arbetsförmedlingen", "pes", "--category", "public employment service")
    assert joined.exit_code == 0, joined.stderr
    shown = json.loads(example.run("members", "show", "Arbetsförmedlingen", "--json").stdout)
    assert [(m["network"], m["category"], m["role"]) for m in shown["memberships"]] == [
        ("baltic_forum", "employment service", "chair"), ("pes", "public employment service", "member")]


def test_example_plugin_files_its_events_in_the_one_categories_list(example):
    import feedcheck

    added = example.run("activities", "add", "--network", "baltic_forum", "--kind", "workshop", "--title", "On board",
                        "--start", "2027-06-16", "--capacity", "40", "--theme", "On Board", "--json")
    assert added.exit_code == 0, added.output
    data = example.run("export", "ics", "--network", "baltic_forum", "--from", "2000-01-01").stdout_bytes
    (event,) = feedcheck.check(data).walk("VEVENT")
    # the plugin's "on board" and "BSEF" are there already (a theme, the acronym): each is kept once
    assert feedcheck.categories(event) == ["workshop", "BSEF", "On Board"]
    feedcheck.events(data)


def test_example_plugin_vanishes_when_no_plugin_is_loaded(example):
    example.load()  # PEERLEARN_LOAD_PLUGINS=''
    names = [row["name"] for row in json.loads(example.run("plugins", "--json").stdout)]
    from peerlearn.plugins import DEFAULT_PLUGINS

    assert PLUGIN not in names and sorted(names) == sorted(DEFAULT_PLUGINS)
    listed = example.run("networks", "list", "--json")
    rows = {row["slug"]: row for row in json.loads(listed.stdout)}
    assert rows["baltic_forum"]["source"] == "plugin absent"


def test_example_plugin_can_be_blocked_by_name(example, monkeypatch):
    from peerlearn import plugins

    monkeypatch.delenv("PEERLEARN_LOAD_PLUGINS")
    monkeypatch.setenv("PEERLEARN_DISABLE_PLUGINS", PLUGIN)
    plugins.reset()
    names = [row["name"] for row in json.loads(example.run("plugins", "--json").stdout)]
    assert PLUGIN not in names and "pes" in names
