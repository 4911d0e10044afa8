"""peerlearn's own checks of programmes, registered as a default plugin on ``peerlearn_agenda_checks``.

Double-booked people, rooms taken twice, overlapping tracks, sessions
outside their activity, panels that overrun, tbc/tbd roles close to the
event, workshops without a chair, site visits without a travel day (see
:mod:`peerlearn.agenda.clashes`). Called first (``tryfirst``), so its
findings come before the plugins'. It takes a ``scope``: for the whole
registry it sweeps every programme in a few queries, never one per activity.
"""

from __future__ import annotations

from ..hookmarks import hookimpl


@hookimpl(tryfirst=True)
def peerlearn_agenda_checks(activity, registry, scope):
    from ..agenda.clashes import core_checks

    return core_checks(registry, activity if scope == "activity" else None)
