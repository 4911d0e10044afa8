"""The built-in commands are loaded lazily, and nothing that lists or walks them can tell.

``peerlearn.cli.BUILTIN_COMMANDS`` names each command's module and the first
paragraph of its help, so that ``peerlearn --help`` lists every command
without importing them; these tests keep that map true to the modules.
"""

import importlib
import pkgutil

import click
import pytest
from click.testing import CliRunner

import peerlearn.cli
from peerlearn.cli import BUILTIN_COMMANDS, cli
from peerlearn.cli.lazy import LazyCommands


def _modules_commands() -> dict[str, str]:
    """Every command the modules of ``peerlearn.cli`` offer at the top level (their ``COMMANDS``), as
    ``module:attribute`` by command name."""
    found = {}
    for info in pkgutil.iter_modules(peerlearn.cli.__path__):
        module = importlib.import_module(f"peerlearn.cli.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            attribute = next(name for name, value in vars(module).items() if value is command)
            found[command.name] = f"{info.name}:{attribute}"
    return found


def test_the_map_names_every_command_of_the_modules_and_nothing_else():
    assert {name: target for name, (target, _summary) in BUILTIN_COMMANDS.items()} == _modules_commands()


@pytest.mark.parametrize("name", sorted(BUILTIN_COMMANDS))
def test_each_summary_is_the_help_click_shows_for_the_command(name):
    target, summary = BUILTIN_COMMANDS[name]
    command = LazyCommands({name: (target, summary)})[name]
    assert command.name == name and not command.hidden and not command.deprecated
    for limit in (10, 30, 45, 60, 80, 200):
        assert click.Command(name, help=summary).get_short_help_str(limit) == command.get_short_help_str(limit)


def _help(width: int) -> str:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("width", [40, 80, 120])
def test_help_lists_the_same_lines_before_and_after_the_commands_are_loaded(monkeypatch, width):
    fresh = LazyCommands(BUILTIN_COMMANDS)
    monkeypatch.setattr(cli, "commands", fresh)
    lazily = _help(width)
    assert all(fresh.summary(name) is not None for name in BUILTIN_COMMANDS), "listing the help loaded a command"
    loaded = dict(fresh.items())  # imports every module: the rows are now the commands' own
    assert set(loaded) >= set(BUILTIN_COMMANDS)
    assert all(fresh.summary(name) is None for name in BUILTIN_COMMANDS)
    assert _help(width) == lazily
    for name in BUILTIN_COMMANDS:
        assert f"\n  {name} " in lazily


def test_looking_up_one_command_loads_only_its_module(monkeypatch):
    fresh = LazyCommands(BUILTIN_COMMANDS)
    monkeypatch.setattr(cli, "commands", fresh)
    ctx = click.Context(cli)
    assert cli.get_command(ctx, "networks").name == "networks"
    assert fresh.summary("networks") is None
    assert fresh.summary("notify") is not None and fresh.summary("activities") is not None
    assert "notify" in fresh and "no-such-command" not in fresh
    assert cli.get_command(ctx, "no-such-command") is None


def test_a_command_set_by_name_replaces_the_lazy_one_and_can_be_removed():
    commands = LazyCommands(BUILTIN_COMMANDS)
    replacement = click.Command("networks", help="Something else.")
    commands["networks"] = replacement
    assert commands["networks"] is replacement and commands.summary("networks") is None
    assert len(commands) == len(BUILTIN_COMMANDS)
    del commands["networks"]
    assert "networks" not in commands and "networks" not in list(commands)
    with pytest.raises(KeyError):
        commands["networks"]
    with pytest.raises(KeyError):
        del commands["networks"]
    assert len(commands) == len(BUILTIN_COMMANDS) - 1
