"""Loading plugins: selection by name, broken plugins, plugins that misbehave."""

import json

import pytest

from peerlearn import Network, hookimpl

NETWORKS = ["esf_migration", "integration_network", "mutual_learning", "pes"]


@pytest.fixture
def broken_distribution(tmp_path, monkeypatch):
    """An installed distribution whose peerlearn entry point fails to import."""
    site = tmp_path / "site"
    info = site / "peerlearn_broken-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: peerlearn-broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[peerlearn]\nbroken = peerlearn_broken_plugin\n")
    (site / "peerlearn_broken_plugin.py").write_text("raise RuntimeError('missing configuration file')\n")
    monkeypatch.syspath_prepend(str(site))
    return "broken"


def test_plugins_json_lists_the_network_plugins_and_defaults(env):
    rows = json.loads(env.run("plugins", "--json").stdout)
    names = [row["name"] for row in rows]
    assert set(NETWORKS) <= set(names)
    assert {"peerlearn.default_plugins.kinds", "peerlearn.default_plugins.rules"} <= {row["name"] for row in rows if row["default"]}
    pes = next(row for row in rows if row["name"] == "pes")
    assert pes["loaded"] and "peerlearn_networks" in pes["hooks"] and pes["version"]


def test_load_plugins_selects_by_name_and_empty_loads_none(env, monkeypatch):
    env.run("init")
    env.load("pes")
    listed = json.loads(env.run("networks", "list", "--json").stdout)
    assert [(n["slug"], n["source"]) for n in listed if n["source"] == "plugin"] == [("pes", "plugin")]
    env.load()
    names = [row["name"] for row in json.loads(env.run("plugins", "--json").stdout)]
    assert not set(NETWORKS) & set(names)


def test_disable_plugins_blocks_by_name(env, monkeypatch):
    monkeypatch.delenv("PEERLEARN_LOAD_PLUGINS")
    monkeypatch.setenv("PEERLEARN_DISABLE_PLUGINS", "pes")
    from peerlearn import plugins

    plugins.reset()
    names = {row["name"] for row in json.loads(env.run("plugins", "--json").stdout)}
    assert "pes" not in names and "mutual_learning" in names


def test_broken_plugin_is_reported_in_one_line_and_others_still_work(env, broken_distribution):
    env.load(*NETWORKS, broken_distribution)
    env.run("init")
    result = env.run("networks", "list", "--json")
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if "broken" in line]
    assert warnings == ["Warning: plugin 'broken' failed to load: RuntimeError: missing configuration file"]
    assert len(json.loads(result.stdout)) == 4
    rows = json.loads(env.run("plugins", "--json").stdout)
    broken = next(row for row in rows if row["name"] == "broken")
    assert broken["loaded"] is False and "missing configuration file" in broken["error"]


def test_strict_plugins_turns_a_load_failure_into_an_error(env, broken_distribution):
    env.load(*NETWORKS, broken_distribution)
    env.run("init")
    before = env.fingerprint()
    result = env.run("--strict-plugins", "members", "add", "VDAB", "--country", "BE")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: plugin 'broken' failed to load: RuntimeError: missing configuration file"
    assert env.fingerprint() == before
    by_env = env.run("members", "list", env={"PEERLEARN_STRICT_PLUGINS": "1"})
    assert by_env.exit_code == 1


def test_plugin_raising_in_a_hook_is_named_and_nothing_is_written(env):
    class Faulty:
        @hookimpl
        def peerlearn_validate_activity(self, network, activity):
            raise KeyError("venue")

    env.run("init")
    env.register(Faulty(), name="faulty")
    before = env.fingerprint()
    result = env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Event",
                     "--start", "2026-06-10 09:00", "--end", "12:00")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: plugin 'faulty' in hook peerlearn_validate_activity: raised KeyError: 'venue'"
    assert env.fingerprint() == before


def test_plugin_returning_the_wrong_type_is_named(env):
    class Sloppy:
        @hookimpl
        def peerlearn_networks(self):
            return {"slug": "sloppy"}

    env.run("init")
    env.register(Sloppy(), name="sloppy")
    result = env.run("networks", "list")
    assert result.exit_code == 1
    assert "plugin 'sloppy' in hook peerlearn_networks: returned a str, expected Network" in result.stderr


def test_two_plugins_with_the_same_network_slug_are_refused_naming_both(env):
    class Impostor:
        @hookimpl
        def peerlearn_networks(self):
            return [Network(slug="pes", name="Another PES")]

    env.run("init")
    env.register(Impostor(), name="impostor")
    result = env.run("networks", "list")
    assert result.exit_code == 1
    assert "'impostor'" in result.stderr and "'pes'" in result.stderr and "already contributed" in result.stderr


def test_absent_plugin_network_still_lists_with_a_warning(demo_env):
    demo_env.load("esf_migration", "integration_network", "mutual_learning")
    result = demo_env.run("networks", "list", "--json")
    assert result.exit_code == 0
    pes = next(n for n in json.loads(result.stdout) if n["slug"] == "pes")
    assert pes["source"] == "plugin absent"
    assert "network 'pes' comes from plugin 'pes', which is not loaded" in result.stderr
    listed = json.loads(demo_env.run("activities", "list", "--network", "pes", "--json").stdout)
    assert listed and all(a["network"] == "pes" for a in listed)


def test_import_peerlearn_loads_no_network_and_no_heavy_library():
    import subprocess
    import sys

    code = ("import sys, peerlearn; heavy = [m for m in ('icalendar', 'sqlite_utils', 'attrs', 'peerlearn_networks')"
            " if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_help_and_version_load_no_models_registry_or_calendar_library():
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from peerlearn.cli import main\n"
        "sys.argv = ['peerlearn', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('attrs', 'sqlite_utils', 'icalendar', 'peerlearn.models', 'peerlearn.registry.store')\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "PEERLEARN_LOAD_PLUGINS"}
    for flag in ("--help", "--version"):
        out = subprocess.run([sys.executable, "-c", code, flag], capture_output=True, text=True, check=True,
                             env=environment).stdout
        assert out.splitlines()[-1] == "LOADED []", (flag, out[-300:])
