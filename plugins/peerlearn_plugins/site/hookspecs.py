"""The hook the event website adds to peerlearn's, for other plugins to implement.

Added by the site plugin's ``peerlearn_addhooks`` as it is registered. A
plugin implementing it marks its implementation
``@hookimpl(optionalhook=True)`` so that it loads where the site plugin is
not installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from peerlearn import hookspec

if TYPE_CHECKING:  # pragma: no cover
    from markupsafe import Markup

    from peerlearn import Activity, Network, Output, Role, Session


# -- Publishing: when the event website is built ----------------------------


@hookspec
def peerlearn_site_blocks(
    network: Network, activity: Activity, sessions: list[Session], roles: list[Role], outputs: list[Output]
) -> Iterable[Markup | str] | None:
    """Add blocks to an activity's page of the event website.

    Called for every plugin by ``peerlearn site build`` once per activity
    page, with the activity's ``network``, its agenda (``sessions`` in time
    order and the public ``roles`` on them: declined roles are left out and
    emails blanked) and
    its ``outputs``. Return an iterable of blocks, shown in order after the
    outputs, each in its own ``<section>``: a ``markupsafe.Markup`` is
    inserted as HTML (escape what you put into it, e.g. with
    ``Markup("<p>{}</p>").format(text)``; start it with an ``<h2>`` to give it
    a heading), a plain ``str`` is shown as a paragraph of text, escaped.
    Keep to semantic HTML without scripts so pages stay readable and
    printable: every page carries a Content-Security-Policy that lets it
    load only its own stylesheet and run no script at all. Return nothing
    (``None`` or ``[]``) to leave the page alone.
    """
