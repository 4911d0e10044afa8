"""The ``peerlearn`` command line: one thin module per command group.

Commands parse, call the library and print. Library errors become
``Error: …`` with exit status 1; usage errors exit 2; no traceback unless
``--debug``. Plugins' commands are added the first time the group lists or
looks up a command, so ``peerlearn --version`` loads no plugin.
"""

from __future__ import annotations

import click

from .. import __version__
from .common import Env, PeerlearnGroup


@click.group(cls=PeerlearnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="peerlearn")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), envvar="PEERLEARN_DB",
              help="Registry file. Default: $PEERLEARN_DB, else peerlearn.db in the current folder.")
@click.option("--actor", envvar="PEERLEARN_ACTOR",
              help="Who is making the change, for the change log. Default: $PEERLEARN_ACTOR, else your user name.")
@click.option("--strict-plugins", is_flag=True, envvar="PEERLEARN_STRICT_PLUGINS",
              help="Fail when a plugin cannot be loaded, instead of warning (for plugin authors).")
@click.option("--debug", is_flag=True, help="Show a full traceback on unexpected errors.")
@click.option("--today", "today_text", envvar="PEERLEARN_TODAY", metavar="YYYY-MM-DD",
              help="Take this date as today, to rehearse or test: the demo's dates, which memberships are current,"
                   " the country rules of memberships without dates, and whether an activity has started."
                   " Times recorded (the change log, feeds) stay the real ones. Default: $PEERLEARN_TODAY, else"
                   " the system's date.")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, actor: str | None, strict_plugins: bool, debug: bool,
        today_text: str | None) -> None:
    """Coordinate peer-learning networks: members, activities, agendas, feeds and logs.

    \b
    Start with a demo registry:
        peerlearn demo
        peerlearn activities list
    """
    ctx.obj = Env(db_path=db_path, actor=actor, debug=debug, today=_today(today_text))
    ctx.obj.report_plugin_failures(strict_plugins, ctx.invoked_subcommand)


def _today(text: str | None):
    """The date ``--today`` gives, or None (a date that is not one is a usage error)."""
    if not text:
        return None
    from ..timeutil import parse_date

    try:
        return parse_date(text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--today' / PEERLEARN_TODAY") from None


def _add_builtin_commands() -> None:
    from . import (activities, agenda, changes, feeds, logs, members, networks, notify, participation, plugin_new,
                   plugins, publish, registry, roles, sessions)

    for module in (registry, plugins, plugin_new, networks, members, activities, sessions, roles, agenda,
                   participation, changes, feeds, logs, notify, publish):
        for command in module.COMMANDS:
            cli.add_command(command)
    from .open_data import public_db

    feeds.export.add_command(public_db)
    from .check import check

    cli.add_command(check)


_add_builtin_commands()


def main() -> None:
    """The console script's entry point.

    Output cut short by a closed pipe (``peerlearn changes | head -1``) ends
    quietly with exit status 1, as in sqlite-utils: click handles a closed
    pipe met while a command runs, and what is still buffered when it ends
    is flushed here, so Python never reports it at exit.
    """
    import os
    import sys

    try:
        try:
            cli(prog_name="peerlearn")
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
