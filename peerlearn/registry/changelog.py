"""Reading the append-only change log (its export is :mod:`peerlearn.reports.changes`)."""

from __future__ import annotations

import datetime as dt

from ..models import Change
from ..timeutil import to_utc_text
from .records import change_from_row
from .store import Registry


def list_changes(registry: Registry, *, network: str | None = None, since: dt.datetime | None = None,
                 entity: str | None = None, limit: int | None = None, until: dt.datetime | None = None,
                 activity: int | None = None) -> list[Change]:
    where, params = where_clause(network, since, entity, until, activity)
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


def where_clause(network: str | None, since: dt.datetime | None, entity: str | None,
                 until: dt.datetime | None = None, activity: int | None = None) -> tuple[str, dict]:
    """The ``WHERE`` clause (with its parameters) selecting the changes that match the filters."""
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
