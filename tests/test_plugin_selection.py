"""Choosing plugins by name: PEERLEARN_LOAD_PLUGINS, PEERLEARN_DISABLE_PLUGINS, and a plugin gone missing."""

import json
import os
import subprocess
import sys

import pytest

from peerlearn import plugins

NETWORKS = ("esf_migration", "integration_network", "mutual_learning", "pes")


@pytest.fixture
def select(env, monkeypatch):
    """Set the allow-list and block-list as a user would in the shell (None leaves one unset)."""
    def choose(load=None, disable=None):
        for name, value in (("PEERLEARN_LOAD_PLUGINS", load), ("PEERLEARN_DISABLE_PLUGINS", disable)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        plugins.reset()
        if not env.db.exists():
            assert env.run("init").exit_code == 0
        return env
    return choose


def slugs(env, *args):
    result = env.run("networks", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return [network["slug"] for network in json.loads(result.stdout)]


def test_plugins_lists_the_four_networks(env):
    result = env.run("plugins", "--json")
    assert result.exit_code == 0, result.output
    listed = {row["name"]: row for row in json.loads(result.stdout) if not row["default"]}
    assert set(NETWORKS) <= set(listed)
    assert all(listed[name]["loaded"] and "peerlearn_networks" in listed[name]["hooks"] for name in NETWORKS)
    table = env.run("plugins").stdout
    assert all(name in table for name in NETWORKS)


def test_load_plugins_shows_only_pes(select):
    env = select(load="pes")
    assert slugs(env) == ["pes"]
    assert [row["name"] for row in json.loads(env.run("plugins", "--json").stdout) if not row["default"]] == ["pes"]


def test_disable_plugins_shows_everything_but_pes(select):
    env = select(disable="pes")
    assert "pes" not in slugs(env)
    assert set(NETWORKS) - {"pes"} <= set(slugs(env))


def test_empty_load_list_loads_no_network_but_keeps_the_core(select):
    env = select(load="")
    assert slugs(env) == []
    names = [row["name"] for row in json.loads(env.run("plugins", "--json").stdout)]
    from peerlearn.plugins import DEFAULT_PLUGINS

    assert sorted(names) == sorted(DEFAULT_PLUGINS)
    assert {"peerlearn.default_plugins.kinds", "peerlearn.default_plugins.rules"} <= set(names)


def test_selection_from_the_shell(tmp_path):
    """The real console entry point, as a secretariat would type it."""
    environment = {**os.environ, "PEERLEARN_LOAD_PLUGINS": "pes", "PEERLEARN_DB": str(tmp_path / "r.db")}
    environment.pop("PEERLEARN_DISABLE_PLUGINS", None)
    for command in (["init"], ["networks", "list"]):
        result = subprocess.run([sys.executable, "-m", "peerlearn", *command], env=environment,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[0] == "slug" and len(lines) == 3
    assert lines[2].startswith("pes ")


def test_network_whose_plugin_is_absent_still_lists_and_exports(demo_env, select):
    with_pes = json.loads(demo_env.run("activities", "list", "--network", "pes", "--json").stdout)
    assert with_pes
    env = select(disable="pes")
    listed = env.run("networks", "list", "--json")
    assert listed.exit_code == 0
    rows = {row["slug"]: row for row in json.loads(listed.stdout)}
    assert rows["pes"]["source"] == "plugin absent" and rows["pes"]["acronym"] == "PES Network"
    assert "Warning: network 'pes' comes from plugin 'pes', which is not loaded" in listed.stderr
    activities = env.run("activities", "list", "--network", "pes", "--json")
    assert activities.exit_code == 0 and json.loads(activities.stdout) == with_pes
    exported = env.run("members", "export", "--network", "pes")
    assert exported.exit_code == 0
    assert "NAV,NO" in exported.stdout and "Vinnumálastofnun,IS" in exported.stdout


def test_absent_plugin_rules_are_not_enforced_and_a_write_warns(demo_env, select):
    env = select(disable="mutual_learning")
    result = env.run("activities", "add", "--network", "mutual_learning", "--kind", "peer_review",
                     "--title", "Peer review without a host", "--start", "2026-05-12")
    assert result.exit_code == 0, result.output
    assert "Warning: network 'mutual_learning' comes from plugin 'mutual_learning', which is not loaded;" \
           " its rules are not enforced" in result.stderr
