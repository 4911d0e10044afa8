"""Telling people what changed: notices by email that calendars understand.

A change that concerns a person (an activity or session they take part in
is added, moved, cancelled or reinstated; their role's status changes; they
are invited, registered, waitlisted, moved up or declined) queues one
message for them in the outbox, inside the transaction of the change
(the default plugin :mod:`peerlearn.default_plugins.notices`, on the
``peerlearn_before_commit`` hook). Changes to the
same person before sending fold into one digest stating old → new
(:mod:`.affected`, :mod:`.model`, :mod:`.outbox`). Sending is a separate step
(:mod:`.sending`): each message is rendered from Jinja templates a plugin
can replace (:mod:`.messages`) with an iTIP (RFC 5546) part per event, the
same UID and SEQUENCE as the feeds' event (:mod:`.itip`, :mod:`.events`),
and handed to an SMTP server at most once.

Module map: ``model`` (the Notice and Item records), ``people`` (who holds
an event, with their address and opt-out), ``affected`` (from a
transaction's changes to notices), ``events`` (the VEVENT each message
carries), ``outbox`` (queueing, folding, listing), ``itip``, ``messages``
and ``templates/`` (rendering), ``settings`` and ``sending`` (SMTP),
``reminders`` (chasing tbc roles and tbd slots).

Importing this package loads nothing heavy: it is imported by every command
through its default plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .model import Item, Notice

__all__ = ["Notice", "Item"]


def __getattr__(name: str):
    if name in __all__:
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'peerlearn.notify' has no attribute {name!r}; it offers {', '.join(__all__)}")
