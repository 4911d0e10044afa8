"""The ``peerlearn`` command line: one thin module per command group.

Commands parse, call the library and print. Library errors become
``Error: …`` with exit status 1; usage errors exit 2; no traceback unless
``--debug``. A built-in command's module is imported when the command is
looked up (``peerlearn networks list`` imports no other command's module;
see :mod:`.lazy`), and plugins' commands are added the first time the group
lists or looks up a command, so ``peerlearn --version`` loads no plugin.
"""

from __future__ import annotations

import click

from .. import __version__
from .common import Env, PeerlearnGroup
from .lazy import LazyCommands


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


#: The built-in commands: each one's module (in this package) and attribute, and the first paragraph of its
#: help, which ``peerlearn --help`` lists without importing the module (a test keeps it the same as the help).
BUILTIN_COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("registry:init", "Create the registry (or upgrade its schema) and store the plugins' networks."),
    "migrate": ("registry:migrate",
                "Upgrade the registry's schema to this peerlearn's, keeping a copy of the file first."),
    "info": ("registry:info", "Show the registry's path, schema version, counts and loaded plugins."),
    "plugins": ("plugins:plugins_command", "List the loaded plugins, their versions and the hooks they implement."),
    "plugin": ("plugin_new:plugin", "Write plugins: start a new plugin project."),
    "networks": ("networks:networks", "Networks: those plugins contribute and those created by hand."),
    "members": ("members:members", "Members: the organisations and people that belong to networks."),
    "activities": ("activities:activities", "Activities: workshops, peer reviews, site visits, conferences…"),
    "sessions": ("sessions:sessions",
                 "Sessions: the agenda of an activity (panels, workshops in parallel tracks, breaks…)."),
    "roles": ("roles:roles", "Roles: people on sessions, with a status (confirmed, tbc, tbd, declined)."),
    "agenda": ("agenda:agenda",
               "Agendas: programme files and conference schedules, releases, clash checks, the timetable."),
    "participants": ("participation:participants",
                     "Participants: invite members, register them, mark who attended."),
    "outputs": ("participation:outputs",
                "Outputs: the reports, papers, recordings and slides activities produce."),
    "changes": ("changes:changes",
                "Show who changed what, and when, with the values before and after (--json, --format)."),
    "export": ("feeds:export",
               "Export records: a calendar feed (export ics), open data for Datasette (export public-db)."),
    "feeds": ("feeds:feeds", "Calendar feeds members subscribe to: build them as static files."),
    "serve": ("feeds:serve", "Serve the feeds from the registry over HTTP (waitress), logging each request."),
    "log": ("logs:log", "Export the activity log: one row per activity of a network in a period."),
    "report": ("logs:report", "Write the yearly report of a network: totals, participation, hosts, outputs."),
    "practices": ("logs:practices", "Good practices: outputs of activities that others can learn from."),
    "notify": ("notify:notify", "Notices to people: what changed for them, by email their calendar applies."),
    "publish": ("publish:publish",
                "Publish everything public into FOLDER: feeds, website, activity logs, reports, change log."),
    "check": ("check:check", "Check the registry whole: its pages and indexes, its foreign keys, its schema, its times."),
}

cli.commands = LazyCommands(BUILTIN_COMMANDS)


def main() -> None:
    """The console script's entry point.

    Output cut short by a closed pipe (``peerlearn changes | head -1``) ends
    quietly with exit status 1, as in sqlite-utils: click handles a closed
    pipe met while a command runs, and what is still buffered when it ends
    is flushed here, so Python never reports it at exit. Standard output
    that refuses what is left in it (a full disk) ends with exit status 1
    and one ``Error:`` line, unless the command already failed and said why;
    what it refused is dropped, as for a closed pipe.
    """
    import os
    import sys

    from ..errors import OutputError
    from .common import StandardOutput

    def drop_output() -> None:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
        except (OSError, AttributeError, ValueError):
            pass  # (closed: nothing left to drop)

    # every write to standard output, the help's too, refused in one line (a closed one, ``>&-``, included)
    sys.stdout = StandardOutput(sys.stdout)
    try:
        try:
            cli(prog_name="peerlearn")
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        drop_output()
        sys.exit(1)
    except OutputError as error:  # standard output refused what was left in it, or the help
        drop_output()
        ended = error.__context__
        while ended is not None and not isinstance(ended, SystemExit):  # (the OSError it was raised for, then)
            ended = ended.__context__
        if ended is not None and ended.code:  # the command had failed, and said why
            sys.exit(ended.code)
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
