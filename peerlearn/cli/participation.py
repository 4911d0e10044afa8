"""``peerlearn participants`` and ``peerlearn outputs``: who took part, what came out."""

from __future__ import annotations

import click

from .common import build, confirmation, dry_run_option, echo_rows, json_option, parse_day, pass_env
from .completion import complete_activity, complete_network

#: The kinds of output (``peerlearn.models.OUTPUT_KINDS``; spelt here so that --help loads no model).
OUTPUT_KINDS = ["thematic_report", "final_report", "paper", "recording", "slides", "good_practice", "other"]


@click.group()
def participants() -> None:
    """Participants: invite members, register them, mark who attended."""


ALLOW_EARLY_HELP = ("Allow it before the activity starts, with a warning: to rehearse the steps after an event"
                    " (or see --today in 'peerlearn --help').")


def _participation_command(name: str, status: str, doc: str):
    @click.command(name=name, help=doc)
    @click.argument("activity", shell_complete=complete_activity)
    @click.argument("member_refs", nargs=-1, required=True, metavar="MEMBER...")
    @dry_run_option
    @pass_env
    def command(env, activity, member_refs, dry_run, allow_early=False) -> None:
        from ..registry import participation

        def action(registry):
            return [participation.set_status(registry, activity, ref, status, now=env.now(), allow_early=allow_early)
                    for ref in member_refs]

        def report(done) -> None:
            for item in done:
                click.echo(f"Member #{item.member_id}: {item.status} for activity #{item.activity_id}.")

        env.write(action, dry_run=dry_run, report=report)

    if status == "attended":
        command = click.option("--allow-early", is_flag=True, help=ALLOW_EARLY_HELP)(command)
    return command


for _name, _status, _doc, _examples in (
    ("register", "registered",
     "Register members for an activity; beyond its capacity or per-country quota they are waitlisted.",
     ['peerlearn participants register 7 "VDAB" 12', "peerlearn participants register 7 15 --dry-run"]),
    ("attend", "attended", "Mark members as having attended an activity, once it has started (see --allow-early).",
     ['peerlearn participants attend 7 "VDAB" 12 15',
      "peerlearn participants attend 7 12 --allow-early --dry-run    # rehearse before the day"]),
    ("decline", "declined",
     "Record that members declined an activity; a freed place goes to the first waitlisted member who fits.",
     ['peerlearn participants decline 7 "VDAB"', "peerlearn participants decline 7 12 15 --dry-run"]),
):
    participants.add_command(_participation_command(
        _name, _status, _doc + "\n\n\b\nExamples:\n" + "\n".join(f"    {line}" for line in _examples)))


@participants.command()
@click.argument("activity", shell_complete=complete_activity)
@click.argument("member_refs", nargs=-1, metavar="[MEMBER]...")
@click.option("--network", shell_complete=complete_network, help="Invite every current member of this network.")
@click.option("--all-members", is_flag=True, help="Invite every current member of the activity's own network.")
@click.option("--category", help="With --network or --all-members: only members of this category in that network.")
@dry_run_option
@pass_env
def invite(env, activity, member_refs, network, all_members, category, dry_run) -> None:
    """Invite members (by number or exact name), a whole network, or one category of it.

    \b
    Examples:
        peerlearn participants invite 7 --all-members
        peerlearn participants invite 7 --network jobs --category "public employment service"
        peerlearn participants invite 7 "VDAB" 12 --dry-run
    """
    from ..registry import participation

    if not (member_refs or network or all_members):
        raise click.UsageError("name members, or give --network or --all-members")
    if category and not (network or all_members):
        raise click.UsageError("--category needs --network or --all-members")

    def action(registry):
        done = [participation.set_status(registry, activity, ref, "invited") for ref in member_refs]
        if network or all_members:
            done += participation.invite_group(registry, activity, network=network, category=category,
                                               today=env.today())
        return done

    env.write(action, dry_run=dry_run,
              report=lambda done: click.echo(f"Invited {len(done)} member(s) to activity #{activity}."))


@participants.command()
@click.argument("activity", shell_complete=complete_activity)
@json_option
@pass_env
def counts(env, activity, as_json) -> None:
    """Count an activity's participants by country and status (and who is over the country quota)."""
    from ..registry import participation

    with env.registry() as registry:
        rows = participation.counts_by_country(registry, activity)
    columns = ["country", "invited", "registered", "waitlisted", "attended", "declined", "total", "over_quota"]
    echo_rows(rows, as_json, columns, empty="No participants yet.")


@participants.command(name="list")
@click.argument("activity", shell_complete=complete_activity)
@json_option
@pass_env
def list_participants(env, activity, as_json) -> None:
    """List an activity's participants and their status."""
    from ..registry import participation

    with env.registry() as registry:
        rows = participation.list_participants(registry, activity)
    echo_rows(rows, as_json, ["member_id", "name", "country", "status"], empty="No participants yet.")


@click.group()
def outputs() -> None:
    """Outputs: the reports, papers, recordings and slides activities produce."""


@outputs.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--kind", required=True, type=click.Choice(OUTPUT_KINDS), help="What it is.")
@click.option("--title", required=True, help="Title.")
@click.option("--url", default="", help="Where it is published.")
@click.option("--date", "date_text", help="Publication date (YYYY-MM-DD).")
@click.option("--country", help="Country of a good practice.")
@click.option("--theme", "themes", multiple=True, help="A theme (repeatable).")
@click.option("--description", default="", help="A short description.")
@dry_run_option
@json_option
@pass_env
def add(env, activity, kind, title, url, date_text, country, themes, description, dry_run, as_json) -> None:
    """Record an output of an activity.

    \b
    Examples:
        peerlearn outputs add 7 --kind final_report --title "Final report" \\
            --url https://learning.example.org/report.pdf --date 2026-07-15
        peerlearn outputs add 7 --kind good_practice --title "One-stop shops" --country SE --theme youth
    """
    from ..models import Output
    from ..registry import activities, participation
    from ..registry.records import plain

    day = parse_day("--date", date_text)

    def action(registry):
        found = activities.get(registry, activity)
        output = build(Output, f"output {title!r}", activity_id=found.id, kind=kind, title=title, url=url, date=day,
                       country=country, themes=themes, description=description)
        return participation.add_output(registry, output)

    env.write(action, dry_run=dry_run,
              report=confirmation(as_json, plain, lambda added: f"Added output #{added.id}: {added.title}."))


@outputs.command(name="list")
@click.option("--activity", shell_complete=complete_activity, help="Only this activity's outputs.")
@click.option("--network", shell_complete=complete_network, help="Only this network's outputs.")
@click.option("--kind", type=click.Choice(OUTPUT_KINDS), help="Only this kind of output.")
@json_option
@pass_env
def list_outputs(env, activity, network, kind, as_json) -> None:
    """List outputs."""
    from ..registry import participation
    from ..registry.records import plain

    with env.registry() as registry:
        found = participation.list_outputs(registry, activity_id=activity, network=network, kind=kind)
    rows = [plain(output) for output in found]
    echo_rows(rows, as_json, ["id", "activity_id", "kind", "date", "title", "url"], empty="No outputs yet.")


COMMANDS = [participants, outputs]
