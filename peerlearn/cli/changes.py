"""``peerlearn changes``: the append-only change log."""

from __future__ import annotations

import click

from ..limits import MAX_NUMBER
from .common import (describe_change, echo_json, echo_table, json_option, note, output_option, pass_env, time_window,
                     window_options, window_zone, write_export)
from .completion import complete_activity, complete_network

#: Every kind of record the change log names.
ENTITIES = ["network", "member", "membership", "activity", "participation", "output", "session", "role", "programme"]


@click.command()
@click.option("--network", shell_complete=complete_network, help="Only changes to this network's records.")
@window_options("changes", from_help="Only changes at or after this date or time (YYYY-MM-DD [HH:MM], in --tz).",
                to_help="Only changes before this date or time (in --tz); a date alone includes that day.")
@click.option("--since", hidden=True, help="Deprecated: --from.")
@click.option("--until", hidden=True, help="Deprecated: --to.")
@click.option("--activity", shell_complete=complete_activity,
              help="Only changes to this activity and what belongs to it (sessions, roles,"
                   " participations, outputs, its programme).")
@click.option("--entity", type=click.Choice(ENTITIES), help="Only changes to this kind of record.")
@click.option("--limit", type=click.IntRange(1, MAX_NUMBER), help="Only the last N changes.")
@json_option
@click.option("--format", "format_name", metavar="FORMAT",
              help="Export in this format: csv, jsonl, md, html, or one a plugin adds (instead of the table);"
                   " -o FILE alone picks the format of its extension.")
@output_option
@pass_env
def changes(env, network, activity, from_, to, tz, since, until, entity, limit, as_json, format_name,
            output) -> None:
    """Show who changed what, and when, with the values before and after (--json, --format).

    \b
    Examples:
        peerlearn changes --network learning --from 2026-01-01 --format csv -o changes.csv
        peerlearn changes --activity 7 --limit 20
    """
    from ..registry.changelog import list_changes
    from ..registry.records import plain
    from ..reports.changes import COLUMNS, export_rows
    from ..reports.exports import format_for

    if as_json and format_name:
        raise click.UsageError("give --json or --format, not both")
    format_name = format_for("change-log", format_name, output)
    if output and not format_name:
        raise click.UsageError("--output needs --format (or a file name with a format's extension, e.g. .csv)")
    from_ = _deprecated("--since", since, "--from", from_)
    to = _deprecated("--until", until, "--to", to)
    with env.registry() as registry:
        since_at, until_at = time_window(from_, to, window_zone(registry, tz, network, needed=bool(from_ or to)))
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


def _deprecated(old: str, old_value: str | None, new: str, value: str | None) -> str | None:
    """The value of ``new``, or of its former name ``old`` (still read, with a warning)."""
    if old_value is None:
        return value
    if value is not None:
        raise click.UsageError(f"give {new} only ({old} is its former name)")
    note(f"Warning: {old} is now {new}; {old} will go in a later version.")
    return old_value


def _activity_id(registry, ref: str | None) -> int | None:
    """An activity's number; a bare number is taken as it is (a deleted activity keeps its changes)."""
    from ..registry import activities
    from ..text import number_in

    if not ref:
        return None
    number = number_in(ref)
    return number if number is not None else activities.get(registry, ref).id


COMMANDS = [changes]
