"""``peerlearn networks``: list, show, add and edit networks."""

from __future__ import annotations

import click

from .common import build, dry_run_option, echo_json, echo_record, echo_rows, json_option, note, pass_env
from .completion import complete_kind, complete_network


@click.group()
def networks() -> None:
    """Networks: those plugins contribute and those created by hand."""


@networks.command(name="list")
@json_option
@pass_env
def list_networks(env, as_json: bool) -> None:
    """List every known network and where its definition comes from."""
    from ..registry import networks as lib
    from ..registry.records import plain

    with env.registry() as registry:
        known = lib.known(registry)
    for entry in known.values():
        if entry.source == "plugin absent":
            note(f"Warning: network {entry.network.slug!r} comes from plugin {entry.network.plugin!r}, which is not"
                 " loaded; its rules are not enforced")
    rows = [{**plain(entry.network), "source": entry.source} for entry in known.values()]
    echo_rows(rows, as_json, ["slug", "acronym", "name", "timezone", "source"], empty="No networks yet.",
              shrink=["name", "source"])


@networks.command()
@click.argument("slug", shell_complete=complete_network)
@json_option
@pass_env
def show(env, slug: str, as_json: bool) -> None:
    """Show one network with its member and activity counts."""
    from ..registry import networks as lib
    from ..registry.records import plain

    with env.registry() as registry:
        network = lib.get(registry, slug)
        counts = {
            "members": registry.conn.execute("SELECT count(*) FROM memberships WHERE network = ?", [slug]).fetchone()[0],
            "activities": registry.conn.execute("SELECT count(*) FROM activities WHERE network = ?", [slug]).fetchone()[0],
        }
    data = {**plain(network), **counts}
    echo_json(data) if as_json else echo_record(data)


def _network_options(command):
    for option in reversed([
        click.option("--name", help="Full name of the network."),
        click.option("--acronym", help="Short name, such as PES."),
        click.option("--description", help="What the network is for."),
        click.option("--url", help="The network's web page."),
        click.option("--timezone", "timezone", help="Default IANA timezone of its activities (e.g. Europe/Brussels)."),
        click.option("--category", "categories", multiple=True, help="A member category it knows (repeatable)."),
        click.option("--country", "countries", multiple=True,
                     help="An ISO country code it admits members from, or EU-MEMBER-STATES for the EU's Member"
                          " States on each membership's dates (repeatable; none means any)."),
        click.option("--kind", "kinds", multiple=True, shell_complete=complete_kind,
                     help="A kind of activity it runs (repeatable; none means any)."),
    ]):
        command = option(command)
    return command


@networks.command()
@click.argument("slug")
@_network_options
@dry_run_option
@pass_env
def add(env, slug: str, dry_run: bool, **fields) -> None:
    """Create a network by hand (networks from plugins need no adding).

    \b
    Examples:
        peerlearn networks add jobs --name "Jobs network" --acronym JOBS --timezone Europe/Brussels \\
            --country EU-MEMBER-STATES --country NO --category "public employment service"
        peerlearn networks add learning --name "Learning network" --kind workshop --kind peer_review --dry-run
    """
    from ..models import Network
    from ..registry import networks as lib

    values = {key: value for key, value in fields.items() if value not in (None, ())}
    if not values.get("name"):
        raise click.UsageError("--name is required")
    network = build(Network, f"network {slug!r}", slug=slug, **values)
    env.write(lambda registry: lib.add(registry, network), dry_run=dry_run,
              report=lambda _added: click.echo(f"Added network {slug}."))


@networks.command()
@click.argument("slug", shell_complete=complete_network)
@_network_options
@dry_run_option
@pass_env
def edit(env, slug: str, dry_run: bool, **fields) -> None:
    """Change a network created by hand.

    \b
    Examples:
        peerlearn networks edit jobs --url https://jobs.example.org
        peerlearn networks edit jobs --category "public employment service" --category expert --dry-run
    """
    from ..registry import networks as lib

    values = {key: value for key, value in fields.items() if value not in (None, ())}
    if not values:
        raise click.UsageError("nothing to change: give at least one option")
    env.write(lambda registry: lib.edit(registry, slug, **values), dry_run=dry_run,
              report=lambda _updated: click.echo(f"Updated network {slug}."))


COMMANDS = [networks]
