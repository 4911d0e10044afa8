"""Reading the append-only change log."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Iterator

from ..models import Change
from ..reports.exports import Column
from ..timeutil import to_utc_text
from .records import change_from_row
from .store import Registry


def list_changes(registry: Registry, *, network: str | None = None, since: dt.datetime | None = None,
                 entity: str | None = None, limit: int | None = None, until: dt.datetime | None = None,
                 activity: int | None = None) -> list[Change]:
    where, params = _where(network, since, entity, until, activity)
    sql = "SELECT * FROM changes" + where + " ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql.replace(' ORDER BY id', ' ORDER BY id DESC')} LIMIT {int(limit)}) ORDER BY id"
    return [change_from_row(row) for row in registry.query(sql, params)]


#: The changes to one activity and to what belongs to it: its sessions, their roles (even deleted ones,
#: through the log itself), its participations, outputs and programme.
_ACTIVITY = """(
    (entity IN ('activity', 'programme') AND entity_id = CAST(:activity AS TEXT))
    OR (entity = 'participation' AND entity_id LIKE CAST(:activity AS TEXT) || '/%')
    OR (entity IN ('session', 'output')
        AND json_extract(coalesce(after, before), '$.activity_id') = :activity)
    OR (entity = 'role' AND json_extract(coalesce(after, before), '$.session_id') IN (
        SELECT CAST(entity_id AS INTEGER) FROM changes WHERE entity = 'session'
        AND json_extract(coalesce(after, before), '$.activity_id') = :activity))
)"""


def _where(network: str | None, since: dt.datetime | None, entity: str | None,
           until: dt.datetime | None = None, activity: int | None = None) -> tuple[str, dict]:
    where, params = [], {}
    if network:
        where.append("network = :network")
        params["network"] = network
    if since:
        where.append("at >= :since")
        params["since"] = to_utc_text(since)
    if until:
        where.append("at < :until")
        params["until"] = to_utc_text(until)
    if entity:
        where.append("entity = :entity")
        params["entity"] = entity
    if activity is not None:
        where.append(_ACTIVITY)
        params["activity"] = int(activity)
    return (f" WHERE {' AND '.join(where)}" if where else ""), params


# -- export ------------------------------------------------------------------

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


def export_rows(registry: Registry, *, network: str | None = None, since: dt.datetime | None = None,
                entity: str | None = None, limit: int | None = None,
                until: dt.datetime | None = None, activity: int | None = None) -> Iterator[dict]:
    """The change log as plain rows for an export, streamed in order, private data removed."""
    where, params = _where(network, since, entity, until, activity)
    sql = "SELECT id, at, actor, action, entity, entity_id, network, before, after FROM changes" + where
    if limit:
        sql = f"SELECT * FROM ({sql} ORDER BY id DESC LIMIT {int(limit)})"
    cursor = registry.db.conn.execute(sql + " ORDER BY id", params)
    try:
        for id_, at, actor, action, entity_name, entity_id, network_slug, before, after in cursor:
            yield {
                "id": id_,
                "at": at,
                "actor": redact(actor),
                "action": action,
                "entity": entity_name,
                "entity_id": entity_id,
                "network": network_slug or "",
                "before": redact(json.loads(before)) if before else None,
                "after": redact(json.loads(after)) if after else None,
            }
    finally:
        cursor.close()
