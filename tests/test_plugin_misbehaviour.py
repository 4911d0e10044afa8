"""Plugins that misbehave are named for it; what peerlearn publishes stays readable.

A plugin that hands peerlearn an iCalendar name that is no name (a line
break, a colon) is refused by name, as for a value that is no text; a
plugin's ``SystemExit`` is one more exception of that plugin; and the
folders peerlearn creates for published output are readable by all,
whatever the umask, but for the private folder of member feeds.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
from refusals import refused

from peerlearn import hookimpl


def _an_activity(env) -> str:
    """An activity still ahead, which its feed holds."""
    activities = json.loads(env.run("activities", "list", "--json").stdout)
    return str(next(activity["id"] for activity in activities if activity["status"] == "confirmed"))


class _Declares:
    def __init__(self, found):
        self.found = found

    @hookimpl
    def peerlearn_event_properties(self, network, activity, session):
        return self.found


@pytest.mark.parametrize("name", ["X-A\nB", "X-A:B", "X-A;P=1", "", "X-Ä", "x-stra\u00dfe", 3])
def test_a_property_name_that_is_no_icalendar_name_is_blamed_on_its_plugin(demo_env, tmp_path, name):
    demo_env.register(_Declares({name: "y"}), name="badplug")
    shown = f"property {name!r}: not an iCalendar name"
    expect = ["plugin 'badplug' in hook peerlearn_event_properties", shown]
    refused(demo_env, "export", "ics", "--activity", _an_activity(demo_env), expect=expect)
    refused(demo_env, "feeds", "build", str(tmp_path / "feeds"), expect=expect)
    refused(demo_env, "publish", str(tmp_path / "public"), expect=expect)
    assert not list(tmp_path.rglob("*.ics"))


class _Adjusts:
    def __init__(self, adjust):
        self.adjust = adjust

    @hookimpl
    def peerlearn_ical_event(self, network, activity, event, session):
        self.adjust(event)


def _subcomponent(event):
    import icalendar

    alarm = icalendar.Component()
    alarm.name = "VALARM\nX"
    event.add_component(alarm)


@pytest.mark.parametrize("adjust, expect", [
    (lambda event: event.add("X-A\nB", "y"), "property 'X-A\\nB': not an iCalendar name"),
    (lambda event: event.add("X-A", "y", parameters={"X-P\n": "v"}), "parameter 'X-P\\n': not an iCalendar name"),
    (lambda event: event.add("X-A", "y", parameters={"X-P": "v\x1b[31m"}),
     "parameter X-P: value 'v\\x1b[31m' holds a control character"),
    (_subcomponent, "component 'VALARM\\nX': not an iCalendar name"),
])
def test_an_adjusted_event_with_a_name_that_is_no_name_is_blamed_on_the_plugin(demo_env, tmp_path, adjust, expect):
    demo_env.register(_Adjusts(adjust), name="adjusts")
    blamed = ["plugin 'adjusts' in hook peerlearn_ical_event", expect]
    refused(demo_env, "export", "ics", "--activity", _an_activity(demo_env), expect=blamed)
    refused(demo_env, "feeds", "build", str(tmp_path / "feeds"), expect=blamed)


def test_names_of_letters_digits_and_dashes_are_written_as_before_and_no_other(demo_env):
    """The check refuses what is no name and nothing else: a line break in a parameter's value is
    written as icalendar writes it (RFC 6868)."""
    demo_env.register(_Declares({"x-Room-2": "Hall B"}), name="goodplug")
    demo_env.register(_Adjusts(lambda event: event.add("X-A", "y", parameters={"X-P": "a\nb"})), name="adjusts")
    activity = _an_activity(demo_env)
    result = demo_env.run("export", "ics", "--activity", activity)
    assert result.exit_code == 0, result.output
    assert b"\r\nX-ROOM-2:Hall B\r\n" in result.stdout_bytes and b"\r\nX-A;X-P=a^nb:y\r\n" in result.stdout_bytes
    demo_env.register(_Declares({"X-A\nB": "y"}), name="badplug")
    refused(demo_env, "export", "ics", "--activity", activity,
            expect="plugin 'badplug' in hook peerlearn_event_properties: property 'X-A\\nB'")


# -- SystemExit: an exception of the plugin like any other ---------------------


def test_system_exit_in_peerlearn_changed_is_a_warning_and_the_change_is_kept(env):
    class Quits:
        @hookimpl
        def peerlearn_changed(self, change):
            raise SystemExit(3)

    env.register(Quits(), name="quits")
    result = env.run("members", "add", "VDAB", "--country", "BE")
    assert result.exit_code == 0, result.output
    assert "plugin 'quits' in hook peerlearn_changed: raised SystemExit: 3" in result.stderr
    assert [member["name"] for member in json.loads(env.run("members", "list", "--json").stdout)] == ["VDAB"]


@pytest.mark.parametrize("code", [0, 3, None, "bye"])
def test_system_exit_in_a_hook_that_refuses_refuses_the_command_naming_the_plugin(env, code):
    """As any exception would; Ctrl-C (``KeyboardInterrupt``) still stops the command as it always did."""
    class Quits:
        @hookimpl
        def peerlearn_validate_member(self, network, member, membership):
            if member.name == "Stop":
                raise KeyboardInterrupt
            raise SystemExit(code)

    env.run("members", "add", "VDAB", "--country", "BE")
    env.register(Quits(), name="quits")
    refused(env, "members", "add", "Forem", "--country", "BE", "--network", "pes",
            "--category", "public employment service",
            expect="plugin 'quits' in hook peerlearn_validate_member: raised SystemExit")
    before = env.fingerprint()
    result = env.run("members", "add", "Stop", "--country", "BE", "--network", "pes",
                     "--category", "public employment service")
    assert result.exit_code == 1 and result.stderr.strip() == "Aborted!"
    assert env.fingerprint() == before


def test_system_exit_in_a_feed_hook_leaves_no_output(demo_env, tmp_path):
    class Quits:
        @hookimpl
        def peerlearn_event_properties(self, network, activity, session):
            raise SystemExit(3)

    demo_env.register(Quits(), name="quits")
    refused(demo_env, "feeds", "build", str(tmp_path / "feeds"),
            expect="plugin 'quits' in hook peerlearn_event_properties: raised SystemExit: 3")
    assert not list(tmp_path.rglob("*.ics"))


# -- Published folders: readable by all, whatever the umask ------------------


def _modes(root) -> dict[str, int]:
    """The permissions of ``root`` and every folder and file in it, by path relative to ``root``."""
    return {str(path.relative_to(root)): stat.S_IMODE(path.stat().st_mode) for path in [root, *root.rglob("*")]}


def test_published_folders_are_readable_by_all_under_a_closed_umask(demo_env, tmp_path):
    """As published files are (0644); the private folder of member feeds stays as the umask makes it."""
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    old = os.umask(0o077)
    try:
        for args in (("publish", str(tmp_path / "public"), "--private-dir", str(tmp_path / "public-private")),
                     ("site", "build", str(tmp_path / "site")),
                     ("feeds", "build", str(tmp_path / "feeds"), "--private-dir", str(tmp_path / "private"))):
            result = demo_env.run(*args)
            assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    for public in ("public", "site", "feeds"):
        modes = _modes(tmp_path / public)
        folders = {path: mode for path, mode in modes.items() if (tmp_path / public / path).is_dir()}
        assert len(folders) > 2 and set(folders.values()) == {0o755}, (public, folders)
        files = {path: mode for path, mode in modes.items() if path not in folders and not path.startswith(".")}
        assert len(files) > 2 and set(files.values()) == {0o644}, public  # (the hidden ones are the build's own)
    for private in ("public-private", "private"):
        modes = _modes(tmp_path / private)
        folders = {path: mode for path, mode in modes.items() if (tmp_path / private / path).is_dir()}
        assert len(folders) > 1 and set(folders.values()) == {0o700}, (private, folders)
    assert (tmp_path / "private" / "members").is_dir() and list((tmp_path / "private" / "members").glob("*.ics"))
