"""``peerlearn activities``: schedule, list, change, cancel, complete and delete."""

from __future__ import annotations

import click

from ..limits import MAX_COUNT
from .common import (build, confirmation, dry_run_option, echo_json, echo_record, echo_rows, json_option, one_line,
                     parse_moment, pass_env, time_window, window_options, window_zone)
from .completion import complete_activity, complete_kind, complete_network

TIME_HELP = "Type times as '2026-06-10 09:30' or dates as '2026-06-10' (a whole day), in --tz or the network's zone."


def _span(option: str, start: str, end: str | None, tzname: str):
    from ..errors import ValidationError
    from ..timeutil import parse_span

    try:
        return parse_span(start, end, tzname)
    except ValueError as error:
        raise ValidationError(f"{option}: {error}") from None


def _typed_zone(tz: str | None) -> str | None:
    """``--tz`` as typed, checked (None where not given): a wrong zone is refused naming --tz, not the times."""
    from ..errors import ValidationError
    from ..timeutil import zone

    if tz is None:
        return None
    try:
        zone(tz)
    except ValueError as error:
        raise ValidationError(f"--tz: {error}") from None
    return tz


def _rule(text: str | None) -> str | None:
    """The --rrule typed, checked as the feeds will write it (None when not given)."""
    from ..errors import ValidationError
    from ..registry.recurrence import normalize

    if text is None:
        return None
    try:
        return normalize(text)
    except ValidationError as error:
        raise ValidationError(f"--rrule: {error}") from None


def _member_id(registry, ref):
    from ..registry import members

    return members.get(registry, ref).id if ref else None


@click.group()
def activities() -> None:
    """Activities: workshops, peer reviews, site visits, conferences…"""


def _detail_options(command):
    for option in reversed([
        click.option("--description", help="What the activity is about."),
        click.option("--venue", help="Venue name."),
        click.option("--city", help="City."),
        click.option("--country", help="ISO country code where it takes place."),
        click.option("--online-url", help="Link for an online activity."),
        click.option("--host", help="Host member (number or exact name), e.g. of a peer review."),
        click.option("--peer", "peers", multiple=True, help="A peer member (repeatable)."),
        click.option("--theme", "themes", multiple=True, help="A theme (repeatable)."),
        click.option("--capacity", type=click.IntRange(1, MAX_COUNT), help="Places available; registrations beyond wait."),
        click.option("--country-quota", type=click.IntRange(1, MAX_COUNT), help="Delegates allowed per country."),
        click.option("--rrule", help="Recurrence rule (RFC 5545), e.g. FREQ=MONTHLY;BYDAY=1TU; '' removes it."),
    ]):
        command = option(command)
    return command


@activities.command()
@click.option("--network", required=True, shell_complete=complete_network, help="The network that runs it.")
@click.option("--kind", required=True, shell_complete=complete_kind,
              help="workshop, peer_review, site_visit, conference, webinar, …")
@click.option("--title", required=True, help="Title.")
@click.option("--start", required=True, help="Start. " + TIME_HELP)
@click.option("--end", help="End, or just HH:MM on the start day. Defaults to the end of a whole-day start.")
@click.option("--tz", help="IANA timezone of the times typed (default: the network's).")
@click.option("--status", type=click.Choice(["draft", "tentative", "confirmed"]), default="confirmed",
              show_default=True, help="Status to begin with.")
@_detail_options
@dry_run_option
@json_option
@pass_env
def add(env, network, kind, title, start, end, tz, status, host, peers, dry_run, as_json, **details) -> None:
    """Schedule an activity.

    \b
    Examples:
        peerlearn activities add --network learning --kind workshop --title "Skills for the green transition" \\
            --start "2026-06-10 09:30" --end 17:00 --city Lisbon --country PT --capacity 40
        peerlearn activities add --network jobs --kind webinar --title "Youth guarantee" --start 2026-09-15 \\
            --online-url https://meet.example.org/youth --status tentative --dry-run
    """
    from ..models import Activity
    from ..registry import activities as lib
    from ..registry import networks
    from ..registry.records import plain

    details["rrule"] = _rule(details.get("rrule"))

    def action(registry):
        tzname = _typed_zone(tz) or networks.get(registry, network).timezone
        start_at, end_at, all_day = _span("--start/--end", start, end, tzname)
        fields = {k: v for k, v in details.items() if v not in (None, ())}
        activity = build(
            Activity, f"activity {title!r}", network=network, kind=kind, title=title, start=start_at, end=end_at,
            timezone=tzname, all_day=all_day, status=status, host_member_id=_member_id(registry, host),
            peer_member_ids=[_member_id(registry, peer) for peer in peers], **fields,
        )
        return lib.add(registry, activity)

    env.write(action, dry_run=dry_run, report=confirmation(
        as_json, plain, lambda added: f"Added activity #{added.id}: {added.title}"
                                      f" ({added.local_start:%Y-%m-%d %H:%M} {added.timezone})."))


def _row(activity) -> dict:
    from ..registry.records import plain

    data = plain(activity)
    data["when"] = (f"{activity.local_start:%Y-%m-%d}" if activity.all_day
                    else f"{activity.local_start:%Y-%m-%d %H:%M}")
    data["where"] = activity.city or ("online" if activity.online_url else "")
    return data


@activities.command(name="list")
@click.option("--network", shell_complete=complete_network, help="Only this network's activities.")
@click.option("--kind", shell_complete=complete_kind, help="Only this kind.")
@click.option("--status", type=click.Choice(["draft", "tentative", "confirmed", "cancelled", "completed"]),
              help="Only this status.")
@window_options("activities")
@json_option
@pass_env
def list_activities(env, network, kind, status, from_, to, tz, as_json) -> None:
    """List activities in time order.

    \b
    Examples:
        peerlearn activities list --network learning --from 2026-01-01 --to 2026-06-30
        peerlearn activities list --kind peer_review --status confirmed --json
    """
    from ..registry import activities as lib

    with env.registry() as registry:
        start, end = time_window(from_, to, window_zone(registry, tz, network, needed=bool(from_ or to)))
        found = lib.list_activities(registry, network=network, kind=kind, status=status, start=start, end=end)
    rows = [_row(activity) for activity in found]
    echo_rows(rows, as_json, ["id", "when", "network", "kind", "status", "title", "where"], empty="No activities match.",
              shrink=["network", "kind", "title", "where"])


@activities.command()
@click.argument("activity", shell_complete=complete_activity)
@json_option
@pass_env
def show(env, activity, as_json) -> None:
    """Show one activity with its host, peers, participants and outputs."""
    from ..registry import activities as lib
    from ..registry import members, participation
    from ..registry.records import plain

    with env.registry() as registry:
        found = lib.get(registry, activity)
        data = _row(found)
        data["host"] = members.get(registry, found.host_member_id).name if found.host_member_id else None
        data["peers"] = [members.get(registry, peer).name for peer in found.peer_member_ids]
        data["participants"] = participation.list_participants(registry, found.id)
        data["outputs"] = [plain(output) for output in participation.list_outputs(registry, activity_id=found.id)]
    if as_json:
        echo_json(data)
        return
    data["participants"] = f"{len(data['participants'])}"
    data["outputs"] = [output["title"] for output in data["outputs"]]
    data["start"] = f"{found.local_start:%Y-%m-%d %H:%M}"
    data["end"] = f"{found.local_end:%Y-%m-%d %H:%M}"
    for key in ("peer_member_ids", "host_member_id", "when", "where"):
        data.pop(key, None)
    echo_record({k: v for k, v in data.items() if v not in ("", None, [], ())})


@activities.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--title", help="New title.")
@click.option("--kind", shell_complete=complete_kind, help="New kind.")
@click.option("--status", type=click.Choice(["draft", "tentative", "confirmed"]),
              help="New status: a draft becomes tentative or confirmed, and never goes back to draft"
                   " (use cancel, complete and reinstate for the rest).")
@_detail_options
@dry_run_option
@pass_env
def edit(env, activity, host, peers, dry_run, **fields) -> None:
    """Change an activity's details (use reschedule to move it).

    A capacity lowered below the places already taken is kept with a
    warning naming who is over it; they keep their places until they
    decline. A capacity or --country-quota raised moves people up from the
    waiting list while they fit, first waitlisted first, naming each.

    \b
    Examples:
        peerlearn activities edit 7 --venue "Palácio Foz" --capacity 40
        peerlearn activities edit 7 --capacity 60 --dry-run    # who would move up
    """
    from ..agenda import schedule

    fields["rrule"] = _rule(fields.get("rrule"))
    values = {k: v for k, v in fields.items() if v not in (None, ())}

    def action(registry):
        if host:
            values["host_member_id"] = _member_id(registry, host)
        if peers:
            values["peer_member_ids"] = [_member_id(registry, peer) for peer in peers]
        if not values:
            raise click.UsageError("nothing to change: give at least one option")
        return schedule.edit(registry, activity, **values)

    env.write(action, dry_run=dry_run,
              report=lambda updated: click.echo(f"Updated activity #{updated.id} (sequence {updated.sequence})."))


@activities.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--start", required=True, help="New start. " + TIME_HELP)
@click.option("--end", help="New end; by default the activity keeps its length.")
@click.option("--tz", help="Timezone of the times typed (default: the activity's).")
@dry_run_option
@pass_env
def reschedule(env, activity, start, end, tz, dry_run) -> None:
    """Move an activity to a new date or time.

    \b
    Examples:
        peerlearn activities reschedule 7 --start 2026-06-17    # same time, a week later
        peerlearn activities reschedule 7 --start "2026-06-17 14:00" --end 18:00 --tz Europe/Lisbon
    """
    from ..agenda import schedule
    from ..registry import activities as lib

    def action(registry):
        current = lib.get(registry, activity)
        tzname = _typed_zone(tz) or current.timezone
        if end:
            start_at, end_at, all_day = _span("--start/--end", start, end, tzname)
            return schedule.reschedule(registry, current.id, start_at, end_at, all_day=all_day)
        start_at, date_only = parse_moment("--start", start, tzname)
        if date_only and not current.all_day:
            start_at = start_at.replace(hour=current.local_start.hour, minute=current.local_start.minute)
            start_at = parse_moment("--start", f"{start_at:%Y-%m-%d %H:%M}", tzname)[0]
        return schedule.reschedule(registry, current.id, start_at)

    env.write(action, dry_run=dry_run,
              report=lambda moved: click.echo(f"Rescheduled activity #{moved.id} to"
                                              f" {moved.local_start:%Y-%m-%d %H:%M} {moved.timezone}"
                                              f" (sequence {moved.sequence})."))


def _status_command(name: str, verb: str, doc: str):
    @click.command(name=name, help=doc)
    @click.argument("activity", shell_complete=complete_activity)
    @dry_run_option
    @pass_env
    def command(env, activity, dry_run) -> None:
        from ..agenda import schedule

        env.write(lambda registry: getattr(schedule, name)(registry, activity), dry_run=dry_run,
                  report=lambda changed: click.echo(one_line(f"{verb} activity #{changed.id}: {changed.title}.")))

    return command


activities.add_command(_status_command(
    "cancel", "Cancelled", "Cancel an activity; it stays on record and in feeds as cancelled (reinstate brings it"
    " back).\n\n\b\nExamples:\n    peerlearn activities cancel 7 --dry-run\n    peerlearn activities cancel 7"))
activities.add_command(_status_command(
    "delete", "Deleted", "Delete an activity entered by mistake (cancel one that will not happen).\n\n\b\nExamples:"
    "\n    peerlearn activities delete 7 --dry-run\n    peerlearn activities delete 7"))


@activities.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--allow-early", is_flag=True,
              help="Allow it before the activity starts, with a warning: to rehearse the steps after an event"
                   " (or see --today in 'peerlearn --help').")
@dry_run_option
@pass_env
def complete(env, activity, allow_early, dry_run) -> None:
    """Mark an activity that has taken place as completed (final).

    \b
    Examples:
        peerlearn activities complete 7
        peerlearn activities complete 7 --allow-early --dry-run    # rehearse before the day
    """
    from ..agenda import schedule as lib

    env.write(lambda registry: lib.complete(registry, activity, now=env.now(), allow_early=allow_early),
              dry_run=dry_run,
              report=lambda changed: click.echo(one_line(f"Completed activity #{changed.id}: {changed.title}.")))


@activities.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--status", type=click.Choice(["confirmed", "tentative"]), default="confirmed", show_default=True,
              help="What the activity becomes again.")
@dry_run_option
@pass_env
def reinstate(env, activity, status, dry_run) -> None:
    """Bring back a cancelled activity: calendars that showed it cancelled show it again (SEQUENCE rises).

    \b
    Examples:
        peerlearn activities reinstate 7
        peerlearn activities reinstate 7 --status tentative
    """
    from ..agenda import schedule

    env.write(lambda registry: schedule.reinstate(registry, activity, status), dry_run=dry_run,
              report=lambda changed: click.echo(f"Reinstated activity #{changed.id} as {changed.status}"
                                                f" (sequence {changed.sequence})."))


@activities.command(name="cancel-occurrence")
@click.argument("activity", shell_complete=complete_activity)
@click.argument("start")
@click.option("--tz", help="IANA timezone of START (default: the activity's).")
@dry_run_option
@pass_env
def cancel_occurrence(env, activity, start, tz, dry_run) -> None:
    """Cancel one occurrence of a recurring ACTIVITY, the one starting at START (an EXDATE in feeds).

    \b
    Examples:
        peerlearn activities cancel-occurrence 7 "2026-12-01 10:00"
        peerlearn activities cancel-occurrence 7 2026-12-01 --tz Europe/Lisbon --dry-run
    """
    from ..registry import activities as lib
    from ..registry.occurrences import cancel_occurrence as cancel

    def action(registry):
        current = lib.get(registry, activity)
        moment, _date_only = parse_moment("START", start, _typed_zone(tz) or current.timezone)
        return cancel(registry, current.id, moment)

    env.write(action, dry_run=dry_run,
              report=lambda cancelled: click.echo(f"Cancelled the occurrence of activity {activity} at {start}"
                                                  f" ({len(cancelled)} occurrence(s) cancelled in all)."))


COMMANDS = [activities]
