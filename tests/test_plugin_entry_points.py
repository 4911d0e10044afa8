"""Plugins found through real entry points: distributions laid on sys.path by the test.

Each fake distribution is a ``*.dist-info`` folder with an
``entry_points.txt`` and a module beside it, which is all that
``importlib.metadata`` needs: the discovery path is the one ``pip install``
sets up, without installing anything.
"""

import json
import textwrap

import pytest

from peerlearn import plugins


@pytest.fixture
def site(tmp_path, monkeypatch, env):
    """Make distributions in a folder on sys.path; returns ``add(plugin_name, module_source)``."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))

    def add(name, source):
        module = f"peerlearn_{name}"
        info = folder / f"peerlearn_{name}-2.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: peerlearn-{name}\nVersion: 2.0\n")
        (info / "entry_points.txt").write_text(f"[peerlearn]\n{name} = {module}\n")
        (folder / f"{module}.py").write_text(textwrap.dedent(source))
        monkeypatch.delitem(__import__("sys").modules, module, raising=False)
    yield add
    plugins.reset()


def network_source(slug):
    return f"""
        from peerlearn import Network, hookimpl

        @hookimpl
        def peerlearn_networks():
            return [Network(slug={slug!r}, name="Network {slug}")]
    """


def test_plugin_from_an_entry_point_is_listed_with_its_version(site, env):
    site("alpine", network_source("alpine"))
    env.load("alpine")
    rows = {row["name"]: row for row in json.loads(env.run("plugins", "--json").stdout)}
    assert rows["alpine"]["version"] == "2.0" and rows["alpine"]["hooks"] == ["peerlearn_networks"]


def test_two_entry_points_with_the_same_network_are_refused_at_start_up_naming_both(site, env):
    site("alpine", network_source("alpine"))
    site("alpine_copy", network_source("alpine"))
    env.load("alpine", "alpine_copy", "pes")
    result = env.run("members", "list")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "network 'alpine' is already contributed by plugin" in result.stderr
    assert "'alpine'" in result.stderr and "'alpine_copy'" in result.stderr
    env.load("alpine", "pes")
    assert env.run("init").exit_code == 0


def test_plugin_that_fails_to_import_is_named_and_the_others_still_work(site, env):
    site("broken", "import peerlearn_does_not_exist\n")
    env.load("broken", "pes")
    listed = env.run("plugins", "--json")
    assert listed.exit_code == 0
    assert "Warning: plugin 'broken' failed to load: ModuleNotFoundError" in listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["broken"]["loaded"] is False and "peerlearn_does_not_exist" in rows["broken"]["error"]
    assert rows["pes"]["loaded"] is True
    assert env.run("init").exit_code == 0
    strict = env.run("--strict-plugins", "networks", "list")
    assert strict.exit_code == 1
    assert strict.stderr.startswith("Error: plugin 'broken' failed to load: ModuleNotFoundError")


def test_plugin_implementing_an_unknown_hook_is_reported(site, env):
    site("misspelt", """
        from peerlearn import hookimpl

        @hookimpl
        def peerlearn_network():
            return []
    """)
    env.load("misspelt")
    result = env.run("plugins", "--json")
    assert result.exit_code == 0
    rows = [row for row in json.loads(result.stdout) if row["name"] == "misspelt"]
    assert rows == [{"name": "misspelt", "version": None, "default": False, "hooks": [], "loaded": False,
                     "error": "it implements peerlearn_network, which peerlearn does not have (a misspelt hook name?)"}]
    assert "Warning: plugin 'misspelt' failed to load: it implements peerlearn_network" in result.stderr
