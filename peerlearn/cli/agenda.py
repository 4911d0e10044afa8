"""``peerlearn agenda``: import, export, check and show an activity's programme."""

from __future__ import annotations

import click

from .common import dry_run_option, echo_json, json_option, note, pass_env
from .common import output_option, output_stream


@click.group()
def agenda() -> None:
    """Agendas: programme files, checks for clashes, and the timetable."""


@agenda.command(name="import")
@click.argument("activity")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@dry_run_option
@pass_env
def import_(env, activity, file, dry_run) -> None:
    """Replace an activity's programme with the one in FILE (YAML; '-' reads stdin).

    The whole file is checked first; an error names the file and line and
    nothing is imported.
    """
    from .. import programme

    text = file.read()
    source = getattr(file, "name", "<stdin>")
    done = env.write(lambda registry: programme.import_programme(registry, activity, text, source), dry_run=dry_run)
    if not dry_run:
        click.echo(f"Imported {done['sessions']} session(s) and {done['roles']} role(s) into activity #{activity}"
                   + (f" (replacing {done['replaced']} session(s))." if done["replaced"] else "."))


@agenda.command()
@click.argument("activity")
@output_option
@click.option("--include-private", is_flag=True, help="Include speakers' emails (keep such a file private).")
@pass_env
def export(env, activity, output, include_private) -> None:
    """Write an activity's programme as a programme file (YAML)."""
    from .. import programme

    with env.registry() as registry:
        text = programme.export_programme(registry, activity, include_private=include_private)
    with output_stream(output) as out:
        out.write(text)


@agenda.command()
@click.argument("activity", required=False)
@click.option("--all", "everything", is_flag=True, help="Check every activity in the registry.")
@click.option("--pending-days", type=click.IntRange(min=0),
              help="Report roles still tbc or tbd when the event is this many days away or fewer"
                   " (default: $PEERLEARN_PENDING_DAYS, else 14).")
@json_option
@pass_env
def check(env, activity, everything, pending_days, as_json) -> None:
    """Check a programme: double-booked people, rooms, timing, tbc/tbd speakers, chairs.

    Exits with status 1 when an error is found (warnings alone exit 0).
    """
    from .. import activities, clashes
    from ..errors import ValidationError
    from ..records import plain

    if bool(activity) == everything:
        raise click.UsageError("give one ACTIVITY or --all")
    with env.registry() as registry:
        if everything:
            findings = clashes.check_registry(registry, pending_days=pending_days)
        else:
            findings = clashes.check_activity(registry, activities.get(registry, activity), pending_days)
    errors = sum(1 for finding in findings if finding.severity == "error")
    if as_json:
        echo_json([plain(finding) for finding in findings])
    else:
        for finding in findings:
            click.echo(f"{finding.severity}: [{finding.code}] {finding.message}")
        note(f"{len(findings)} finding(s): {errors} error(s), {len(findings) - errors} warning(s).")
    if errors:
        raise ValidationError(f"the programme has {errors} error(s)")


@agenda.command()
@click.argument("activity")
@click.option("--width", type=click.IntRange(min=40), help="Width of the grid (default: the terminal's).")
@json_option
@pass_env
def show(env, activity, width, as_json) -> None:
    """Print an activity's timetable, parallel tracks side by side."""
    import shutil

    from .. import activities, agenda as lib, timetable

    with env.registry() as registry:
        found = activities.get(registry, activity)
        sessions = lib.sessions_of(registry, found.id)
        roles = lib.roles_of(registry, found.id)
    if as_json:
        echo_json(timetable.as_data(found, sessions, roles))
        return
    width = width or max(60, min(shutil.get_terminal_size((120, 24)).columns, 160))
    click.echo(timetable.render(found, sessions, roles, width=width), nl=False)


COMMANDS = [agenda]
