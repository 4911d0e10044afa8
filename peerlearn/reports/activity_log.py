"""The activity log: one row per activity of a network in a period.

Each row says when and where the activity took place (or was to), its kind,
title and status, who attended from which country, who spoke and what it
produced. ``state`` tells the three cases a report keeps apart:
``completed``, ``cancelled`` and ``planned`` (draft, tentative or confirmed).

Rows are streamed: activities are read from one cursor in time order, each
with its attendance by country and its outputs gathered by SQL, and the
speakers of each batch of activities read in one query, so memory stays
flat however long the log. No member's
email or private data is read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Callable, Iterator

import attrs

from ..agenda.speakers import speaker_text, speakers_by_activity
from ..countries import country_label
from ..registry.store import Registry
from ..timeutil import to_utc_text
from .exports import Column, Record, plain_text

BATCH = 500


def state_of(status: str) -> str:
    """``completed``, ``cancelled`` or ``planned``."""
    return status if status in ("completed", "cancelled") else "planned"


def output_text(output: dict) -> str:
    details = ", ".join(filter(None, (output["kind"].replace("_", " "), output.get("date"))))
    return " ".join(filter(None, (f"{output['title']} ({details})", output.get("url"))))


def _join(text_of):
    return lambda items: plain_text("; ".join(text_of(item) for item in items or ()))


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

def _dates(record: LogRow) -> str:
    first, last = record.get("date") or "", record.get("end_date") or ""
    return first if not last or last == first else f"{first} to {last}"


_country_labels: dict[str, str] = {}


def _country(code: str) -> str:
    """:func:`country_label`, remembered: a log names the same few countries hundreds of thousands of times."""
    try:
        return _country_labels[code]
    except KeyError:
        label = _country_labels[code] = country_label(code)
        return label


def _place(record: LogRow) -> str:
    return ", ".join(filter(None, (record.get("where"), _country(record.get("country") or ""))))


def _participants(record: LogRow) -> str:
    """``8 attended: Belgium (BE) 1, Germany (DE) 2; 3 registered``."""
    parts = []
    if record.get("attended"):
        counts = ", ".join([f"{_country(country)} {count}"
                            for country, count in (record.get("attended_by_country") or {}).items()])
        parts.append(f"{record['attended']} attended" + (f": {counts}" if counts else ""))
    if record.get("registered"):
        parts.append(f"{record['registered']} registered")
    return "; ".join(parts)


def display_columns() -> list[Column]:
    """The log as people read it (HTML, Markdown): labels for slugs, countries by name and code.

    One status (the data formats' ``state`` is the report's three-way split
    of it), the dates in one column, where in one, and who came in one
    (how many attended, from which countries, how many are registered).
    """
    from .labels import kind_labels, status_label

    kind = kind_labels()
    return [
        Column("id", "id", style="number"),
        Column("dates", "dates", style="date", get=_dates),
        Column("kind", "kind", lambda value: kind(value or "")),
        Column("title", "title"),
        Column("status", "status", lambda value: status_label(value or "")),
        Column("place", "where", get=_place),
        Column("host", "host member"),
        Column("participants", "participants", style="long", get=_participants),
        Column("speakers", "speakers", _join(speaker_text), style="long"),
        Column("outputs", "outputs", _join(output_text), style="long"),
    ]


_ACTIVITIES_SQL = """
SELECT a.id, a.kind, a.title, a.status, a.start_local, a.end_local, a.all_day, a.city, a.country,
       a.online_url, h.name AS host,
       (SELECT group_concat(m.country) FROM participations p JOIN members m ON m.id = p.member_id
            WHERE p.activity_id = a.id AND p.status = 'attended') AS attended_countries,
       (SELECT count(*) FROM participations p WHERE p.activity_id = a.id AND p.status = 'registered') AS registered,
       (SELECT json_group_array(json_object('kind', kind, 'title', title, 'url', url, 'date', date)) FROM (
            SELECT kind, title, url, date FROM outputs o WHERE o.activity_id = a.id
            ORDER BY coalesce(date, ''), id)) AS outputs
FROM activities a LEFT JOIN members h ON h.id = a.host_member_id
WHERE a.network = ? AND a.end_utc > ? AND a.start_utc < ?
ORDER BY a.start_utc, a.id
"""


def rows(registry: Registry, network: str, start: dt.datetime | None = None,
         end: dt.datetime | None = None, progress: Callable[[int, int | None], None] | None = None,
         ids: list[int] | None = None) -> Iterator[LogRow]:
    """The log's rows for activities of ``network`` overlapping [start, end), in time order.

    ``progress(done, total)``, where given, is called as rows are read;
    ``ids`` (at most a few hundred), where given, keeps those activities only.
    """
    low = to_utc_text(start) if start else ""
    high = to_utc_text(end) if end else "9999"
    total = registry.conn.execute("SELECT count(*) FROM activities a WHERE a.network = ? AND a.end_utc > ?"
                                  " AND a.start_utc < ?", [network, low, high]).fetchone()[0] if progress else None
    done = 0
    sql, params = _ACTIVITIES_SQL, [network, low, high]
    if ids is not None:
        body, order = sql.rsplit("ORDER BY", 1)
        sql = f"{body}AND a.id IN ({', '.join('?' * len(ids))})\nORDER BY{order}"
        params += list(ids)
    cursor = registry.conn.execute(sql, params)
    try:
        while True:
            batch = cursor.fetchmany(BATCH)
            if not batch:
                return
            speakers = speakers_by_activity(registry, [values[0] for values in batch])
            for values in batch:
                yield _row(values, speakers.get(values[0], []))
            done += len(batch)
            if progress:
                progress(done, total)
    finally:
        cursor.close()


@attrs.frozen(slots=True)
class LogRow(Record):
    """One activity of the activity log, as its exporters receive it (the fields are the columns' names)."""

    #: the activity's number
    id: int
    #: its first day (YYYY-MM-DD, in its own timezone)
    date: str
    #: its last day
    end_date: str
    #: its kind (a slug: ``peer_review``)
    kind: str
    #: its title
    title: str
    #: its status (``confirmed``, ``cancelled``…)
    status: str
    #: ``completed``, ``cancelled`` or ``planned`` (draft, tentative or confirmed)
    state: str
    #: the country it took place in (ISO code), or empty
    country: str
    #: its city, ``online``, or empty
    where: str
    #: the member that hosted it, or empty
    host: str
    #: how many members attended
    attended: int
    #: how many attended from each country, by ISO code
    attended_by_country: dict
    #: how many were registered
    registered: int
    #: who spoke: ``{"name", "affiliation"}`` each, in the programme's order
    speakers: list
    #: what it produced: ``{"kind", "title", "date", "url"}`` each
    outputs: list


def _row(values: tuple, speakers: list[dict]) -> LogRow:
    (id_, kind, title_, status, start_local, end_local, all_day, city, country, online_url, host,
     countries, registered, outputs) = values
    counts = Counter(countries.split(",")) if countries else {}
    by_country = {country: counts[country] for country in sorted(counts)}
    return LogRow(id=id_, date=start_local[:10], end_date=_last_day(start_local, end_local, all_day), kind=kind,
                  title=title_, status=status, state=state_of(status), country=country or "",
                  where=city or ("online" if online_url else ""), host=host or "", attended=sum(by_country.values()),
                  attended_by_country=by_country, registered=registered, speakers=speakers,
                  outputs=json.loads(outputs))


def _last_day(start_local: str, end_local: str, all_day: int) -> str:
    """The last day it runs: an all-day span ends at the exclusive midnight after it."""
    if not (all_day or end_local.endswith("T00:00:00")):
        return end_local[:10]
    end = dt.date.fromisoformat(end_local[:10]) - dt.timedelta(days=1)
    return max(end.isoformat(), start_local[:10])


def title(network_name: str, start: dt.date | None, last: dt.date | None) -> str:
    """The log's heading, e.g. ``Activity log: PES Network, 2026-01-01 to 2026-12-31``."""
    if start and last:
        return f"Activity log: {network_name}, {start.isoformat()} to {last.isoformat()}"
    if start:
        return f"Activity log: {network_name}, from {start.isoformat()}"
    if last:
        return f"Activity log: {network_name}, until {last.isoformat()}"
    return f"Activity log: {network_name}"


__all__ = ["COLUMNS", "display_columns", "rows", "state_of", "title", "plain_text"]
