"""The event website: ``peerlearn site build FOLDER`` writes static HTML pages.

A generic plugin (it works for any network): a page per network with its
upcoming and past activities, a page per activity with the timetable, the
people on each session, the outputs and the links to subscribe to the
calendar feeds. See docs/site.md. It adds a hook of its own,
``peerlearn_site_blocks`` (:mod:`.hookspecs`), and uses only peerlearn's
public API. ``peerlearn publish`` builds it through ``peerlearn_publish``.
Importing this module loads nothing heavy; the templates load when a site is
built.
"""

from __future__ import annotations

from peerlearn import hookimpl


@hookimpl
def peerlearn_addhooks(pluginmanager):
    """Add ``peerlearn_site_blocks``, for plugins to add blocks to activity pages."""
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def peerlearn_commands(cli):
    from .command import site

    cli.add_command(site)


@hookimpl
def peerlearn_publish(registry, publication):
    """The website is part of every publication: its pages beside the feeds, with subscribe links."""
    from .builder import SiteOptions, build_site

    options = SiteOptions(base_url=publication.base_url or None, feeds=publication.feeds)
    build_site(registry, publication, options, networks=publication.networks)
