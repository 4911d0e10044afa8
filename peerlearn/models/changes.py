"""A row of the change log."""

from __future__ import annotations

import datetime as dt

import attrs

from .fields import _aware


@attrs.frozen
class Change:
    """One row of the append-only change log."""

    #: when it was made (UTC)
    at: dt.datetime = attrs.field(validator=_aware)
    #: who made it
    actor: str
    #: what was done: ``create``, ``update``, ``delete``, ``cancel``, ``reschedule``…
    action: str
    #: to what kind of record: ``activity``, ``member``, ``session``…
    entity: str
    #: which record, by its number or slug
    entity_id: str
    #: the network it belongs to, if any
    network: str | None
    #: its public values before (None when created)
    before: dict | None
    #: its public values after (None when deleted)
    after: dict | None
    #: its number in the change log
    id: int | None = None
