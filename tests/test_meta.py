"""Meta-tests: the rules the codebase keeps about itself.

- every hook is documented and has a test named after it, peerlearn's and those plugins add;
- every CLI command has help and every option ``help=``;
- network plugins and the shipped plugins import only peerlearn's public API (and the standard
  library, and the distributions they depend on);
- the public API is complete and says so: every name resolves, a wrong one lists the right ones.
"""

import ast
import inspect
from pathlib import Path

import click
import pytest
from peerlearn_plugins.site import hookspecs as site_hookspecs

import peerlearn
from peerlearn import hookspecs
from peerlearn.testing import public_api_violations

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
NETWORK_MODULES = sorted((ROOT / "networks" / "peerlearn_networks").glob("*.py")) + [
    ROOT / "tests" / "example_plugin" / "peerlearn_example_network.py"]
#: The generic plugins shipped with peerlearn (the event website, the demo), module by module.
PLUGIN_MODULES = sorted((ROOT / "plugins" / "peerlearn_plugins").rglob("*.py"))
#: What the shipped plugins may import besides peerlearn's public API: their own dependencies.
PLUGIN_DEPENDENCIES = {"attrs", "click", "jinja2", "markupsafe"}
#: Every module of hook specifications: peerlearn's, and those the shipped plugins add.
SPEC_MODULES = {"peerlearn.hookspecs": hookspecs, "peerlearn_plugins.site.hookspecs": site_hookspecs}


def _specs():
    return {name: value for module in SPEC_MODULES.values() for name, value in vars(module).items()
            if name.startswith("peerlearn_") and callable(value)}


def hook_names():
    return sorted(_specs())


def test_hookspecs_are_found():
    assert {"peerlearn_networks", "peerlearn_validate_member", "peerlearn_validate_activity"} <= set(hook_names())


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_docstring(hook):
    doc = inspect.getdoc(_specs()[hook])
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


@pytest.mark.parametrize("path", PLUGIN_MODULES, ids=lambda path: "/".join(path.parts[-2:]))
def test_shipped_plugins_import_only_the_public_api(path):
    source = path.read_text(encoding="utf-8")
    assert public_api_violations(source, allow=PLUGIN_DEPENDENCIES, package=True) == []


def test_shipped_plugins_are_found():
    assert {"site/builder.py", "site/content.py"} <= {"/".join(path.parts[-2:]) for path in PLUGIN_MODULES}


def test_a_plugin_may_import_its_own_modules_and_dependencies_only_when_said():
    source = "from . import content\nimport jinja2\nfrom peerlearn.models import Role\n"
    assert public_api_violations(source, allow={"jinja2"}, package=True) == ["from peerlearn.models import … (line 3)"]
    assert public_api_violations(source) == ["relative import from . (line 1)", "import jinja2 (line 2)",
                                             "from peerlearn.models import … (line 3)"]


def test_a_wrong_public_name_lists_the_right_ones():
    with pytest.raises(AttributeError) as raised:
        peerlearn.get_activites  # noqa: B018 - a typo, on purpose
    message = str(raised.value)
    assert "'get_activites'" in message and "get_activity" in message and "list_activities" in message


def test_dir_shows_the_public_api():
    assert set(peerlearn.__all__) <= set(dir(peerlearn))
    assert {"hookimpl", "Network", "get_activity", "add_categories", "write_atomic"} <= set(dir(peerlearn))


def test_the_public_api_lists_each_name_once_and_loads_nothing_heavy():
    import subprocess
    import sys

    assert len(peerlearn.__all__) == len(set(peerlearn.__all__))
    code = ("import sys, peerlearn; heavy = sorted(m for m in ('attrs', 'icalendar', 'sqlite_utils', 'click',"
            " 'jinja2', 'peerlearn.models', 'peerlearn.registry') if m in sys.modules); print(heavy)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"


#: The networks of peerlearn's own network plugins: the core names none of them.
NETWORK_SLUGS = ("esf_migration", "integration_network", "mutual_learning", "pes")


def test_the_core_names_no_network():
    """No network's slug anywhere in peerlearn/ (code, templates, data): networks live in their plugins."""
    import re

    pattern = re.compile(rf"\b({'|'.join(NETWORK_SLUGS)})\b")
    found = []
    for path in sorted((ROOT / "peerlearn").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            text = path.read_bytes().decode("utf-8", errors="replace")
            found += [f"{path.relative_to(ROOT)}:{number}: {match.group()}"
                      for number, line in enumerate(text.splitlines(), 1) for match in pattern.finditer(line)]
    assert found == []


def test_the_slug_check_finds_a_slug(tmp_path):
    import re

    pattern = re.compile(rf"\b({'|'.join(NETWORK_SLUGS)})\b")
    assert pattern.search("peerlearn log --network pes") and not pattern.search("pesky types, mutual_learning_x")


#: The names of commands that write files or the registry by what they are.
WRITING_NAMES = {"import", "export", "build", "publish", "init", "migrate", "demo", "new", "send"}
#: What the function of a command that writes calls: a write transaction, a new registry, the registry for writing.
WRITING_CALLS = ("env.write(", ".new_registry(", "create=True")


def writes(path: tuple[str, ...], command: click.Command) -> bool:
    """Whether a command writes, imports, exports or builds, and so owes its help an ``Examples:`` block.

    A command is one when it has ``--dry-run`` or ``-o/--output``, when it or
    its group is named for it (``import``, ``export``, ``build``…), or when
    its function opens a write transaction (``env.write``), builds a registry
    or opens one for writing.
    """
    options = {opt for param in command.params for opt in getattr(param, "opts", ())}
    if options & {"--dry-run", "--output"} or WRITING_NAMES & set(path[1:]):
        return True
    try:
        source = inspect.getsource(inspect.unwrap(command.callback))
    except (OSError, TypeError):
        return False
    return any(call in source for call in WRITING_CALLS)


def _writing_commands():
    return [(path, command) for path, command in _leaf_commands() if writes(path, command)]


def _leaf_commands():
    from peerlearn import plugins
    from peerlearn.cli import cli

    plugins.reset()
    ctx = click.Context(cli)
    cli.list_commands(ctx)  # adds the shipped plugins' commands (site, demo)
    return [(path, command) for path, command in _commands(cli) if not isinstance(command, click.Group)]


@pytest.fixture
def shipped_plugins(monkeypatch):
    monkeypatch.setenv("PEERLEARN_LOAD_PLUGINS", "site,demo")


def test_the_writing_commands_are_found(shipped_plugins):
    found = {" ".join(path[1:]) for path, _ in _writing_commands()}
    assert {"init", "demo", "members import", "members export", "feeds build", "site build", "export ics",
            "export public-db", "log", "report", "changes", "activities add", "activities cancel", "notify send",
            "agenda import", "agenda export", "migrate"} <= found
    assert not {"activities list", "members show", "serve", "agenda check", "networks list", "info"} & found


def test_every_writing_command_has_examples(shipped_plugins):
    """Every write, import, export and build command shows an ``Examples:`` block (click's ``\\b``) in its help."""
    import re

    missing = []
    for path, command in _writing_commands():
        help_text = command.help or ""
        block = re.search(r"\x08\s*\n\s*Examples:\n((?:[ ]{4,}\S.*\n?)+)", help_text)
        if not block or " ".join(path) not in block.group(1):
            missing.append(" ".join(path))
    assert missing == []


def test_examples_name_no_shipped_network():
    """Examples use made-up slugs (jobs, learning, migration), never a network peerlearn ships."""
    import re

    pattern = re.compile(rf"\b({'|'.join(NETWORK_SLUGS)})\b")
    found = []
    for path, command in _leaf_commands():
        found += [f"{' '.join(path)}: {match.group()}" for match in pattern.finditer(command.help or "")]
    assert found == []


def test_examples_show_their_line_continuations():
    """A long example goes on the next line after a shell's ``\\``: written as a bare backslash at the end of a
    docstring line, Python joined the two lines, and the help showed one line with a gap of spaces inside."""
    import re

    joined = []
    for path, command in _leaf_commands():
        for block in re.findall(r"Examples:\n((?:[ ]{4,}\S.*\n?)+)", command.help or ""):
            joined += [f"{' '.join(path)}: {line.strip()}" for line in block.splitlines()
                       if re.search(r"\S {4,}[^\s#]", line)]
    assert joined == []


#: The top-level options an example may give before the command (those taking a value).
GLOBAL_VALUE_OPTIONS = {"--db", "--actor", "--today"}


def _example_commands(help_text: str) -> list[list[str]]:
    """Each ``peerlearn …`` command line of an ``Examples:`` block, as words (continuations joined, comments cut)."""
    import re
    import shlex

    found = []
    for block in re.findall(r"Examples:\n((?:[ ]{4,}\S.*\n?)+)", help_text):
        text = re.sub(r"\\\n\s*", " ", block)
        for line in text.splitlines():
            for part in re.split(r"&&|\||;", shlex.join(shlex.split(line, comments=True)) if "#" in line else line):
                words = shlex.split(part)
                if words and words[0] == "peerlearn":
                    found.append(words[1:])
    return found


def test_every_example_is_a_command_line_peerlearn_accepts(shipped_plugins, tmp_path, monkeypatch):
    """Each example names a real command with options it has and values they accept (files aside)."""
    from peerlearn.cli import cli

    monkeypatch.chdir(tmp_path)
    problems, checked = [], 0
    ctx = click.Context(cli)
    for path, command in _leaf_commands():
        for words in _example_commands(command.help or ""):
            while words and words[0].startswith("--"):
                words = words[2:] if words[0] in GLOBAL_VALUE_OPTIONS else words[1:]
            group, name = cli, []
            while isinstance(group, click.Group) and words:
                group = group.get_command(ctx, words[0])
                name.append(words.pop(0))
            if group is None or isinstance(group, click.Group):
                problems.append(f"{' '.join(path)}: no command {' '.join(name)}")
                continue
            try:
                group.make_context(" ".join(name), list(words), parent=ctx)
            except click.BadParameter as error:
                if not any(text in str(error) for text in ("does not exist", "No such file")):  # a file it reads
                    problems.append(f"{' '.join(path)}: {' '.join(words)}: {error.format_message()}")
            except click.UsageError as error:
                problems.append(f"{' '.join(path)}: {' '.join(words)}: {error.format_message()}")
            checked += 1
    assert problems == []
    assert checked > 80
