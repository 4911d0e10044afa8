"""Reading the append-only change log."""

from __future__ import annotations

import datetime as dt

from .models import Change
from .records import change_from_row
from .store import Registry
from .timeutil import to_utc_text


def list_changes(registry: Registry, *, network: str | None = None, since: dt.datetime | None = None,
                 entity: str | None = None, limit: int | None = None) -> list[Change]:
    where, params = [], []
    if network:
        where.append("network = ?")
        params.append(network)
    if since:
        where.append("at >= ?")
        params.append(to_utc_text(since))
    if entity:
        where.append("entity = ?")
        params.append(entity)
    sql = "SELECT * FROM changes" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
    if limit:
        sql = f"SELECT * FROM ({sql.replace(' ORDER BY id', ' ORDER BY id DESC')} LIMIT {int(limit)}) ORDER BY id"
    return [change_from_row(row) for row in registry.query(sql, params)]
