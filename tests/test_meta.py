"""Meta-tests: the rules the codebase keeps about itself.

- every hook is documented and has a test named after it;
- every CLI command has help and every option ``help=``;
- network plugins import only peerlearn's public API (and the standard library).
"""

import ast
import inspect
from pathlib import Path

import click
import pytest

import peerlearn
from peerlearn import hookspecs
from peerlearn.testing import public_api_violations

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
NETWORK_MODULES = sorted((ROOT / "networks" / "peerlearn_networks").glob("*.py")) + [
    ROOT / "tests" / "example_plugin" / "peerlearn_example_network.py"]


def hook_names():
    return sorted(name for name, value in vars(hookspecs).items()
                  if name.startswith("peerlearn_") and callable(value))


def test_hookspecs_are_found():
    assert {"peerlearn_networks", "peerlearn_validate_member", "peerlearn_validate_activity"} <= set(hook_names())


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_docstring(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook))
    assert doc and len(doc.split()) >= 10, f"hook {hook} needs a docstring saying when it fires and what it returns"


def _test_function_names():
    names = set()
    for path in TESTS.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                names.add(node.name)
    return names


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_test_named_after_it(hook):
    named = [name for name in _test_function_names() if hook in name]
    assert named, (f"hook {hook} has no test: write test_{hook}_… in tests/ where an in-test plugin"
                   f" implementing it changes behaviour")


def _commands(group, path=("peerlearn",)):
    yield path, group
    if isinstance(group, click.Group):
        for name, command in sorted(group.commands.items()):
            yield from _commands(command, (*path, name))


def _cli_commands():
    from peerlearn.cli import cli

    return list(_commands(cli))


@pytest.mark.parametrize("path, command", _cli_commands(), ids=lambda value: " ".join(value)
                         if isinstance(value, tuple) else "")
def test_every_command_has_help_and_every_option_help(path, command):
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text (give the command a docstring)"
    for param in command.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"{' '.join(path)} option {param.opts[0]} has no help="


@pytest.mark.parametrize("path", NETWORK_MODULES, ids=lambda path: path.name)
def test_network_modules_import_only_the_public_api(path):
    assert public_api_violations(path.read_text(encoding="utf-8")) == []


def test_network_modules_are_found():
    assert {"esf_migration.py", "integration_network.py", "mutual_learning.py", "pes.py"} <= {
        path.name for path in NETWORK_MODULES}


@pytest.mark.parametrize("source, found", [
    ("from peerlearn.models import Network", ["from peerlearn.models import … (line 1)"]),
    ("import peerlearn.registry.store", ["import peerlearn.registry.store (line 1)"]),
    ("from peerlearn import plugins", ["from peerlearn import plugins (line 1)"]),
    ("import sqlite_utils", ["import sqlite_utils (line 1)"]),
    ("from . import pes", ["relative import from . (line 1)"]),
    ("import datetime as dt\nfrom peerlearn import Network, hookimpl\nimport peerlearn", []),
])
def test_public_api_check_catches_reaching_in(source, found):
    assert public_api_violations(source) == found


def test_every_name_in_the_public_api_resolves():
    for name in peerlearn.__all__:
        assert getattr(peerlearn, name) is not None
