"""``peerlearn export public-db``: the registry's public record as open data for Datasette."""

from __future__ import annotations

import click

from .common import note, pass_env


@click.command(name="public-db")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--metadata", "metadata_path", type=click.Path(dir_okay=False),
              help="Where to write Datasette's metadata (default: metadata.json beside FILE).")
@click.option("--title", default="Peer-learning activities", show_default=True,
              help="The title Datasette shows for the data.")
@click.option("--license", "license_name", default="", help="The data's licence, e.g. CC-BY-4.0.")
@click.option("--license-url", default="",
              help="Where the licence's text is, e.g. https://creativecommons.org/licenses/by/4.0/.")
@pass_env
def public_db(env, path, metadata_path, title, license_name, license_url) -> None:
    """Write a redacted SQLite copy of the registry, and Datasette's metadata for it.

    The copy holds what the website, feeds and logs already publish: the
    networks, the member organisations, the activities that are not drafts
    with their sessions, announced speakers and outputs, and attendance
    counted by country. No e-mail address, feed token, note, individual
    attendance, change log, cache or outbox is copied. FILE is replaced only
    by a complete, checked copy. Serve it with Datasette:
    datasette FILE -m metadata.json

    \b
    Examples:
        peerlearn export public-db public.db
        datasette public.db -m metadata.json
        peerlearn export public-db site/data/activities.db --metadata site/data/metadata.json \\
            --license CC-BY-4.0 --license-url https://creativecommons.org/licenses/by/4.0/
    """
    from ..reports import public_db as lib

    with env.registry() as registry:
        written = lib.export(registry, path, metadata_path, title=title, license=license_name,
                             license_url=license_url)
    counts = ", ".join(f"{count} {table}" for table, count in written.rows.items()
                       if table in ("activities", "sessions", "outputs", "members"))
    click.echo(f"Wrote {written.database} ({counts}) and {written.metadata}.")
    note(f"Serve it with: datasette {written.database} -m {written.metadata}")
