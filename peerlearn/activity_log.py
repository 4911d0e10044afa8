"""The activity log: one row per activity of a network in a period.

Each row says when and where the activity took place (or was to), its kind,
title and status, who attended from which country, who spoke and what it
produced. ``state`` tells the three cases a report keeps apart:
``completed``, ``cancelled`` and ``planned`` (draft, tentative or confirmed).

Rows are streamed: activities are read from one cursor in time order, and
the participants, outputs and speakers of each batch of activities are
counted in SQL, so memory stays flat however long the log. No member's
email or private data is read.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from .exports import Column, plain_text
from .speakers import speaker_text, speakers_by_activity
from .store import Registry
from .timeutil import to_utc_text

BATCH = 500


def state_of(status: str) -> str:
    """``completed``, ``cancelled`` or ``planned``."""
    return status if status in ("completed", "cancelled") else "planned"


def output_text(output: dict) -> str:
    details = ", ".join(filter(None, (output["kind"].replace("_", " "), output.get("date"))))
    return " ".join(filter(None, (f"{output['title']} ({details})", output.get("url"))))


def _join(text_of):
    return lambda items: "; ".join(text_of(item) for item in items or ())


COLUMNS = [
    Column("id", "id"),
    Column("date", "date"),
    Column("end_date", "end date"),
    Column("kind", "kind"),
    Column("title", "title"),
    Column("status", "status"),
    Column("state", "state"),
    Column("country", "host country"),
    Column("where", "city or online"),
    Column("host", "host member"),
    Column("attended", "attended"),
    Column("attended_by_country", "attended by country"),
    Column("registered", "registered"),
    Column("speakers", "speakers", _join(speaker_text)),
    Column("outputs", "outputs", _join(output_text)),
]

_ACTIVITIES_SQL = """
SELECT a.id, a.kind, a.title, a.status, a.start_local, a.end_local, a.all_day, a.city, a.country,
       a.online_url, h.name AS host
FROM activities a LEFT JOIN members h ON h.id = a.host_member_id
WHERE a.network = ? AND a.end_utc > ? AND a.start_utc < ?
ORDER BY a.start_utc, a.id
"""


def rows(registry: Registry, network: str, start: dt.datetime | None = None,
         end: dt.datetime | None = None) -> Iterator[dict]:
    """The log's rows for activities of ``network`` overlapping [start, end), in time order."""
    low = to_utc_text(start) if start else ""
    high = to_utc_text(end) if end else "9999"
    cursor = registry.db.conn.cursor()
    cursor.execute(_ACTIVITIES_SQL, [network, low, high])
    names = [description[0] for description in cursor.description]
    try:
        while True:
            batch = [dict(zip(names, values)) for values in cursor.fetchmany(BATCH)]
            if not batch:
                return
            yield from _complete(registry, batch)
    finally:
        cursor.close()


def _complete(registry: Registry, batch: list[dict]) -> Iterator[dict]:
    ids = [activity["id"] for activity in batch]
    marks = ", ".join("?" for _ in ids)
    counts: dict[int, dict] = {}
    for activity_id, country, attended, registered in registry.db.execute(
        "SELECT p.activity_id, m.country, sum(p.status = 'attended'), sum(p.status = 'registered')"
        " FROM participations p JOIN members m ON m.id = p.member_id"
        f" WHERE p.activity_id IN ({marks}) GROUP BY p.activity_id, m.country ORDER BY p.activity_id, m.country",
        ids,
    ):
        entry = counts.setdefault(activity_id, {"attended": 0, "by_country": {}, "registered": 0})
        entry["attended"] += attended
        entry["registered"] += registered
        if attended:
            entry["by_country"][country] = attended
    outputs: dict[int, list[dict]] = {}
    for activity_id, kind, title, url, date in registry.db.execute(
        f"SELECT activity_id, kind, title, url, date FROM outputs WHERE activity_id IN ({marks})"
        " ORDER BY activity_id, coalesce(date, ''), id",
        ids,
    ):
        outputs.setdefault(activity_id, []).append({"kind": kind, "title": title, "url": url, "date": date})
    speakers = speakers_by_activity(registry, ids)
    for activity in batch:
        count = counts.get(activity["id"], {"attended": 0, "by_country": {}, "registered": 0})
        yield {
            "id": activity["id"],
            "date": activity["start_local"][:10],
            "end_date": _last_day(activity),
            "kind": activity["kind"],
            "title": activity["title"],
            "status": activity["status"],
            "state": state_of(activity["status"]),
            "country": activity["country"] or "",
            "where": activity["city"] or ("online" if activity["online_url"] else ""),
            "host": activity["host"] or "",
            "attended": count["attended"],
            "attended_by_country": count["by_country"],
            "registered": count["registered"],
            "speakers": speakers.get(activity["id"], []),
            "outputs": outputs.get(activity["id"], []),
        }


def _last_day(activity: dict) -> str:
    """The last day it runs: an all-day span ends at the exclusive midnight after it."""
    end = dt.datetime.fromisoformat(activity["end_local"])
    if activity["all_day"] or end.time() == dt.time():
        end -= dt.timedelta(days=1)
    return max(end.date().isoformat(), activity["start_local"][:10])


def title(network_name: str, start: dt.date | None, last: dt.date | None) -> str:
    """The log's heading, e.g. ``Activity log: PES Network, 2026-01-01 to 2026-12-31``."""
    if start and last:
        return f"Activity log: {network_name}, {start.isoformat()} to {last.isoformat()}"
    if start:
        return f"Activity log: {network_name}, from {start.isoformat()}"
    if last:
        return f"Activity log: {network_name}, until {last.isoformat()}"
    return f"Activity log: {network_name}"


__all__ = ["COLUMNS", "rows", "state_of", "title", "plain_text"]
