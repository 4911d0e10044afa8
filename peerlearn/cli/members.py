"""``peerlearn members``: organisations and people, and their memberships."""

from __future__ import annotations

import click

from .common import (build, confirmation, dry_run_option, echo_json, echo_record, echo_rows, json_option, note,
                     one_line, parse_day, pass_env)
from .completion import complete_network
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
        data["memberships"] = [{k: v for k, v in plain(m).items() if k != "member_id"} for m in memberships]
    return data


def _categories(memberships, network: str | None = None) -> str:
    """A member's categories for a table: each network's, ``expert (learning)``; one network's alone."""
    if network:
        return next((m.category for m in memberships if m.network == network), "")
    named = [m for m in memberships if m.category]
    if len({m.category for m in named}) == 1 and len(named) == len(memberships):
        return named[0].category
    return ", ".join(f"{m.category} ({m.network})" for m in named)


CATEGORY_HELP = ("The member's category in the network(s) it joins, e.g. 'ESF managing authority' (a network that"
                 " declares categories needs one of them).")


@members.command()
@click.argument("name")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. BE (EU for EU institutions).")
@click.option("--category", default="", help=CATEGORY_HELP + " Needs --network.")
@click.option("--email", default="", help="Contact email (private: never published).")
@click.option("--type", "member_type", type=click.Choice(["organisation", "person"]), default="organisation",
              show_default=True, help="An organisation or a person.")
@click.option("--network", "join_networks", multiple=True, shell_complete=complete_network,
              help="Join this network too (repeatable).")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True, help=ROLE_HELP)
@dry_run_option
@json_option
@pass_env
def add(env, name, country, category, email, member_type, join_networks, role, dry_run, as_json) -> None:
    """Add a member, and make it join networks with --network.

    \b
    Examples:
        peerlearn members add VDAB --country BE --network jobs --category "public employment service"
        peerlearn members add "Anila Noor" --country NL --type person --network learning --category expert
    """
    from ..registry import members as lib
    from ..models import Member

    if category and not join_networks:
        raise click.UsageError("--category needs --network: a category is what the member is in a network")
    member = build(Member, f"member {name!r}", name=name, country=country, email=email, type=member_type)

    def action(registry):
        added = lib.add(registry, member, [(slug, role) for slug in join_networks], category=category,
                        today=env.today())
        return added, lib.memberships(registry, added.id)

    def line(result) -> str:
        added, _memberships = result
        return f"Added member #{added.id}: {added.name} ({added.country})."

    env.write(action, dry_run=dry_run, report=confirmation(as_json, lambda result: _public_row(*result), line))


@members.command(name="list")
@click.option("--network", shell_complete=complete_network, help="Only members of this network.")
@click.option("--country", help="Only members from this country.")
@click.option("--category", help="Only members of this category (in --network, where given).")
@json_option
@pass_env
def list_members(env, network, country, category, as_json) -> None:
    """List members, with their networks and their category in each."""
    from ..registry import members as lib

    with env.registry() as registry:
        found = lib.list_members(registry, network=network, country=country, category=category)
        held = {member.id: lib.memberships(registry, member.id) for member in found}
    rows = [_public_row(member, held[member.id]) for member in found]
    if not as_json:
        for row, member in zip(rows, found):
            row["category"] = _categories(held[member.id], network)
    echo_rows(rows, as_json, ["id", "name", "country", "category", "networks"], empty="No members match.",
              shrink=["name", "category", "networks"])


@members.command()
@click.argument("member")
@json_option
@pass_env
def show(env, member, as_json) -> None:
    """Show a member (by number or exact name) and its memberships: category, role and dates in each network."""
    from ..registry import members as lib
    from ..registry.records import plain

    with env.registry() as registry:
        found = lib.get(registry, member)
        data = _public_row(found)
        data["memberships"] = [plain(m) for m in lib.memberships(registry, found.id)]
    if as_json:
        echo_json(data)
        return
    data["memberships"] = [_membership_text(m) for m in data["memberships"]]
    echo_record(data)


def _membership_text(membership: dict) -> str:
    facts = [membership["role"]]
    if membership["since"]:
        facts.append(f"since {membership['since']}")
    if membership["until"]:
        facts.append(f"until {membership['until']}")
    category = f": {membership['category']}" if membership["category"] else ""
    return f"{membership['network']}{category} ({', '.join(facts)})"


@members.command()
@click.argument("member")
@click.option("--name", help="New name.")
@click.option("--country", help="New country code.")
@click.option("--category", help="New category in --network (which may be left out for a member of one network).")
@click.option("--network", shell_complete=complete_network, help="The network whose --category changes.")
@click.option("--email", help="New contact email.")
@click.option("--type", "member_type", type=click.Choice(["organisation", "person"]), help="Organisation or person.")
@dry_run_option
@pass_env
def edit(env, member, name, country, category, network, email, member_type, dry_run) -> None:
    """Change a member's details, or its category in a network; its memberships are checked again.

    \b
    Examples:
        peerlearn members edit 12 --email new@example.de
        peerlearn members edit 12 --network migration --category "policy expert"
    """
    from ..registry import members as lib
    from ..errors import ValidationError

    values = {k: v for k, v in dict(name=name, country=country, email=email,
                                     type=member_type).items() if v is not None}
    if network and category is None:
        raise click.UsageError("--network names the network whose --category changes: give --category too")
    if not values and category is None:
        raise click.UsageError("nothing to change: give at least one option")

    def action(registry):
        categories = None
        if category is not None:
            slug = network
            if slug is None:
                found = lib.get(registry, member)
                held = [m.network for m in lib.memberships(registry, found.id)]
                if len(held) != 1:
                    raise ValidationError(
                        f"member {found.name!r} is in {', '.join(held)}: say which network's category with --network"
                        if held else f"member {found.name!r} belongs to no network: a category belongs to a"
                                     " membership (peerlearn members join MEMBER NETWORK --category …)")
                slug = held[0]
            categories = {slug: category}
        return lib.edit(registry, member, categories=categories, today=env.today(), **values)

    env.write(action, dry_run=dry_run,
              report=lambda updated: click.echo(one_line(f"Updated member #{updated.id}: {updated.name}"
                                                         f" ({updated.country}).")))


@members.command()
@click.argument("member")
@dry_run_option
@pass_env
def remove(env, member, dry_run) -> None:
    """Remove a member with its memberships and participations.

    \b
    Examples:
        peerlearn members remove 12 --dry-run
        peerlearn members remove "Anila Noor"
    """
    from ..registry import members as lib

    env.write(lambda registry: lib.remove(registry, member), dry_run=dry_run,
              report=lambda removed: click.echo(one_line(f"Removed member #{removed.id}: {removed.name}.")))


@members.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--network", shell_complete=complete_network, help="Network for rows that name none.")
@click.option("--update", is_flag=True,
              help="Change the members the file names that the registry holds (found by id, or by name and"
                   " country); add the others.")
@click.option("--skip-existing", is_flag=True,
              help="Leave the members the file names that the registry holds as they are; add the others.")
@dry_run_option
@pass_env
def import_(env, file, network, update, skip_existing, dry_run) -> None:
    """Import members from a UTF-8 CSV file, all or nothing.

    \b
    Columns: name, country (required); email, type (the member's);
    network, category, role, since, until (its membership of that network);
    id (its number, as 'members export' writes it: read by --update and
    --skip-existing). A member on several rows, one per network, is one
    member with several memberships.

    A member the registry already holds is refused, unless --update
    changes it (a blank cell leaves its field as it is) or --skip-existing
    leaves it. A row whose id names one member and whose name and country
    another is refused, naming both.

    \b
    Examples:
        peerlearn members import members.csv --network jobs
        peerlearn members export -o members.csv     # edit it, then:
        peerlearn members import members.csv --update --dry-run
    """
    from pathlib import Path

    from ..errors import Conflict
    from ..registry.member_csv import import_members

    if update and skip_existing:
        raise click.UsageError("--update and --skip-existing exclude each other: choose one")
    existing = "update" if update else "skip" if skip_existing else "refuse"

    def report(result) -> None:
        if existing == "refuse":
            click.echo(f"Imported {result.added} member(s) from {file}.")
            return
        done = [f"{result.added} new"]
        if update:
            done += [f"{result.updated} updated", f"{result.unchanged} unchanged"]
        else:
            done.append(f"{result.skipped} already held, skipped")
        click.echo(f"Imported {file}: {', '.join(done)}.")

    try:
        with env.progress(f"Importing {file}") as progress:
            env.write(lambda registry: import_members(registry, Path(file), network, existing=existing,
                                                      today=env.today(), progress=progress),
                      dry_run=dry_run, report=report)
    except Conflict as error:  # a member the registry holds: say how to import the file again
        raise click.ClickException(one_line(f"{error} (--update changes it, --skip-existing leaves it)")) from None


@members.command()
@click.option("--network", shell_complete=complete_network, help="Only members of this network.")
@click.option("--include-email", is_flag=True, help="Include contact emails (private data: handle with care).")
@output_option
@pass_env
def export(env, network, include_email, output) -> None:
    """Export members as CSV, one row per membership (the import format).

    \b
    Examples:
        peerlearn members export -o members.csv
        peerlearn members export --network jobs --include-email -o jobs-members.csv
    """
    from ..registry.member_csv import export_members

    with env.registry() as registry, output_stream(output) as out:
        count = export_members(registry, out, network=network, include_email=include_email)
    note(f"Exported {count} row(s).")


@members.command()
@click.argument("member")
@click.argument("network", shell_complete=complete_network)
@click.option("--category", help=CATEGORY_HELP)
@click.option("--role", type=click.Choice(ROLES), help=ROLE_HELP + " [default: member]")
@click.option("--since", help="First day of the membership (YYYY-MM-DD).")
@click.option("--until", help="Last day of the membership (YYYY-MM-DD).")
@dry_run_option
@pass_env
def join(env, member, network, category, role, since, until, dry_run) -> None:
    """Make MEMBER a member of NETWORK, or change its category, role or dates there.

    What is not given stays as it is in a membership MEMBER already holds.
    The network's country rules are checked on the membership's dates
    (today's where it has none): a network of "the EU countries" admits
    the EU of those dates.

    \b
    Examples:
        peerlearn members join 12 learning --category expert --role observer --since 2026-01-01
        peerlearn members join "Jobcentre Plus" jobs --category "public employment service" \\
            --since 2018-01-01 --until 2019-12-31
    """
    from ..registry import members as lib

    since_day, until_day = parse_day("--since", since), parse_day("--until", until)

    def report(joined) -> None:
        category_text = f", category {joined.category!r}" if joined.category else ""
        click.echo(one_line(f"{member} is in {network} as {joined.role}{category_text}."))

    env.write(lambda registry: lib.join(registry, member, network, role, since_day, until_day,
                                        category=category, today=env.today()), dry_run=dry_run, report=report)


@members.command()
@click.argument("member")
@click.argument("network", shell_complete=complete_network)
@dry_run_option
@pass_env
def leave(env, member, network, dry_run) -> None:
    """Take MEMBER out of NETWORK.

    \b
    Examples:
        peerlearn members leave "VDAB" jobs
        peerlearn members leave 12 learning --dry-run
    """
    from ..registry import members as lib

    env.write(lambda registry: lib.leave(registry, member, network), dry_run=dry_run,
              report=lambda _left: click.echo(f"{member} left {network}."))


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
    """Give MEMBER a new feed token: the old feed URL stops working at once.

    \b
    Examples:
        peerlearn members rotate-token 12
        peerlearn members rotate-token 12 && peerlearn feeds build public --private-dir private
    """
    from ..registry import members as lib

    env.write(lambda registry: lib.rotate_token(registry, member), dry_run=dry_run,
              report=lambda updated: click.echo(f"New feed token for member #{updated.id}; the old URL no longer"
                                                " works (rebuild static feeds with 'peerlearn feeds build')."))


COMMANDS = [members]
