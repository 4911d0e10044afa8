"""``peerlearn sessions``: the items of an activity's agenda."""

from __future__ import annotations

import click

from .common import build, confirmation, dry_run_option, echo_json, echo_table, json_option, one_line, pass_env
from .completion import complete_activity

KINDS = ["opening", "keynote", "panel", "workshop", "plenary", "qa", "break", "closing"]
TIME_HELP = "HH:MM on the activity's first day, or 'YYYY-MM-DD HH:MM', in the activity's timezone."


def session_time(option: str, text: str, base, tzname: str):
    """Parse a session's start or end typed by a person (a bare HH:MM is on ``base``'s day)."""
    from ..errors import ValidationError
    from .common import parse_end

    moment, date_only = parse_end(option, text, base, tzname)
    if date_only:
        raise ValidationError(f"{option}: {text!r} needs a time of day (e.g. 11:45)")
    return moment


@click.group()
def sessions() -> None:
    """Sessions: the agenda of an activity (panels, workshops in parallel tracks, breaks…)."""


@sessions.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--title", required=True, help="Title.")
@click.option("--kind", type=click.Choice(KINDS), default="plenary", show_default=True, help="Kind of session.")
@click.option("--start", required=True, help="Start: " + TIME_HELP)
@click.option("--end", required=True, help="End: HH:MM on the start's day, or 'YYYY-MM-DD HH:MM'.")
@click.option("--track", default="", help="Track: sessions in different tracks at the same time run in parallel.")
@click.option("--room", default="", help="Room.")
@click.option("--description", default="", help="What the session is about.")
@click.option("--key", default="", help="Key naming it in programme files (default: made from the title).")
@dry_run_option
@json_option
@pass_env
def add(env, activity, title, kind, start, end, track, room, description, key, dry_run, as_json) -> None:
    """Add a session to an activity's agenda.

    \b
    Examples:
        peerlearn sessions add 13 --title "Opening panel" --kind panel --start "2026-06-10 09:30" --end 10:30
        peerlearn sessions add 13 --title "Workshop A" --kind workshop --start "2026-06-10 11:00" --end 12:30 \\
            --track A --room "Room 2"
    """
    from ..agenda.sessions import add_session
    from ..models import Session
    from ..registry import activities
    from ..registry.records import plain

    def action(registry):
        found = activities.get(registry, activity)
        start_at = session_time("--start", start, found.start, found.timezone)
        end_at = session_time("--end", end, start_at, found.timezone)
        session = build(Session, f"session {title!r}", activity_id=found.id, title=title, kind=kind,
                        start=start_at, end=end_at, timezone=found.timezone, track=track, room=room,
                        description=description, key=key)
        return add_session(registry, session)

    env.write(action, dry_run=dry_run, report=confirmation(
        as_json, plain, lambda added: f"Added session #{added.id} ({added.key}): {added.title}"
                                      f" {added.local_start:%H:%M}-{added.local_end:%H:%M}."))


@sessions.command()
@click.argument("activity", shell_complete=complete_activity)
@click.argument("session")
@click.option("--title", help="New title.")
@click.option("--kind", type=click.Choice(KINDS), help="New kind.")
@click.option("--track", help="New track ('' for none).")
@click.option("--room", help="New room ('' for none).")
@click.option("--description", help="New description.")
@click.option("--key", help="New key.")
@dry_run_option
@pass_env
def edit(env, activity, session, dry_run, **fields) -> None:
    """Change a session's details (SESSION is its number or key; use move for its time).

    \b
    Examples:
        peerlearn sessions edit 13 workshop-2 --room "Room 3"
        peerlearn sessions edit 13 7 --title "Skills and jobs" --track B --dry-run
    """
    from ..agenda.sessions import edit_session

    values = {k: v for k, v in fields.items() if v is not None}
    if not values:
        raise click.UsageError("nothing to change: give at least one option")
    env.write(lambda registry: edit_session(registry, activity, session, **values), dry_run=dry_run,
              report=lambda updated: click.echo(one_line(f"Updated session #{updated.id}: {updated.title}.")))


@sessions.command()
@click.argument("activity", shell_complete=complete_activity)
@click.argument("session")
@click.option("--start", required=True, help="New start: " + TIME_HELP)
@click.option("--end", help="New end; by default the session keeps its length.")
@dry_run_option
@pass_env
def move(env, activity, session, start, end, dry_run) -> None:
    """Move a session to another time (SESSION is its number or key).

    \b
    Examples:
        peerlearn sessions move 13 workshop-2 --start 14:00 --end 15:30
        peerlearn sessions move 13 7 --start "2026-06-11 09:30" --end 11:00 --dry-run
    """
    from ..agenda.sessions import move_session
    from ..registry import activities

    def action(registry):
        found = activities.get(registry, activity)
        start_at = session_time("--start", start, found.start, found.timezone)
        end_at = session_time("--end", end, start_at, found.timezone) if end else None
        return move_session(registry, found.id, session, start_at, end_at)

    env.write(action, dry_run=dry_run,
              report=lambda moved: click.echo(f"Moved session #{moved.id} to"
                                              f" {moved.local_start:%Y-%m-%d %H:%M}-{moved.local_end:%H:%M}."))


@sessions.command()
@click.argument("activity", shell_complete=complete_activity)
@click.argument("session")
@dry_run_option
@pass_env
def remove(env, activity, session, dry_run) -> None:
    """Remove a session entered by mistake, with its roles (SESSION is its number or key).

    It leaves every feed at once. To call off a session that was announced,
    use 'cancel': it stays on record and calendars show it cancelled.

    \b
    Examples:
        peerlearn sessions remove 13 workshop-2 --dry-run
        peerlearn sessions remove 13 7
    """
    from ..agenda.sessions import remove_session

    env.write(lambda registry: remove_session(registry, activity, session), dry_run=dry_run,
              report=lambda removed: click.echo(one_line(f"Removed session #{removed.id}: {removed.title}.")))


def _status_command(name: str, verb: str, doc: str):
    """``sessions cancel`` and ``sessions reinstate``: the same arguments, options and output."""

    @click.command(name=name, help=doc)
    @click.argument("activity", shell_complete=complete_activity)
    @click.argument("session")
    @dry_run_option
    @json_option
    @pass_env
    def command(env, activity, session, dry_run, as_json) -> None:
        from ..agenda import sessions as lib
        from ..registry.records import plain

        change = getattr(lib, f"{name}_session")
        env.write(lambda registry: change(registry, activity, session), dry_run=dry_run, report=confirmation(
            as_json, plain, lambda done: f"{verb} session #{done.id} ({done.key}): {done.title}"
                                         f" {done.local_start:%Y-%m-%d %H:%M}-{done.local_end:%H:%M}."))

    return command


sessions.add_command(_status_command("cancel", "Cancelled", """Cancel a session (SESSION is its number or key).

    \b
    It stays in the programme: struck through in 'agenda show' and on the
    website, kept in every calendar feed with STATUS:CANCELLED so subscribed
    calendars mark it, and listed in the yearly report. Its roles are kept;
    checks leave it out. Use 'remove' only for a session entered by mistake.

    \b
    Examples:
        peerlearn sessions cancel 13 workshop-2
        peerlearn sessions cancel 13 7 --dry-run
    """))
sessions.add_command(_status_command("reinstate", "Reinstated", """Reinstate a cancelled session (SESSION is its number or key).

    \b
    The session takes place again, with its roles; it is checked again, so a
    room or a confirmed person taken meanwhile refuses it.

    \b
    Examples:
        peerlearn sessions reinstate 13 workshop-2
    """))


@sessions.command(name="list")
@click.argument("activity", shell_complete=complete_activity)
@json_option
@pass_env
def list_sessions(env, activity, as_json) -> None:
    """List an activity's sessions in time order."""
    from ..agenda.reading import sessions_of
    from ..registry import activities
    from ..registry.records import plain

    with env.registry() as registry:
        found = sessions_of(registry, activities.get(registry, activity).id)
    if as_json:
        echo_json([plain(session) for session in found])
        return
    rows = [{**plain(s), "when": f"{s.local_start:%Y-%m-%d %H:%M}-{s.local_end:%H:%M}",
             "status": "CANCELLED" if s.status == "cancelled" else ""} for s in found]
    echo_table(rows, ["id", "key", "when", "kind", "track", "room", "status", "title"], empty="No sessions yet.",
               shrink=["key", "track", "room", "title"])


COMMANDS = [sessions]
