"""``peerlearn agenda``: import, export, check and show an activity's programme (releases: :mod:`.releases`)."""

from __future__ import annotations

import click

from ..limits import MAX_DAYS
from .common import (dry_run_option, echo_json, for_terminal, json_option, note, one_line, output_option, output_stream,
                     pass_env)
from .completion import complete_activity


@click.group()
def agenda() -> None:
    """Agendas: programme files and conference schedules, releases, clash checks, the timetable."""


@agenda.command(name="import")
@click.argument("activity", shell_complete=complete_activity)
@click.argument("file", type=click.File("rb"))
@dry_run_option
@json_option
@pass_env
def import_(env, activity, file, dry_run, as_json) -> None:
    """Bring an activity's programme in line with FILE ('-' reads stdin).

    \b
    FILE is recognised by its content:
      schedule.json or schedule.xml (frab, pretalx, peerlearn…): sessions are
        matched by guid and updated in place; new ones are added; sessions
        the file no longer holds are cancelled (kept on record);
      anything else is a programme YAML, which replaces the programme.
    The whole file is checked first; an error names the file, the event
    (or line) and the field, and nothing is imported. --dry-run prints
    what would be added, changed and removed.

    \b
    Examples:
        peerlearn agenda import 13 programme.yaml --dry-run
        peerlearn agenda import 13 schedule.json
        cat programme.yaml | peerlearn agenda import 13 -
    """
    from ..registry.records import plain
    from ..schedules import files

    data = file.read()
    source = getattr(file, "name", "<stdin>")

    def report(done) -> None:
        if isinstance(done, dict):
            if as_json:
                echo_json(done)
            elif not dry_run:
                click.echo(f"Imported {done['sessions']} session(s) and {done['roles']} role(s) into activity"
                           f" #{activity}" + (f" (replacing {done['replaced']} session(s))." if done["replaced"]
                                              else ".") + ("" if done["changes"] else " Nothing changed."))
            return
        for warning in done.warnings:
            click.echo(f"Warning: {warning}", err=True)
        if as_json:
            echo_json({**plain(done), "lines": done.lines})
            return
        verb = "Would import" if dry_run else "Imported"
        click.echo(f"{verb} {source} ({done.format}) into activity #{done.activity_id}: {len(done.added)} added,"
                   f" {len(done.changed)} changed, {len(done.reinstated)} reinstated, {len(done.cancelled)} removed"
                   f" (cancelled), {done.unchanged} unchanged.")
        for line in done.lines:
            click.echo(f"  {line}")

    done = env.write(lambda registry: files.import_data(registry, activity, data, source), dry_run=dry_run,
                     report=report)
    if dry_run:
        report(done)


FORMATS = ["yaml", "schedule-xml", "schedule-json"]


@agenda.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--format", "format_name", type=click.Choice(FORMATS), default="yaml", show_default=True,
              help="yaml: peerlearn's programme file; schedule-xml / schedule-json: the frab/pentabarf schedule"
                   " that conference apps read.")
@click.option("--version", "version", help="A released version to export (name, number or 'latest';"
                                           " schedule formats only). Default: the working programme.")
@click.option("--base-url", help="Where the website is published (https://…): each event's url points to its"
                                 " session on the activity's page.")
@click.option("--language", default="en", show_default=True, help="Language of the sessions (schedule formats).")
@output_option
@click.option("--include-private", is_flag=True, help="Include speakers' emails (yaml only; keep such a file private).")
@pass_env
def export(env, activity, format_name, version, base_url, language, output, include_private) -> None:
    """Write an activity's programme: a programme file (YAML), schedule.xml or schedule.json.

    \b
    Examples:
        peerlearn agenda export 13 -o programme.yaml
        peerlearn agenda export 13 --format schedule-xml -o schedule.xml
        peerlearn agenda export 13 --format schedule-json --version v2
    """
    from ..schedules import files, writer

    if include_private and format_name != "yaml":
        raise click.UsageError("--include-private is for the yaml format only (schedules are public)")
    with env.registry() as registry:
        text = files.export_text(registry, activity, format_name, version=version,
                                 options=writer.Options(base_url=base_url, language=language),
                                 include_private=include_private)
    with output_stream(output) as out:
        out.write(text)


@agenda.command()
@click.argument("activity", required=False, shell_complete=complete_activity)
@click.option("--all", "everything", is_flag=True, help="Check every activity in the registry.")
@click.option("--pending-days", type=click.IntRange(0, MAX_DAYS),
              help="Report roles still tbc or tbd when the event is this many days away or fewer"
                   " (default: $PEERLEARN_PENDING_DAYS, else 14).")
@json_option
@pass_env
def check(env, activity, everything, pending_days, as_json) -> None:
    """Check a programme: double-booked people, rooms, timing, tbc/tbd speakers, chairs.

    Exits with status 1 when an error is found (warnings alone exit 0).
    """
    from ..agenda import checks
    from ..errors import ValidationError
    from ..registry import activities
    from ..registry.records import plain

    if bool(activity) == everything:
        raise click.UsageError("give one ACTIVITY or --all")
    counts = {"error": 0, "warning": 0}
    with env.registry() as registry:
        if pending_days is not None:
            registry.pending_days = pending_days
        if everything:
            findings = checks.check_registry(registry)  # printed as they come: never all in memory
        else:
            findings = checks.check_activity(registry, activities.get(registry, activity))
        if as_json:
            _echo_json_list({"code": finding.code, "severity": finding.severity, "message": finding.message,
                             **{key: value for key, value in plain(finding).items()
                                if key not in ("message", "severity", "code")}}
                            for finding in _counted(findings, counts))
        else:
            for finding in _counted(findings, counts):
                click.echo(one_line(f"{finding.severity}: [{finding.code}] {finding.message}"))
    errors, total = counts["error"], counts["error"] + counts["warning"]
    if not as_json:
        note(f"{total} finding(s): {errors} error(s), {total - errors} warning(s).")
    if errors:
        raise ValidationError(f"the programme has {errors} error(s)")


def _counted(findings, counts: dict[str, int]):
    for finding in findings:
        counts["error" if finding.severity == "error" else "warning"] += 1
        yield finding


def _echo_json_list(items) -> None:
    """Print a JSON list item by item, as :func:`echo_json` prints it whole (the same text)."""
    import json

    from ..text import json_safe

    opened = False
    for item in items:
        text = json.dumps(item, indent=2, ensure_ascii=False, default=str).replace("\n", "\n  ")
        click.echo(json_safe(("[\n  " if not opened else ",\n  ") + text), nl=False)
        opened = True
    click.echo("\n]" if opened else "[]")


@agenda.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--width", type=click.IntRange(min=40), help="Width of the grid (default: the terminal's).")
@json_option
@pass_env
def show(env, activity, width, as_json) -> None:
    """Print an activity's timetable, parallel tracks side by side."""
    import shutil

    from ..agenda import reading as lib
    from ..agenda import timetable, tracks
    from ..registry import activities

    with env.registry() as registry:
        found = activities.get(registry, activity)
        sessions = lib.sessions_of(registry, found.id)
        roles = lib.roles_of(registry, found.id)
        order = tracks.explicit_order(registry, found.id)
    if as_json:
        echo_json(timetable.as_data(found, sessions, roles, order))
        return
    width = width or max(60, min(shutil.get_terminal_size((120, 24)).columns, 160))
    click.echo(for_terminal(timetable.render(found, sessions, roles, width=width, track_order=order)), nl=False)


@agenda.command(name="tracks")
@click.argument("activity", shell_complete=complete_activity)
@click.argument("names", nargs=-1)
@click.option("--by-name", is_flag=True, help="Forget the explicit order: tracks read by name.")
@dry_run_option
@json_option
@pass_env
def tracks_(env, activity, names, by_name, dry_run, as_json) -> None:
    """Show the order of an activity's tracks (the timetable's columns), or set it to NAMES.

    \b
    Tracks keep this order in 'agenda show' and on the website whatever the
    sessions' times; tracks it leaves out follow, by name.

    \b
    Examples:
        peerlearn agenda tracks 13 plenary A B C
        peerlearn agenda tracks 13 --by-name
    """
    from ..agenda import reading as lib
    from ..agenda import tracks
    from ..registry import activities

    if names and by_name:
        raise click.UsageError("give NAMES or --by-name, not both")

    def read(registry):
        found = activities.get(registry, activity)
        explicit = tracks.explicit_order(registry, found.id)
        return found, explicit, tracks.ordered({s.track for s in lib.sessions_of(registry, found.id)}, explicit)

    def report(result) -> None:
        found, explicit, order = result
        if as_json:
            echo_json({"activity": found.id, "explicit": explicit, "tracks": [track for track in order if track]})
            return
        click.echo(", ".join(track for track in order if track) or "No tracks.")
        note("Order: explicit, then by name." if explicit else "Order: by name.")

    if names or by_name:
        def change(registry):
            tracks.set_explicit_order(registry, activities.get(registry, activity), names)
            return read(registry)

        env.write(change, dry_run=dry_run, report=report)
        return
    with env.registry() as registry:
        report(read(registry))


from .releases import diff, release, versions  # noqa: E402 - the release commands join the agenda group

for _command in (release, versions, diff):
    agenda.add_command(_command)

COMMANDS = [agenda]
