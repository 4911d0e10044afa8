"""``peerlearn roles``: who chairs, moderates, speaks, sits on a panel or reports."""

from __future__ import annotations

import click

from ..limits import MAX_MINUTES
from .common import build, confirmation, dry_run_option, echo_rows, json_option, one_line, pass_env
from .completion import complete_activity

ROLE_KINDS = ["chair", "moderator", "speaker", "panellist", "rapporteur"]
STATUSES = ["confirmed", "tbc", "tbd", "declined"]


@click.group()
def roles() -> None:
    """Roles: people on sessions, with a status (confirmed, tbc, tbd, declined)."""


def _member_id(registry, ref):
    from ..registry import members

    return members.get(registry, ref).id if ref else None


@roles.command()
@click.argument("activity", shell_complete=complete_activity)
@click.argument("session")
@click.option("--role", "role_kind", type=click.Choice(ROLE_KINDS), required=True, help="What the person does.")
@click.option("--name", default="", help="The person's name (leave out for a tbd role with no one yet).")
@click.option("--affiliation", default="", help="Organisation the person speaks for.")
@click.option("--email", default="", help="Contact email (private: never exported or logged).")
@click.option("--member", help="A registered member this person is (number or exact name).")
@click.option("--status", type=click.Choice(STATUSES), default="tbc", show_default=True, help="Status.")
@click.option("--speaking-minutes", type=click.IntRange(0, MAX_MINUTES), help="Minutes the person speaks.")
@click.option("--prerecorded-minutes", type=click.IntRange(0, MAX_MINUTES), help="Minutes of pre-recorded contribution.")
@click.option("--note", default="", help="Topic or remark, e.g. what the panellist speaks about.")
@dry_run_option
@json_option
@pass_env
def add(env, activity, session, role_kind, name, affiliation, email, member, status, speaking_minutes,
        prerecorded_minutes, note, dry_run, as_json) -> None:
    """Put a person (or a tbd placeholder) on a session (SESSION is its number or key).

    \b
    Examples:
        peerlearn roles add 13 opening --role chair --name "Maria Costa" --affiliation "DG EMPL" --status confirmed
        peerlearn roles add 13 workshop-2 --role speaker --status tbd --speaking-minutes 15
    """
    from ..agenda.roles import add_role
    from ..models import Role
    from ..registry.records import public

    def action(registry):
        role = build(Role, f"{role_kind} role", session_id=0, role=role_kind, name=name, affiliation=affiliation,
                     email=email, member_id=_member_id(registry, member), status=status,
                     speaking_minutes=speaking_minutes, prerecorded_minutes=prerecorded_minutes, note=note)
        return add_role(registry, activity, session, role)

    env.write(action, dry_run=dry_run, report=confirmation(
        as_json, public, lambda added: f"Added role #{added.id}: {added.role} {added.who} ({added.status})."))


@roles.command()
@click.argument("role_id", metavar="ROLE")
@click.option("--name", help="The person's name, for a role that had none.")
@click.option("--affiliation", help="Organisation the person speaks for.")
@click.option("--member", help="A registered member this person is (number or exact name).")
@dry_run_option
@pass_env
def confirm(env, role_id, name, affiliation, member, dry_run) -> None:
    """Confirm a role (by its number), naming the person where it had none.

    \b
    Examples:
        peerlearn roles confirm 12
        peerlearn roles confirm 12 --name "Jan Novak" --affiliation "MPSV"
    """
    from ..agenda.roles import confirm_role

    def action(registry):
        return confirm_role(registry, role_id, name=name, affiliation=affiliation,
                                   member_id=_member_id(registry, member))

    env.write(action, dry_run=dry_run,
              report=lambda done: click.echo(one_line(f"Confirmed role #{done.id}: {done.role} {done.who}.")))


@roles.command()
@click.argument("role_id", metavar="ROLE")
@click.option("--status", type=click.Choice(STATUSES), help="New status.")
@click.option("--speaking-minutes", type=click.IntRange(0, MAX_MINUTES), help="Minutes the person speaks.")
@click.option("--prerecorded-minutes", type=click.IntRange(0, MAX_MINUTES), help="Minutes of pre-recorded contribution.")
@click.option("--affiliation", help="Organisation the person speaks for ('' for none).")
@click.option("--note", help="Topic or remark ('' for none).")
@dry_run_option
@json_option
@pass_env
def edit(env, role_id, dry_run, as_json, **fields) -> None:
    """Change a role (by its number) in place: it keeps its number and its person.

    \b
    Examples:
        peerlearn roles edit 12 --status confirmed --speaking-minutes 10
        peerlearn roles edit 12 --affiliation "OECD" --note "Trends in integration"
    """
    from ..agenda.roles import edit_role
    from ..registry.records import public

    values = {name: value for name, value in fields.items() if value is not None}
    if not values:
        raise click.UsageError("nothing to change: give at least one option")
    env.write(lambda registry: edit_role(registry, role_id, **values), dry_run=dry_run, report=confirmation(
        as_json, public, lambda done: f"Updated role #{done.id}: {done.role} {done.who} ({done.status})."))


@roles.command()
@click.argument("role_id", metavar="ROLE")
@dry_run_option
@pass_env
def decline(env, role_id, dry_run) -> None:
    """Record that the person of a role (by its number) declined.

    \b
    Examples:
        peerlearn roles decline 12
        peerlearn roles decline 12 --dry-run
    """
    from ..agenda.roles import decline_role

    env.write(lambda registry: decline_role(registry, role_id), dry_run=dry_run,
              report=lambda done: click.echo(one_line(f"Role #{done.id}: {done.who} declined.")))


@roles.command()
@click.argument("role_id", metavar="ROLE")
@dry_run_option
@pass_env
def remove(env, role_id, dry_run) -> None:
    """Remove a role (by its number) entered by mistake.

    \b
    Examples:
        peerlearn roles remove 12 --dry-run
        peerlearn roles remove 12
    """
    from ..agenda.roles import remove_role

    env.write(lambda registry: remove_role(registry, role_id), dry_run=dry_run,
              report=lambda done: click.echo(one_line(f"Removed role #{done.id}: {done.role} {done.who}.")))


@roles.command(name="list")
@click.argument("activity", shell_complete=complete_activity)
@click.option("--session", help="Only this session's roles (number or key).")
@click.option("--status", type=click.Choice(STATUSES), help="Only roles with this status.")
@json_option
@pass_env
def list_roles(env, activity, session, status, as_json) -> None:
    """List the roles on an activity's sessions (emails stay private; cancelled sessions are marked)."""
    from ..agenda.reading import get_session, roles_of, sessions_of
    from ..registry import activities
    from ..registry.records import public

    with env.registry() as registry:
        found = activities.get(registry, activity)
        session_id = get_session(registry, found, session).id if session else None
        by_id = {s.id: s for s in sessions_of(registry, found.id)}
        rows = [{**public(role), "session": by_id[role.session_id].title, "who": role.who,
                 "session_status": by_id[role.session_id].status}
                for role in roles_of(registry, found.id, session_id) if status in (None, role.status)]
    if not as_json:
        for row in rows:
            if row["session_status"] == "cancelled":
                row["session"] += " (CANCELLED)"
    echo_rows(rows, as_json, ["id", "session", "role", "who", "affiliation", "status", "speaking_minutes"],
                   empty="No roles match.")


COMMANDS = [roles]
