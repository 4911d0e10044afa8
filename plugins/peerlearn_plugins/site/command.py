"""``peerlearn site``: build the event website."""

from __future__ import annotations

import click


@click.group()
def site() -> None:
    """The event website: static HTML pages of networks and their activities."""


@site.command()
@click.argument("folder", metavar="FOLDER", type=click.Path(file_okay=False))
@click.option("--network", "network_slugs", multiple=True,
              help="Build the pages of this network only (repeatable; default: every network).")
@click.option("--base-url",
              help="Where the site will be published, e.g. https://events.example.org; makes feed links"
                   " absolute and adds webcal:// subscribe links.")
@click.option("--feeds", "feeds", default="feeds", show_default=True,
              help="Where the calendar feeds are published: a folder beside the site's pages, or an"
                   " absolute https:// URL.")
@click.option("--title", default="peerlearn events", show_default=True, help="The site's name, on every page.")
@click.pass_obj
def build(env, folder, network_slugs, base_url, feeds, title) -> None:
    """Write the website into FOLDER (created if needed).

    Pages are written atomically, unchanged pages are left untouched, and
    other files in FOLDER are never deleted; pages this command wrote
    before and no longer writes (a deleted activity's) are removed. A
    rebuild renders only the pages that what changed in the registry since
    the last build touches. The pages are in English. 'peerlearn publish'
    builds the site together with the feeds, logs and reports.

    \b
    Examples:
        peerlearn site build public
        peerlearn site build public --network learning --base-url https://events.example.org
        peerlearn site build public --base-url https://events.example.org
    """
    from pathlib import Path

    from peerlearn import open_publication

    from .builder import SiteOptions, build_site

    options = SiteOptions(base_url=base_url, feeds=feeds, title=title)
    with env.registry() as registry, open_publication(Path(folder), parents=True, base_url=base_url or "",
                                                      now=env.now(), today=env.today()) as publication, \
            env.progress("Building the site") as progress:
        report = build_site(registry, publication, options, networks=network_slugs, progress=progress)
    click.echo(f"Built {report.pages} page(s) in {folder}: {report.written} written,"
               f" {report.unchanged} unchanged.")
