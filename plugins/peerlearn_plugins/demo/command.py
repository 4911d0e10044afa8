"""``peerlearn demo``: a registry built from the seed documents, and what it publishes."""

from __future__ import annotations

from pathlib import Path

import click


def note(message: str) -> None:
    """A line for people, on stderr, so that stdout stays the summary."""
    click.echo(message, err=True)


@click.command()
@click.option("--force", "replace", is_flag=True, help="Replace the registry file if it already exists.")
@click.option("--publish", "publish_dir", metavar="FOLDER", type=click.Path(file_okay=False),
              help="Also publish the demo into this folder, as 'peerlearn publish' does: calendar feeds (feeds/),"
                   " activity logs, yearly reports and the change log (logs/), and the event website when the site"
                   " plugin is loaded. Member feeds, which are private, go beside it, to"
                   " <folder>-private/feeds/members/.")
@click.option("--base-url", default="", help="With --publish: the public https:// address of the folder, so that"
                                             " pages offer webcal:// and https:// subscribe links.")
@click.pass_context
def demo(ctx: click.Context, replace: bool, publish_dir: str | None, base_url: str) -> None:
    """Build a demo registry from the seed documents and show what to try next.

    The demo holds the four networks, a few dozen members from many
    countries, two years of activities of every kind (one cancelled,
    several completed with outputs and good practices) and the Mutual
    Learning Conference with its programme, dated around today (or the
    day 'peerlearn --today YYYY-MM-DD demo' gives). The registry is built beside
    the target and moved into place only when complete and checked
    (written back from its log, PRAGMA integrity_check, flushed to disk),
    so a failure, a full disk or a kill leaves an existing file as it was.

    \b
    Examples:
        peerlearn demo
        peerlearn --db demo.db demo --force --publish public
        peerlearn demo --force --publish public --base-url https://events.example.org
        peerlearn --today 2027-03-01 demo --force
    """
    from .data import build_demo

    env = ctx.obj  # the peerlearn CLI's options: the registry file, the actor, the day taken as today
    if base_url and not publish_dir:
        raise click.UsageError("--base-url needs --publish")
    if base_url:  # before the registry is replaced: "Error: --base-url: ..." and nothing changed
        from peerlearn import check_base_url

        check_base_url(base_url, field="--base-url")
    path = env.path
    with env.new_registry(replace=replace) as registry:  # (the summary is part of it: see Env.new_registry)
        summary, conference = build_demo(registry, env.today())
        click.echo(f"Demo registry written to {path}:")
        for key, value in summary.items():
            click.echo(f"  {value:>4} {key}")
    if publish_dir:
        _publish(env, Path(publish_dir), base_url)
    note("")
    note("Try next:")
    for line in (
        f"agenda show {conference}",
        f"agenda check {conference}",
        "networks list",
        "activities list --network mutual_learning",
        f"export ics --activity {conference}",
        "log --network pes --format md",
        "changes --limit 10",
    ):
        note("  peerlearn " + (f"--db {path} " if env.db_path else "") + line)


def _publish(env, folder: Path, base_url: str) -> None:
    """Publish the demo as 'peerlearn publish FOLDER --private-dir FOLDER-private' does."""
    from peerlearn import publish

    # member feeds are named by their secret tokens: outside the published folder, in the same layout
    private = folder.resolve().with_name(f"{folder.resolve().name}-private")
    with env.registry() as registry:
        report = publish(registry, folder, base_url=base_url, private_folder=private, now=env.now(),
                         today=env.today())
    year = env.today().year
    published = [f"feeds in {folder / 'feeds'}", f"member feeds (private) in {private / 'feeds' / 'members'}",
                 f"logs and {year} reports in {folder / 'logs'}"]
    if "site" in report.parts:
        published.append(f"the event website at {folder / 'index.html'}")
    click.echo("Published " + "; ".join(published) + f" ({report.total('written')} file(s) written).")
