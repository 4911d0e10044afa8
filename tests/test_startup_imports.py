"""Commands pay at start-up only for what they use: the common read commands import no heavy library, and
no other command's module.

Each command runs in a fresh interpreter, with every installed plugin loaded
as a user has them, and reports the modules it imported. sqlite-utils (which
imports numpy wherever numpy is installed) is for the commands that write;
matplotlib and numpy only for a command that draws a chart; jinja2 only for
one that renders a template. Lighter, but still milliseconds each: OpenSSL's
hashing (``_hashlib``, loaded by ``hashlib``, ``secrets`` and ``hmac``),
ElementTree and ``getpass`` only for a command that hashes, writes XML or
records who acted.
"""

import datetime as dt
import os
import subprocess
import sys

import pytest

HEAVY = ("numpy", "matplotlib", "PIL", "jinja2", "sqlite_utils", "icalendar", "yaml", "waitress", "dateutil",
         "_hashlib", "xml.etree.ElementTree", "getpass")

PROBE = (
    "import sys\n"
    "from peerlearn.cli import main\n"
    "sys.argv = ['peerlearn', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit as exit:\n    status = exit.code\n"
    "print('COMMANDS', sorted(m for m in sys.modules if m.startswith(('peerlearn.cli.', 'peerlearn.models.'))))\n"
    f"print('LOADED', status, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
)


def probe(db, *args: str) -> tuple[int, list[str], list[str]]:
    """Run ``peerlearn --db DB ARGS`` in a fresh interpreter: its exit status, the heavy modules and the
    modules of ``peerlearn.cli`` and ``peerlearn.models`` it imported."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PEERLEARN_LOAD_PLUGINS", "PEERLEARN_DB")}
    out = subprocess.run([sys.executable, "-c", PROBE, "--db", str(db), *args], capture_output=True, text=True,
                         check=True, env=environment).stdout
    *_, commands_line, loaded_line = out.splitlines()
    _, status, modules = loaded_line.split(" ", 2)
    cli_modules = eval(commands_line.split(" ", 1)[1])  # noqa: S307 - a list of names this test printed
    return int(status or 0), eval(modules), cli_modules  # noqa: S307 - a list of names this test printed


def loaded(db, *args: str) -> tuple[int, list[str]]:
    """Run ``peerlearn --db DB ARGS`` in a fresh interpreter: its exit status and the heavy modules it imported."""
    status, heavy, _cli_modules = probe(db, *args)
    return status, heavy


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("startup") / "demo.db"
    environment = {k: v for k, v in os.environ.items() if k != "PEERLEARN_DB"}
    environment["PEERLEARN_LOAD_PLUGINS"] = "esf_migration,integration_network,mutual_learning,pes,demo"
    subprocess.run([sys.executable, "-m", "peerlearn", "--db", str(db), "demo"], capture_output=True, check=True,
                   env=environment)
    return db


READ_COMMANDS = [
    ("networks", "list"),
    ("networks", "show", "pes"),
    ("activities", "list"),
    ("activities", "list", "--json"),
    ("members", "list"),
    ("activities", "show", "13"),
    ("agenda", "show", "13"),
    ("agenda", "check", "--all"),
    ("changes", "--limit", "10"),
    ("log", "--network", "pes", "--format", "md"),
    ("report", "--network", "pes", "--year", str(dt.date.today().year), "--format", "md"),  # (the demo's year)
    ("check",),
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_common_read_commands_import_no_heavy_library(demo_db, args):
    status, heavy = loaded(demo_db, *args)
    assert status == 0
    assert heavy == []


def _command_modules() -> dict[str, str]:
    """Each built-in command's module (``peerlearn.cli.networks``), by command name."""
    from peerlearn.cli import BUILTIN_COMMANDS

    return {name: f"peerlearn.cli.{target.partition(':')[0]}" for name, (target, _summary) in BUILTIN_COMMANDS.items()}


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_a_read_command_imports_no_other_command_module(demo_db, args):
    status, _heavy, cli_modules = probe(demo_db, *args)
    assert status == 0
    own = _command_modules()[args[0]]
    others = set(_command_modules().values()) - {own}
    assert own in cli_modules
    assert not others & set(cli_modules), f"{' '.join(args)} imported {sorted(others & set(cli_modules))}"


def test_networks_list_imports_neither_notify_nor_agenda(demo_db):
    status, _heavy, cli_modules = probe(demo_db, "networks", "list")
    assert status == 0
    assert "peerlearn.cli.networks" in cli_modules
    assert not {"peerlearn.cli.notify", "peerlearn.cli.agenda", "peerlearn.cli.activities"} & set(cli_modules)


def test_a_read_command_defines_only_the_model_classes_it_uses(demo_db):
    """Each attrs class costs about a millisecond to build: networks list builds networks, not sessions."""
    status, _heavy, modules = probe(demo_db, "networks", "list")
    assert status == 0
    assert "peerlearn.models.network" in modules
    assert not {"peerlearn.models.activities", "peerlearn.models.agenda", "peerlearn.models.members",
                "peerlearn.models.changes", "peerlearn.models.plugin_types"} & set(modules)
    status, _heavy, modules = probe(demo_db, "activities", "list")
    assert status == 0
    assert "peerlearn.models.activities" in modules
    assert not {"peerlearn.models.agenda", "peerlearn.models.members", "peerlearn.models.changes",
                "peerlearn.models.plugin_types"} & set(modules)


def test_the_html_report_still_draws_its_charts_with_matplotlib(demo_db, tmp_path):
    """The probe sees a heavy import where there is one: the HTML report's charts need matplotlib."""
    status, heavy = loaded(demo_db, "report", "--network", "pes", "--year", str(dt.date.today().year),
                           "-o", str(tmp_path / "r.html"))
    assert status == 0
    assert {"matplotlib", "numpy", "jinja2"} <= set(heavy)
    assert "<svg" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_a_command_that_writes_loads_sqlite_utils_only_then(demo_db, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(demo_db.read_bytes())
    status, heavy = loaded(db, "members", "add", "Somebody", "--country", "BE")
    assert status == 0
    assert "sqlite_utils" in heavy
