"""``peerlearn changes``: the append-only change log."""

from __future__ import annotations

import click

from .common import describe_change, echo_json, echo_table, json_option, parse_moment, pass_env


@click.command()
@click.option("--network", help="Only changes to this network's records.")
@click.option("--since", help="Only changes at or after this date or time (UTC).")
@click.option("--entity", type=click.Choice(["network", "member", "membership", "activity", "participation", "output"]),
              help="Only changes to this kind of record.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the last N changes.")
@json_option
@pass_env
def changes(env, network, since, entity, limit, as_json) -> None:
    """Show who changed what, and when, with the values before and after (--json)."""
    from ..changelog import list_changes
    from ..records import plain

    since_at = parse_moment("--since", since, "UTC")[0] if since else None
    with env.registry() as registry:
        found = list_changes(registry, network=network, since=since_at, entity=entity, limit=limit)
    if as_json:
        echo_json([plain(change) for change in found])
        return
    rows = [{"id": c.id, "at": f"{c.at:%Y-%m-%d %H:%M:%S}", "actor": c.actor, "change": describe_change(c)}
            for c in found]
    echo_table(rows, ["id", "at", "actor", "change"], empty="No changes match.")


COMMANDS = [changes]
