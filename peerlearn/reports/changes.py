"""The change log as an export: plain rows, private data removed, streamed in order."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Iterator

import attrs

from ..registry.changelog import where_clause
from ..registry.store import Registry
from .exports import Column, Record

#: Keys whose values never leave the registry in an export, at any depth.
PRIVATE_KEYS = frozenset({"email", "feed_token", "note", "notes", "private_note", "private_notes"})


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact(value: Any) -> Any:
    """``value`` without private fields or email addresses (for exports)."""
    if isinstance(value, dict):
        return {key: redact(item) for key, item in value.items() if key not in PRIVATE_KEYS}
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return _EMAIL.sub("(private)", value)
    return value


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


COLUMNS = [
    Column("id", "id", style="number"),
    Column("at", "at (UTC)", style="date"),
    Column("actor", "actor"),
    Column("action", "action"),
    Column("entity", "entity"),
    Column("entity_id", "entity id"),
    Column("network", "network"),
    Column("before", "before", _json_text, style="long"),
    Column("after", "after", _json_text, style="long"),
]


@attrs.frozen(slots=True)
class ChangeRow(Record):
    """One row of the change log, as its exporters receive it, private data removed."""

    #: its number in the change log
    id: int
    #: when (UTC, ISO 8601)
    at: str
    #: who made it (an email address in it is written ``(private)``)
    actor: str
    #: what was done: ``create``, ``update``, ``delete``…
    action: str
    #: to what kind of record
    entity: str
    #: which record
    entity_id: str
    #: the network it belongs to, or empty
    network: str
    #: its public values before (private fields removed), or None
    before: dict | None
    #: its public values after, or None
    after: dict | None


def export_rows(registry: Registry, *, network: str | None = None, since: dt.datetime | None = None,
                entity: str | None = None, limit: int | None = None,
                until: dt.datetime | None = None, activity: int | None = None,
                after: int | None = None) -> Iterator[ChangeRow]:
    """The change log as plain rows for an export, streamed in order, private data removed.

    ``after`` keeps only the changes numbered after it (those a publication has not written yet).
    """
    where, params = where_clause(network, since, entity, until, activity)
    if after is not None:
        where = f"{where} AND id > :after" if where else " WHERE id > :after"
        params["after"] = int(after)
    sql = "SELECT id, at, actor, action, entity, entity_id, network, before, after FROM changes" + where
    if limit:
        sql = f"SELECT * FROM ({sql} ORDER BY id DESC LIMIT {int(limit)})"
    cursor = registry.conn.execute(sql + " ORDER BY id", params)
    try:
        for id_, at, actor, action, entity_name, entity_id, network_slug, before, after in cursor:
            yield ChangeRow(id=id_, at=at, actor=redact(actor), action=action, entity=entity_name,
                            entity_id=entity_id, network=network_slug or "",
                            before=redact(json.loads(before)) if before else None,
                            after=redact(json.loads(after)) if after else None)
    finally:
        cursor.close()
