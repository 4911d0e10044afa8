"""``peerlearn changes``: the append-only change log."""

from __future__ import annotations

import click

from .common import (describe_change, echo_json, echo_table, json_option, output_option, parse_moment, pass_env,
                     write_export)

#: Every kind of record the change log names.
ENTITIES = ["network", "member", "membership", "activity", "participation", "output", "session", "role", "programme"]


@click.command()
@click.option("--network", help="Only changes to this network's records.")
@click.option("--since", help="Only changes at or after this date or time (UTC).")
@click.option("--until", help="Only changes before this date or time (UTC); a date alone includes that day.")
@click.option("--activity", help="Only changes to this activity and what belongs to it (sessions, roles,"
                                 " participations, outputs, its programme).")
@click.option("--entity", type=click.Choice(ENTITIES), help="Only changes to this kind of record.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the last N changes.")
@json_option
@click.option("--format", "format_name", metavar="FORMAT",
              help="Export in this format: csv, jsonl, md, html, or one a plugin adds (instead of the table);"
                   " -o FILE alone picks the format of its extension.")
@output_option
@pass_env
def changes(env, network, activity, since, until, entity, limit, as_json, format_name, output) -> None:
    """Show who changed what, and when, with the values before and after (--json, --format).

    \b
        peerlearn changes --network nordic --since 2026-01-01 --format csv -o changes.csv
    """
    import datetime as dt

    from ..registry.changelog import list_changes
    from ..registry.records import plain
    from ..reports.changes import COLUMNS, export_rows
    from ..reports.exports import format_for

    if as_json and format_name:
        raise click.UsageError("give --json or --format, not both")
    format_name = format_for("change-log", format_name, output)
    if output and not format_name:
        raise click.UsageError("--output needs --format (or a file name with a format's extension, e.g. .csv)")
    since_at = parse_moment("--since", since, "UTC")[0] if since else None
    until_at = None
    if until:
        until_at, date_only = parse_moment("--until", until, "UTC")
        if date_only:
            until_at += dt.timedelta(days=1)
    with env.registry() as registry:
        activity_id = _activity_id(registry, activity)
        if format_name:
            rows = export_rows(registry, network=network, since=since_at, until=until_at, entity=entity, limit=limit,
                               activity=activity_id)
            write_export("change-log", format_name, rows, output, columns=COLUMNS, title="Change log",
                         empty="No changes match.")
            return
        found = list_changes(registry, network=network, since=since_at, until=until_at, entity=entity, limit=limit,
                             activity=activity_id)
    if as_json:
        echo_json([plain(change) for change in found])
        return
    rows = [{"id": c.id, "at": f"{c.at:%Y-%m-%d %H:%M:%S}", "actor": c.actor, "change": describe_change(c)}
            for c in found]
    echo_table(rows, ["id", "at", "actor", "change"], empty="No changes match.", shrink=["actor", "change"])


def _activity_id(registry, ref: str | None) -> int | None:
    """An activity's number; a bare number is taken as it is (a deleted activity keeps its changes)."""
    from ..registry import activities

    if not ref:
        return None
    text = ref.strip().lstrip("#")
    return int(text) if text.isdigit() else activities.get(registry, ref).id


COMMANDS = [changes]
