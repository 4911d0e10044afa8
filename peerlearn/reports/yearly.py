"""The yearly report of a network: what took place, who came, what it produced.

Every figure is counted by SQL over the activities that start in the year
(in their own local time), and the lists that grow with the year (outputs,
good practices, cancellations) are read from the registry as they are
written (:class:`Rows`), so the report costs the same memory for ten
activities or fifty thousand. It holds no member's email or private data:
members appear only as organisations hosting activities and as counts by
country. Nothing in it depends on when it was made; its date is that of the
network's last recorded change, so the same registry gives the same report.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import attrs

from ..errors import RegistryError, ValidationError
from ..limits import MAX_YEAR, MIN_YEAR
from ..registry import networks
from ..registry.store import Registry

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@attrs.frozen
class KindCount:
    """The activities of one kind in the year, by what became of them."""

    kind: str
    total: int
    completed: int
    cancelled: int
    planned: int


@attrs.frozen
class CountryCount:
    """Attendance from one country: participations, distinct members, activities attended."""

    country: str
    attended: int
    members: int
    activities: int


@attrs.frozen
class Host:
    """A member that hosted activities in the year."""

    name: str
    country: str
    activities: int


@attrs.frozen
class Report:
    """The figures of one network's year. Lists are ordered, so output is stable."""

    #: the network's slug
    network: str
    #: its name
    network_name: str
    #: the year reported on
    year: int
    #: when the network's data last changed (UTC, ISO 8601), or None
    as_of: str | None
    #: completed, cancelled, planned and total activities
    totals: dict[str, int]
    #: the activities of each kind (``KindCount``: kind, total, completed, cancelled, planned)
    by_kind: list[KindCount]
    #: the kinds that appear in ``by_month``, in order
    kinds: list[str]
    #: twelve ``(YYYY-MM, {kind: activities})`` pairs, cancelled activities left out
    by_month: list[tuple[str, dict[str, int]]]
    #: attended participations, distinct members and countries
    attendance: dict[str, int]
    #: attendance from each country (``CountryCount``: country, attended, members, activities)
    by_country: list[CountryCount]
    #: ``(country or "online", activities)``, cancelled activities left out
    host_countries: list[tuple[str, int]]
    #: the members that hosted (``Host``: name, country, activities)
    host_members: list[Host]
    #: outputs of the year's activities other than good practices: dicts read from the registry as they are
    #: iterated (``for``, ``len``, truth and indexing work as on a list), so write the report before closing it
    outputs: Rows
    #: the good practices the year's activities produced (dicts, read as iterated, as ``outputs``)
    good_practices: Rows
    #: cancelled activities and cancelled sessions (``activity`` names a session's activity, else None), in time
    #: order (dicts, read as iterated, as ``outputs``)
    cancellations: Rows

    @property
    def empty(self) -> bool:
        return self.totals["total"] == 0


class Rows:
    """A list of the report read from the registry each time it is iterated, one row at a time.

    It reads as a list does (``for``, ``len``, truth, ``==`` with a list,
    indexing), but holds none of its rows: the report's long lists cost no
    memory. The registry it was built from must stay open while the report
    is written.
    """

    def __init__(self, registry: Registry, sql: str, order: str, params: list, make: Callable[[tuple], dict]) -> None:
        self._registry, self._sql, self._order, self._params, self._make = registry, sql, order, params, make

    def __iter__(self) -> Iterator[dict]:
        make = self._make
        rows = self._registry.conn.execute(f"SELECT * FROM ({self._sql}) ORDER BY {self._order}", self._params)
        return (make(row) for row in rows)

    def __len__(self) -> int:
        return self._registry.conn.execute(f"SELECT count(*) FROM ({self._sql})", self._params).fetchone()[0]

    def __bool__(self) -> bool:
        return self._registry.conn.execute(f"SELECT EXISTS ({self._sql})", self._params).fetchone()[0] == 1

    def __getitem__(self, index: Any) -> Any:
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        return list(self) == (list(other) if isinstance(other, Rows) else other)

    def __repr__(self) -> str:
        return f"Rows({list(self)!r})"


def _in_year_params(network: str, year: int) -> list:
    """The parameters of :data:`_IN_YEAR`: the network, and the first days of the year and of the next."""
    return [network, f"{year:04d}-01-01", f"{year + 1:04d}-01-01"]


def build(registry: Registry, network: str, year: int) -> Report:
    """Count the year ``year`` of ``network``."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"{year} is not a year peerlearn reports on ({MIN_YEAR}-{MAX_YEAR})", field="year")
    return _count(registry, networks.get(registry, network), year)


#: The year's activities grouped by what the figures tell apart, read from the index that holds those columns
#: (``m017_report_figures_index``) without any activity's row: a few hundred groups at most, whatever the year.
_FIGURES_SQL = ("SELECT kind, status, substr(y.start_local, 1, 7), country, count(*) FROM activities y"
                " WHERE {in_year} GROUP BY 1, 2, 3, 4")


#: Attendance by the members' country: participations, members, activities. One pass over the attended
#: participations of the year's activities, found by activity in the order of their numbers (the list of the
#: year's numbers is read from the index first): the participations are read in the order they are stored.
#: A member has one country, so its distinct members per country add up to the year's.
_ATTENDANCE_SQL = ("SELECT m.country, count(*), count(DISTINCT p.member_id), count(DISTINCT p.activity_id)"
                   " FROM participations p JOIN members m ON m.id = p.member_id"
                   " WHERE p.activity_id IN (SELECT y.id FROM activities y WHERE {in_year}) AND p.status = 'attended'"
                   " GROUP BY m.country")


def _count(registry: Registry, found, year: int) -> Report:
    network = found.slug
    local = _in_year_params(network, year)

    def query(sql: str) -> list[tuple]:
        return registry.conn.execute(sql.format(in_year=_IN_YEAR), local).fetchall()

    by_kind, months, held = _tally(query(_FIGURES_SQL), year)
    totals = {
        "completed": sum(k.completed for k in by_kind),
        "cancelled": sum(k.cancelled for k in by_kind),
        "planned": sum(k.planned for k in by_kind),
        "total": sum(k.total for k in by_kind),
    }
    kinds = [k.kind for k in by_kind if k.total > k.cancelled]
    by_country = sorted((CountryCount(*row) for row in query(_ATTENDANCE_SQL)),
                        key=lambda row: (-row.attended, row.country))
    host_countries = [(country or "online", count) for country, count in sorted(
        held.items(), key=lambda item: (-item[1], "~" if item[0] is None else item[0]))]
    host_members = [Host(*row) for row in query(
        "SELECT m.name, m.country, count(*) FROM activities y JOIN members m ON m.id = y.host_member_id"
        " WHERE {in_year} AND y.status != 'cancelled' GROUP BY m.id ORDER BY count(*) DESC, m.name_key, m.id")]
    outputs_sql = ("SELECT o.kind, o.title, o.url, o.date, o.country, o.themes, o.description, y.title,"
                   " substr(y.start_local, 1, 10) AS day, o.id FROM outputs o JOIN activities y"
                   f" ON y.id = o.activity_id WHERE {_IN_YEAR} AND (o.kind = 'good_practice') = {{practice}}")
    by_date = "coalesce(date, day), id"
    outputs = Rows(registry, outputs_sql.format(practice=0), by_date, local, _output)
    practices = Rows(registry, outputs_sql.format(practice=1), by_date, local, _good_practice)
    cancellations = Rows(registry, _CANCELLATIONS_SQL, "start_utc, activity_id, session_id", local + local,
                         _cancellation)
    as_of = registry.conn.execute("SELECT max(at) FROM changes WHERE network = ?", [network]).fetchone()[0]
    return Report(
        network=network,
        network_name=found.name,
        year=year,
        as_of=as_of,
        totals=totals,
        by_kind=by_kind,
        kinds=kinds,
        by_month=list(months.items()),
        attendance={"participations": sum(row.attended for row in by_country),
                    "members": sum(row.members for row in by_country), "countries": len(by_country)},
        by_country=by_country,
        host_countries=host_countries,
        host_members=host_members,
        outputs=outputs,
        good_practices=practices,
        cancellations=cancellations,
    )


def _tally(groups: list[tuple], year: int) -> tuple[list[KindCount], dict[str, dict[str, int]], dict]:
    """The groups of :data:`_FIGURES_SQL` added up: the activities of each kind by what became of them (most
    first), those not cancelled by month and kind (each month's kinds in order), and by the country they took
    place in (None and "" apart, as SQL groups them)."""
    kinds: dict[str, list[int]] = {}  # kind: [total, completed, cancelled, planned]
    months: dict[str, dict[str, int]] = {f"{year:04d}-{month:02d}": {} for month in range(1, 13)}
    held: dict[str | None, int] = {}
    for kind, status, month, country, count in sorted(groups, key=lambda group: (group[2], group[0])):
        counted = kinds.setdefault(kind, [0, 0, 0, 0])
        counted[0] += count
        counted[{"completed": 1, "cancelled": 2}.get(status, 3)] += count
        if status != "cancelled":
            if month not in months:  # (a start written around peerlearn: '2026-13-45')
                raise RegistryError(f"an activity of {year} has a start peerlearn cannot read (in month {month!r});"
                                    " `peerlearn check` names it")
            months[month][kind] = months[month].get(kind, 0) + count
            held[country] = held.get(country, 0) + count
    by_kind = sorted((KindCount(kind, *counted) for kind, counted in kinds.items()),
                     key=lambda row: (-row.total, row.kind))
    return by_kind, months, held


def _output(row: tuple) -> dict:
    kind, title, url, date, _country, _themes, _description, activity_title, activity_date, _id = row
    return {"kind": kind, "title": title, "url": url, "date": date or "", "activity": activity_title,
            "activity_date": activity_date}


def _good_practice(row: tuple) -> dict:
    return {**_output(row), "country": row[4] or "", "themes": json.loads(row[5] or "[]"), "description": row[6]}


#: An activity ``y`` of the year: one that starts in it in its own local time. The index on (network,
#: start_local, ...) finds the year's activities without reading their rows. Parameters: the network, the
#: first local day of the year and that of the next (:func:`_in_year_params`).
_IN_YEAR = "y.network = ? AND y.start_local >= ? AND y.start_local < ?"

#: The year's cancelled activities, and the cancelled sessions of those that took place, in time order. A
#: session's entry says whose session it is (``activity``) and its room; the sessions of a cancelled activity
#: are not listed one by one. Each part reads only what was cancelled (the partial indexes of
#: ``m016_report_indexes``): sessions first, each looking up its activity.
_CANCELLATIONS_SQL = """
SELECT start_utc, activity_id, session_id, date, kind, title, room, activity, city, online FROM (
    SELECT y.start_utc, y.id AS activity_id, 0 AS session_id, substr(y.start_local, 1, 10) AS date, y.kind, y.title,
           '' AS room, NULL AS activity, y.city, y.online_url != '' AS online
      FROM activities y WHERE {in_year} AND y.status = 'cancelled'
    UNION ALL
    SELECT s.start_utc, y.id, s.id, substr(s.start_local, 1, 10), s.kind, s.title, s.room, y.title, y.city,
           y.online_url != ''
      FROM sessions s CROSS JOIN activities y ON y.id = s.activity_id
     WHERE s.status = 'cancelled' AND {in_year} AND y.status != 'cancelled'
)
""".format(in_year=_IN_YEAR)


def _cancellation(row: tuple) -> dict:
    _start, _activity_id, session_id, date, kind, title, room, activity, city, online = row
    place = city or ("online" if online else "")
    if not session_id:
        return {"date": date, "kind": kind, "title": title, "where": place, "activity": None}
    return {"date": date, "kind": kind, "title": f"{title} (session of {activity})",
            "where": ", ".join(part for part in (room, place) if part), "activity": activity}


def month_label(month: str) -> str:
    """``2026-03`` → ``Mar``."""
    return MONTHS[int(month[5:7]) - 1]
