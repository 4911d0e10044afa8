"""The event website: ``peerlearn site build DIR`` writes static HTML pages.

A generic plugin (it works for any network): a page per network with its
upcoming and past activities, a page per activity with the timetable, the
people on each session, the outputs and the links to subscribe to the
calendar feeds. See docs/site.md. Importing this module loads nothing
heavy; the templates load when a site is built.
"""

from __future__ import annotations

from peerlearn import hookimpl


@hookimpl
def peerlearn_commands(cli):
    from .command import site

    cli.add_command(site)
