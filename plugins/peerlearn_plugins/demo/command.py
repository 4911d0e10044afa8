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
              help="Also publish the demo into this folder: calendar feeds (feeds/), activity logs, yearly"
                   " reports and the change log (logs/), and the event website when the site plugin is loaded."
                   " Member feeds, which are private, go beside it, to <folder>-private/feeds/members/.")
@click.pass_context
def demo(ctx: click.Context, replace: bool, publish_dir: str | None) -> None:
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
        peerlearn --today 2027-03-01 demo --force
    """
    from .data import build_demo

    env = ctx.obj  # the peerlearn CLI's options: the registry file, the actor, the day taken as today
    path = env.path
    with env.new_registry(replace=replace) as registry:
        summary, conference = build_demo(registry, env.today())
    click.echo(f"Demo registry written to {path}:")
    for key, value in summary.items():
        click.echo(f"  {value:>4} {key}")
    if publish_dir:
        _publish(ctx, env, path, Path(publish_dir))
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


def _publish(ctx: click.Context, env: Env, registry_path: Path, folder: Path) -> None:
    """Publish the demo by running the same commands a secretariat would."""
    from peerlearn import Registry, list_networks

    root = ctx.find_root().command

    def run(*args: str) -> None:
        today = ["--today", env.today().isoformat()] if env.today_override else []
        root.main(args=["--db", str(registry_path), *today, *args], prog_name="peerlearn", standalone_mode=False)

    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    # member feeds are named by their secret tokens: outside the published folder, in the same layout
    private = folder.resolve().with_name(f"{folder.resolve().name}-private")
    private.mkdir(exist_ok=True)
    run("feeds", "build", str(folder / "feeds"), "--private-dir", str(private / "feeds"))
    with Registry.open(registry_path, create=False) as registry:
        slugs = sorted(network.slug for network in list_networks(registry))
    year = env.today().year
    for slug in slugs:
        run("log", "--network", slug, "--format", "csv", "-o", str(logs / f"{slug}-log.csv"))
        run("log", "--network", slug, "--format", "html", "-o", str(logs / f"{slug}-log.html"))
        run("report", "--network", slug, "--year", str(year), "--format", "html",
            "-o", str(logs / f"{slug}-report-{year}.html"))
    run("changes", "--format", "csv", "-o", str(logs / "changes.csv"))
    published = [f"feeds in {folder / 'feeds'}", f"member feeds (private) in {private / 'feeds' / 'members'}",
                 f"logs and {year} reports in {logs}"]
    if "site" in root.list_commands(ctx.find_root()):
        run("site", "build", str(folder))
        published.append(f"the event website at {folder / 'index.html'}")
    click.echo("Published " + "; ".join(published) + ".")
