"""``peerlearn publish``: everything public in one folder."""

from __future__ import annotations

import click

from .common import echo_json, json_option, note, one_line, pass_env


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--base-url", default="", help="Public https:// address of FOLDER (e.g. https://events.example.org):"
                                             " pages and the feeds' index then offer webcal:// and https://"
                                             " subscribe links.")
@click.option("--network", "network_slugs", multiple=True,
              help="Publish the website, logs and reports of this network only (repeatable; default: every"
                   " network). The calendar feeds are always every network's.")
@click.option("--private-dir", type=click.Path(file_okay=False),
              help="Folder for the member feeds (feeds/members/<token>.ics), outside FOLDER; serve it without"
                   " directory listings. Without it, member feeds are not written.")
@json_option
@pass_env
def publish(env, folder, base_url, network_slugs, private_dir, as_json) -> None:
    """Publish everything public into FOLDER: feeds, website, activity logs, reports, change log.

    FOLDER (created if needed) gets the calendar feeds (feeds/), each
    network's activity log (logs/<network>-log.csv and .html) and yearly
    report for this year (logs/<network>-report-<year>.html), the change log
    (logs/changes.csv) and what plugins publish: the event website
    (index.html, networks/, activities/) where the site plugin is loaded.
    Member feeds are private: they go to --private-dir, never into FOLDER.

    Run it again after any change: only files whose content changed are
    rewritten, and files of your own in FOLDER are kept. On any error
    nothing is changed, in FOLDER or in --private-dir.

    \b
    Examples:
        peerlearn publish public --base-url https://events.example.org --private-dir members
        peerlearn publish public --network nordic --json
    """
    from ..publishing.publish import publish as run

    with env.registry() as registry, env.progress("Publishing") as progress:
        report = run(registry, folder, base_url=base_url, networks=network_slugs, private_folder=private_dir,
                     now=env.now(), today=env.today(), progress=progress)
    for warning in report.warnings:
        note(f"Warning: {one_line(warning)}")
    if as_json:
        echo_json({"folder": str(folder), "private_dir": private_dir, "parts": report.parts,
                   "member_feeds": report.private, "member_feeds_left_out": report.left_out})
    else:
        parts = ", ".join(f"{part} {counts['written']}" for part, counts in report.parts.items())
        click.echo(f"Published {folder}: {report.total('written')} file(s) written ({parts}),"
                   f" {report.total('unchanged')} unchanged, {report.total('removed')} removed.")
    if private_dir:
        note(f"{report.private} member feed(s) in {private_dir}: serve it without directory listings.")
    elif report.left_out:
        note(f"{report.left_out} member feed(s) not written: give --private-dir, a folder outside {folder}.")


COMMANDS = [publish]
