"""``peerlearn export ics``, ``peerlearn feeds build`` and ``peerlearn serve``: calendar feeds."""

from __future__ import annotations

import click

from .common import note, one_line, pass_env, time_window, window_options, window_zone
from .completion import complete_activity, complete_kind, complete_network
from .open_data import public_db

WINDOW_HELP = "the last 6 months and everything ahead"


@click.group()
def export() -> None:
    """Export records: a calendar feed (export ics), open data for Datasette (export public-db)."""


@export.command(name="ics")
@click.option("--network", shell_complete=complete_network, help="A network's feed: its activities.")
@click.option("--activity", shell_complete=complete_activity,
              help="One activity's feed: the activity and each of its sessions.")
@click.option("--member", help="A member's feed (number or exact name): what it is invited to or registered for, "
                               "and the sessions where it holds a role.")
@click.option("--kind", shell_complete=complete_kind, help="Only activities of this kind.")
@click.option("--status", type=click.Choice(["tentative", "confirmed", "cancelled", "completed"]),
              help="Only activities with this status (drafts never reach a feed).")
@window_options("activities", from_help="Only activities ending after this date or time (YYYY-MM-DD [HH:MM], in"
                                        f" --tz; default: {WINDOW_HELP}).")
@click.option("--url", default="", help="The feed's public URL, written as its SOURCE.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-", show_default=True,
              help="File to write, or - for stdout.")
@pass_env
def export_ics(env, network, activity, member, kind, status, from_, to, tz, url, output) -> None:
    """Export an iCalendar (RFC 5545) feed of a network, an activity or a member.

    \b
    Examples:
        peerlearn export ics --network learning -o learning.ics
        peerlearn export ics --activity 7 --from 2026-06-01 --to 2026-06-30
        peerlearn export ics --member "VDAB" --url https://events.example.org/feeds/members/TOKEN.ics
    """
    from pathlib import Path

    from .. import plugins
    from ..atomic.files import AtomicFile
    from ..errors import ValidationError
    from ..feeds import selection
    from ..feeds.layout import check_base_url

    chosen = [(scope, key) for scope, key in (("network", network), ("activity", activity), ("member", member))
              if key]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --network, --activity or --member")
    if url:
        check_base_url(url, field="url")
    if output != "-" and not Path(output).parent.exists():
        raise ValidationError(f"--output: folder {Path(output).parent} does not exist")
    exporter = plugins.exporters("calendar")["ics"]

    def warn(message: str) -> None:
        note(f"Warning: {one_line(message)}")

    # one transaction: the events serialized meanwhile are kept only when the feed has been written
    with env.registry() as registry, registry.snapshot():
        start, end = time_window(from_, to, window_zone(registry, tz, network, needed=bool(from_ or to)))
        query = selection.FeedQuery(*chosen[0], kind=kind, status=status, start=start, end=end)
        feed = selection.resolve(registry, query)
        if output == "-":
            count = exporter.write(feed, _Utf8(None), registry=registry, url=url, warn=warn)
        else:
            with AtomicFile(Path(output)) as out:
                count = exporter.write(feed, out, registry=registry, url=url, warn=warn)
    note(f"Exported {count} event(s): {feed.name}.")


class _Utf8:
    """Write text to a binary stream as UTF-8, so CRLF line ends reach stdout unchanged."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        click.echo(text.encode("utf-8"), nl=False, file=self.stream)


@click.group()
def feeds() -> None:
    """Calendar feeds members subscribe to: build them as static files."""


@feeds.command()
@click.argument("folder", metavar="FOLDER", type=click.Path(file_okay=False))
@click.option("--private-dir", metavar="FOLDER", type=click.Path(file_okay=False),
              help="Folder for the member feeds (members/<token>.ics), outside FOLDER; serve it without directory"
                   " listings. Without it, member feeds are not written.")
@click.option("--base-url", default="", help="Public http(s) address of FOLDER, for the index and feed URLs.")
@click.option("--full", is_flag=True,
              help="Build every feed, not only those the changes since the last build reach (e.g. after rows were"
                   " written into the registry with SQL by hand).")
@pass_env
def build(env, folder, private_dir, base_url, full) -> None:
    """Write every network and activity feed and an index into FOLDER.

    Member feeds are private: each is named by its member's secret token, so
    they go to a separate folder, --private-dir, apart from FOLDER (neither
    inside the other); nothing in FOLDER names them. Without --private-dir no member feed
    is written (peerlearn serve still answers them), and member feeds an
    earlier build left in FOLDER are removed. Only files whose content changed
    are rewritten, each through a temporary file and a rename. A rebuild reads
    the changes recorded since the last build and builds only the feeds they
    reach (--full builds them all).

    \b
    Examples:
        peerlearn feeds build public --private-dir private --base-url https://events.example.org
        peerlearn feeds build public     # network and activity feeds only
        peerlearn feeds build public --private-dir private --full
    """
    from ..feeds import publish

    with env.registry() as registry, env.progress("Building feeds") as progress:
        report = publish.build(registry, folder, private_folder=private_dir, base_url=base_url, full=full,
                               progress=progress)
    for warning in report.warnings:
        note(f"Warning: {one_line(warning)}")
    click.echo(f"{report.feeds} feed(s) in {folder}" + (f" and {private_dir}" if private_dir else "")
               + f": {len(report.written)} file(s) written, {report.unchanged} unchanged,"
               f" {len(report.removed)} removed.")
    if private_dir:
        note(f"{report.private} member feed(s) in {private_dir}: serve it without directory listings.")
    elif report.left_out:
        note(f"{report.left_out} member feed(s) not written: give --private-dir, a folder outside {folder}.")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--base-url", default="", help="Public http(s) address of the server, written in feeds as SOURCE.")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Worker threads.")
@pass_env
def serve(env, host, port, base_url, threads) -> None:
    """Serve the feeds from the registry over HTTP (waitress), logging each request."""
    import logging

    from ..feeds.layout import check_base_url
    from ..feeds.server import make_server

    if base_url:
        check_base_url(base_url, field="base_url")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = make_server(env.path, host, port, base_url=base_url, threads=threads)
    note(f"Serving calendar feeds on http://{host}:{server.effective_port}/ (Ctrl+C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


export.add_command(public_db)

COMMANDS = [export, feeds, serve]
