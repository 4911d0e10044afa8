"""Hooks are called through pluggy: wrappers, tryfirst/trylast and firstresult work as pluggy documents,
and whatever a plugin raises or returns wrongly still names that plugin."""

import json
import textwrap

import pluggy
import pytest

import peerlearn
from peerlearn import ActivityKind, Network, hookimpl, plugins
from peerlearn.errors import PluginError


class Nordic:
    @hookimpl
    def peerlearn_networks(self):
        return [Network(slug="nordic", name="Nordic forum")]


def test_a_new_style_wrapper_sees_and_changes_what_the_others_return(env):
    import attrs

    class Renamer:
        @hookimpl(wrapper=True)
        def peerlearn_networks(self):
            contributed = yield  # each plugin's list, changed in place: each stays credited to its plugin
            for networks in contributed:
                networks[:] = [attrs.evolve(network, name=network.name.upper()) for network in networks]
            return contributed

    env.register(Nordic(), name="nordic")
    env.register(Renamer(), name="renamer")
    assert env.run("init").exit_code == 0
    listed = {row["slug"]: row for row in json.loads(env.run("networks", "list", "--json").stdout)}
    assert listed["nordic"]["name"] == "NORDIC FORUM"
    assert listed["nordic"]["plugin"] == "nordic"  # still credited to the plugin that contributed it
    assert listed["pes"]["name"] == "EUROPEAN NETWORK OF PUBLIC EMPLOYMENT SERVICES"


def test_an_old_style_hookwrapper_runs_around_the_others(env):
    seen = []

    class Watcher:
        @hookimpl(hookwrapper=True)
        def peerlearn_activity_kinds(self):
            outcome = yield
            seen.append(sorted(kind.name for kinds in outcome.get_result() for kind in kinds))

    env.register(Watcher(), name="watcher")
    plugins.activity_kinds()
    assert seen and "workshop" in seen[-1]


def test_tryfirst_and_trylast_order_the_implementations(env):
    order = []

    def kinds(name, **options):
        class Kinds:
            @hookimpl(**options)
            def peerlearn_activity_kinds(self):
                order.append(name)
                return [ActivityKind(f"{name}_kind")]
        return Kinds()

    env.register(kinds("last", trylast=True), name="last")
    env.register(kinds("first", tryfirst=True), name="first")
    env.register(kinds("plain"), name="plain")
    plugins.activity_kinds()
    assert order == ["first", "plain", "last"]


def test_a_firstresult_hook_stops_at_the_first_answer(env):
    spec = pluggy.HookspecMarker("peerlearn")

    class Specs:
        @spec(firstresult=True)
        def peerlearn_test_answer(self):
            """A hook of this test: the first plugin to answer wins."""

    class Early:
        @hookimpl(tryfirst=True)
        def peerlearn_test_answer(self):
            return "early"

    class Late:
        @hookimpl
        def peerlearn_test_answer(self):
            raise AssertionError("never called: the early answer ends the call")

    plugins.manager().add_hookspecs(Specs)
    env.register(Late(), name="late")
    env.register(Early(), name="early")
    assert plugins._call("peerlearn_test_answer") == [("early", "early")]


def test_an_exception_names_the_plugin_that_raised_it_even_under_a_wrapper(env):
    class Passthrough:
        @hookimpl(wrapper=True)
        def peerlearn_networks(self):
            return (yield)

    class Broken:
        @hookimpl
        def peerlearn_networks(self):
            raise KeyError("slug")

    env.register(Broken(), name="broken")
    env.register(Passthrough(), name="passthrough")
    with pytest.raises(PluginError, match=r"plugin 'broken' in hook peerlearn_networks: raised KeyError"):
        plugins.networks()


def test_a_wrapper_that_raises_is_named(env):
    class Failing:
        @hookimpl(wrapper=True)
        def peerlearn_networks(self):
            yield
            raise RuntimeError("wrapper failed")

    env.register(Failing(), name="failing")
    with pytest.raises(PluginError, match=r"plugin 'failing' in hook peerlearn_networks: raised RuntimeError"):
        plugins.networks()


def test_a_wrong_result_added_by_a_wrapper_names_the_wrapper(env):
    class Adding:
        @hookimpl(wrapper=True)
        def peerlearn_networks(self):
            found = yield
            return [*found, "not a list of networks"]

    env.register(Adding(), name="adding")
    with pytest.raises(PluginError, match=r"plugin 'adding' in hook peerlearn_networks: returned str"):
        plugins.networks()


def test_cached_calendar_events_follow_a_plugins_code_not_only_its_version(env, tmp_path, monkeypatch):
    """An edited plugin (an editable install keeps its version) reshapes the feed at once."""
    import importlib
    import sys

    folder = tmp_path / "plugin"
    folder.mkdir()
    module = folder / "peerlearn_colour.py"

    def write(colour):
        module.write_text(textwrap.dedent(f"""
            from peerlearn import hookimpl

            @hookimpl
            def peerlearn_ical_event(network, activity, event):
                event.add("color", {colour!r})
        """))

    monkeypatch.syspath_prepend(str(folder))
    write("teal")
    colour = importlib.import_module("peerlearn_colour")
    env.register(colour, name="colour")
    assert env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "PES event",
                   "--start", "2030-06-10 09:00", "--end", "17:00").exit_code == 0
    assert "COLOR:teal" in env.run("export", "ics", "--network", "pes").stdout
    env.run("export", "ics", "--network", "pes")  # cached now
    plugins.unregister("colour")
    write("olive (a longer name)")
    sys.modules.pop("peerlearn_colour")
    env.register(importlib.import_module("peerlearn_colour"), name="colour")
    assert "COLOR:olive (a longer name)" in env.run("export", "ics", "--network", "pes").stdout


class Greetings:
    """A plugin that adds a hook of its own, as the event website adds peerlearn_site_blocks."""

    class Specs:
        @peerlearn.hookspec
        def peerlearn_greeting(self, name):
            """Greet ``name``: return one line, or nothing."""

    @hookimpl
    def peerlearn_addhooks(self, pluginmanager):
        pluginmanager.add_hookspecs(self.Specs)


class Greeter:
    @hookimpl(optionalhook=True)
    def peerlearn_greeting(self, name):
        return f"Hello, {name}"


class Rude:
    @hookimpl(optionalhook=True)
    def peerlearn_greeting(self, name):
        raise RuntimeError(f"no greeting for {name}")


def test_peerlearn_addhooks_lets_a_plugin_add_a_hook_the_others_implement(env):
    env.register(Greeter(), name="greeter")  # before the hook exists: its implementation waits for the spec
    with pytest.raises(LookupError, match="no loaded plugin specifies the hook 'peerlearn_greeting'"):
        plugins.call_hook("peerlearn_greeting", name="Ana")  # no plugin has added it yet
    env.register(Greetings(), name="greetings")
    assert peerlearn.call_hook("peerlearn_greeting", name="Ana") == [("greeter", "Hello, Ana")]
    env.register(Rude(), name="rude")
    with pytest.raises(PluginError, match="plugin 'rude' in hook peerlearn_greeting: raised RuntimeError"):
        peerlearn.call_hook("peerlearn_greeting", name="Ana")


def test_peerlearn_addhooks_checks_the_implementations_against_the_added_spec(env):
    class Wrong:
        @hookimpl(optionalhook=True)
        def peerlearn_greeting(self, name, mood):  # the spec has no "mood"
            return "?"

    env.register(Wrong(), name="wrong")
    with pytest.raises(PluginError, match=r"(?s)plugin 'greetings' in hook peerlearn_addhooks: .*'wrong'.*mood"):
        env.register(Greetings(), name="greetings")
