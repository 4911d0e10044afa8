"""``peerlearn members``: organisations and people, and their memberships."""

from __future__ import annotations

import click

from .common import (build, dry_run_option, echo_json, echo_record, echo_rows, json_option, note, one_line, parse_day,
                     pass_env)
from .common import output_option, output_stream

#: The roles of a membership (``peerlearn.models.MEMBERSHIP_ROLES``; spelt here so that --help loads no model).
ROLES = ["member", "observer", "secretariat", "chair"]
ROLE_HELP = "Role in the network."


@click.group()
def members() -> None:
    """Members: the organisations and people that belong to networks."""


def _public_row(member, memberships=()) -> dict:
    from ..registry.records import plain

    data = plain(member)
    data.pop("feed_token", None)
    if memberships:
        data["networks"] = [m.network for m in memberships]
    return data


@members.command()
@click.argument("name")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. BE (EU for EU institutions).")
@click.option("--category", default="", help="Member category, e.g. 'ESF managing authority'.")
@click.option("--email", default="", help="Contact email (private: never published).")
@click.option("--type", "member_type", type=click.Choice(["organisation", "person"]), default="organisation",
              show_default=True, help="An organisation or a person.")
@click.option("--network", "join_networks", multiple=True, help="Join this network too (repeatable).")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True, help=ROLE_HELP)
@dry_run_option
@json_option
@pass_env
def add(env, name, country, category, email, member_type, join_networks, role, dry_run, as_json) -> None:
    """Add a member."""
    from ..registry import members as lib
    from ..models import Member

    member = build(Member, f"member {name!r}", name=name, country=country, category=category, email=email,
                   type=member_type)
    added = env.write(lambda registry: lib.add(registry, member, [(slug, role) for slug in join_networks]),
                      dry_run=dry_run)
    if dry_run:
        return
    if as_json:
        echo_json(_public_row(added))
    else:
        click.echo(f"Added member #{added.id}: {added.name} ({added.country}).")


@members.command(name="list")
@click.option("--network", help="Only members of this network.")
@click.option("--country", help="Only members from this country.")
@click.option("--category", help="Only members of this category.")
@json_option
@pass_env
def list_members(env, network, country, category, as_json) -> None:
    """List members."""
    from ..registry import members as lib

    with env.registry() as registry:
        found = lib.list_members(registry, network=network, country=country, category=category)
        rows = [_public_row(member, lib.memberships(registry, member.id)) for member in found]
    echo_rows(rows, as_json, ["id", "name", "country", "category", "networks"], empty="No members match.")


@members.command()
@click.argument("member")
@json_option
@pass_env
def show(env, member, as_json) -> None:
    """Show a member (by number or exact name) and its memberships."""
    from ..registry import members as lib
    from ..registry.records import plain

    with env.registry() as registry:
        found = lib.get(registry, member)
        data = _public_row(found)
        data["memberships"] = [plain(m) for m in lib.memberships(registry, found.id)]
    if as_json:
        echo_json(data)
        return
    data["memberships"] = [f"{m['network']} ({m['role']})" for m in data["memberships"]]
    echo_record(data)


@members.command()
@click.argument("member")
@click.option("--name", help="New name.")
@click.option("--country", help="New country code.")
@click.option("--category", help="New category.")
@click.option("--email", help="New contact email.")
@click.option("--type", "member_type", type=click.Choice(["organisation", "person"]), help="Organisation or person.")
@dry_run_option
@pass_env
def edit(env, member, name, country, category, email, member_type, dry_run) -> None:
    """Change a member's details; its memberships are checked again."""
    from ..registry import members as lib

    values = {k: v for k, v in dict(name=name, country=country, category=category, email=email,
                                     type=member_type).items() if v is not None}
    if not values:
        raise click.UsageError("nothing to change: give at least one option")
    updated = env.write(lambda registry: lib.edit(registry, member, **values), dry_run=dry_run)
    if not dry_run:
        click.echo(one_line(f"Updated member #{updated.id}: {updated.name} ({updated.country})."))


@members.command()
@click.argument("member")
@dry_run_option
@pass_env
def remove(env, member, dry_run) -> None:
    """Remove a member with its memberships and participations."""
    from ..registry import members as lib

    removed = env.write(lambda registry: lib.remove(registry, member), dry_run=dry_run)
    if not dry_run:
        click.echo(one_line(f"Removed member #{removed.id}: {removed.name}."))


@members.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--network", help="Network for rows that name none.")
@dry_run_option
@pass_env
def import_(env, file, network, dry_run) -> None:
    """Import members from a UTF-8 CSV file, all or nothing.

    \b
    Columns: name, country (required); category, email, type, network, role.
    A member may appear on several rows to join several networks.
    """
    from pathlib import Path

    from ..registry.member_csv import import_members

    count = env.write(lambda registry: import_members(registry, Path(file), network), dry_run=dry_run)
    if not dry_run:
        click.echo(f"Imported {count} member(s) from {file}.")


@members.command()
@click.option("--network", help="Only members of this network.")
@click.option("--include-email", is_flag=True, help="Include contact emails (private data: handle with care).")
@output_option
@pass_env
def export(env, network, include_email, output) -> None:
    """Export members as CSV, one row per membership (the import format)."""
    from ..registry.member_csv import export_members

    with env.registry() as registry, output_stream(output) as out:
        count = export_members(registry, out, network=network, include_email=include_email)
    note(f"Exported {count} row(s).")


@members.command()
@click.argument("member")
@click.argument("network")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True, help=ROLE_HELP)
@click.option("--since", help="Date the membership began (YYYY-MM-DD).")
@click.option("--until", help="Date it ends (YYYY-MM-DD).")
@dry_run_option
@pass_env
def join(env, member, network, role, since, until, dry_run) -> None:
    """Make MEMBER a member of NETWORK (or change its role there)."""
    from ..registry import members as lib

    since_day, until_day = parse_day("--since", since), parse_day("--until", until)
    env.write(lambda registry: lib.join(registry, member, network, role, since_day, until_day), dry_run=dry_run)
    if not dry_run:
        click.echo(f"{member} joined {network} as {role}.")


@members.command()
@click.argument("member")
@click.argument("network")
@dry_run_option
@pass_env
def leave(env, member, network, dry_run) -> None:
    """Take MEMBER out of NETWORK."""
    from ..registry import members as lib

    env.write(lambda registry: lib.leave(registry, member, network), dry_run=dry_run)
    if not dry_run:
        click.echo(f"{member} left {network}.")


@members.command(name="feed-url")
@click.argument("member")
@click.option("--base-url", envvar="PEERLEARN_FEEDS_URL", required=True,
              help="Public http(s) address of the feeds (default: $PEERLEARN_FEEDS_URL).")
@json_option
@pass_env
def feed_url(env, member, base_url, as_json) -> None:
    """Print MEMBER's private calendar feed URL (https and webcal): share it only with the member."""
    from ..feeds.layout import feed_url as url_of
    from ..feeds.layout import webcal as webcal_of
    from ..registry import members as lib

    with env.registry() as registry:
        found = lib.get(registry, member)
    url = url_of(base_url, "member", found.feed_token)
    webcal = webcal_of(url)
    if as_json:
        echo_json({"member": found.id, "url": url, "webcal": webcal})
    else:
        click.echo(url)
        click.echo(webcal)


@members.command(name="rotate-token")
@click.argument("member")
@dry_run_option
@pass_env
def rotate_token(env, member, dry_run) -> None:
    """Give MEMBER a new feed token: the old feed URL stops working at once."""
    from ..registry import members as lib

    updated = env.write(lambda registry: lib.rotate_token(registry, member), dry_run=dry_run)
    if not dry_run:
        click.echo(f"New feed token for member #{updated.id}; the old URL no longer works"
                   " (rebuild static feeds with 'peerlearn feeds build').")


COMMANDS = [members]
