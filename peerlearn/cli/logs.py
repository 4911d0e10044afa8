"""``peerlearn log``, ``report`` and ``practices``: what took place, and what came of it."""

from __future__ import annotations

import click

from .common import (echo_rows, format_option, json_option, output_option, pass_env, time_window, window_options,
                     window_zone, write_export)
from .completion import complete_network


@click.command(name="log")
@click.option("--network", required=True, shell_complete=complete_network, help="The network whose activities to log.")
@window_options("activities")
@format_option("csv", "csv, jsonl, md, html")
@output_option
@pass_env
def log(env, network, from_, to, tz, format_name, output) -> None:
    """Export the activity log: one row per activity of a network in a period.

    Each row gives the date, kind, title, status (and whether it was
    completed, cancelled or is planned), where it took place, who attended
    from which country, the speakers and the outputs. No email address or
    private note is ever included. The same registry gives the same bytes.

    \b
    Examples:
        peerlearn log --network jobs --from 2026-01-01 --to 2026-12-31 --format md
        peerlearn log --network jobs --format html -o log.html
    """
    import datetime as dt

    from ..registry import networks
    from ..reports import activity_log

    with env.registry() as registry, env.progress(f"Activity log of {network}") as progress:
        found = networks.get(registry, network)
        start, end = time_window(from_, to, window_zone(registry, tz, network, needed=bool(from_ or to)))
        first_day = start.date() if start else None
        last_day = (end - dt.timedelta(microseconds=1)).date() if end else None
        write_export(
            "activity-log", format_name, activity_log.rows(registry, network, start, end, progress=progress), output,
            columns=activity_log.COLUMNS, display_columns=activity_log.display_columns(),
            title=activity_log.title(found.name, first_day, last_day),
            empty="No activities in this period.", network=found, default="csv",
        )


@click.command()
@click.option("--network", required=True, shell_complete=complete_network, help="The network to report on.")
@click.option("--year", required=True, type=int, help="The year (activities that start in it, in local time).")
@format_option("md", "md, html")
@output_option
@pass_env
def report(env, network, year, format_name, output) -> None:
    """Write the yearly report of a network: totals, participation, hosts, outputs.

    Totals by kind and by month, participation by country, the countries and
    members that hosted, the outputs and good practices produced and the
    cancellations. The HTML report is one standalone file with two charts
    (activities per month by kind, participants by country), ready to attach
    to an annual report.

    \b
    Examples:
        peerlearn report --network jobs --year 2026 --format html -o report-2026.html
    """
    from ..reports import yearly as lib
    from ..reports.exports import exporter_for, format_for

    format_name = format_for("report", format_name, output, "md")
    exporter_for("report", format_name)
    with env.progress(f"Report {year} of {network}") as progress:  # two steps: counting, then writing
        if progress:
            progress(0, 2)
        with env.registry() as registry:
            built = lib.build(registry, network, year)
            if progress:
                progress(1, 2)
            write_export("report", format_name, built, output)  # its long lists are read as they are written
        if progress:
            progress(2, 2)


@click.group()
def practices() -> None:
    """Good practices: outputs of activities that others can learn from."""


@practices.command(name="list")
@click.option("--network", shell_complete=complete_network, help="Only good practices from this network's activities.")
@click.option("--country", help="Only those from this country (ISO code).")
@click.option("--theme", help="Only those with this theme (any case).")
@json_option
@pass_env
def list_practices(env, network, country, theme, as_json) -> None:
    """List good practices, by country and theme.

    Record one with: peerlearn outputs add ACTIVITY --kind good_practice
    --title ... --country SE --theme ... --description ...
    """
    from ..registry import participation
    from ..registry.records import plain

    with env.registry() as registry:
        found = participation.list_outputs(registry, network=network, kind="good_practice", country=country,
                                           theme=theme)
    rows = [plain(practice) for practice in found]
    echo_rows(rows, as_json, ["id", "activity_id", "country", "date", "title", "themes"], empty="No good practices match.")


COMMANDS = [log, report, practices]
