"""The demo: ``peerlearn demo`` builds a registry from the source documents, to try peerlearn on.

Four networks (from the network plugins), a few dozen members from many
countries, two years of activities of every kind and the Mutual Learning
Conference with its programme (:mod:`.data`, ``mlc-programme.yaml``);
``--publish`` publishes it all as a secretariat would (:mod:`.command`). A
generic plugin like the event website, registered through its entry point and
using only peerlearn's public API. Importing it loads nothing heavy.
"""

from __future__ import annotations

from peerlearn import hookimpl


@hookimpl
def peerlearn_commands(cli):
    from .command import demo

    cli.add_command(demo)
