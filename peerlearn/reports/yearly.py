"""The yearly report of a network: what took place, who came, what it produced.

Every figure is counted by SQL over the activities that start in the year
(in their own local time), so the report costs the same memory for ten
activities or fifty thousand. It holds no member's email or private data:
members appear only as organisations hosting activities and as counts by
country. Nothing in it depends on when it was made; its date is that of the
network's last recorded change, so the same registry gives the same report.
"""

from __future__ import annotations

import datetime as dt
import json

import attrs

from ..errors import ValidationError
from ..registry import networks
from ..registry.store import Registry
from ..timeutil import localize, to_utc_text

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
    #: outputs of the year's activities other than good practices
    outputs: list[dict]
    #: the good practices the year's activities produced
    good_practices: list[dict]
    #: cancelled activities and cancelled sessions (``activity`` names a session's activity, else None)
    cancellations: list[dict]

    @property
    def empty(self) -> bool:
        return self.totals["total"] == 0


YEAR_TABLE = "temp.report_year"


def _select_year(registry: Registry, network: str, year: int, tzname: str) -> None:
    """Copy the year's activities (those starting in it, in their own local time) to a temporary table.

    The UTC bounds, a day wider than the year, let the index find them; the
    local bounds decide. Every figure is then counted from this small table.
    """
    first = localize(dt.datetime(year, 1, 1), tzname) - dt.timedelta(days=1)
    last = localize(dt.datetime(year + 1, 1, 1), tzname) + dt.timedelta(days=1)
    registry.conn.execute(f"DROP TABLE IF EXISTS {YEAR_TABLE}")
    registry.conn.execute(
        f"CREATE TABLE {YEAR_TABLE} AS SELECT id, kind, title, status, start_utc, start_local, city, country,"
        " online_url, host_member_id FROM activities WHERE network = ? AND start_utc >= ? AND start_utc < ?"
        " AND start_local >= ? AND start_local < ?",
        [network, to_utc_text(first), to_utc_text(last), f"{year:04d}-01-01", f"{year + 1:04d}-01-01"],
    )


def build(registry: Registry, network: str, year: int) -> Report:
    """Count the year ``year`` of ``network``."""
    if not 1900 <= year <= 9998:
        raise ValidationError(f"{year} is not a year peerlearn reports on (1900-9998)", field="year")
    found = networks.get(registry, network)
    _select_year(registry, network, year, found.timezone)
    try:
        return _count(registry, found, year)
    finally:
        registry.conn.execute(f"DROP TABLE IF EXISTS {YEAR_TABLE}")


def _count(registry: Registry, found, year: int) -> Report:
    network = found.slug

    def query(sql: str) -> list[tuple]:
        return registry.conn.execute(sql).fetchall()

    by_kind = [KindCount(*row) for row in query(
        "SELECT kind, count(*), sum(status = 'completed'), sum(status = 'cancelled'),"
        " sum(status NOT IN ('completed', 'cancelled')) FROM report_year y"
        " GROUP BY kind ORDER BY count(*) DESC, kind")]
    totals = {
        "completed": sum(k.completed for k in by_kind),
        "cancelled": sum(k.cancelled for k in by_kind),
        "planned": sum(k.planned for k in by_kind),
        "total": sum(k.total for k in by_kind),
    }
    months = {f"{year:04d}-{month:02d}": {} for month in range(1, 13)}
    for month, kind, count in query(
        "SELECT substr(start_local, 1, 7), kind, count(*) FROM report_year y WHERE status != 'cancelled'"
        " GROUP BY 1, 2 ORDER BY 1, 2"
    ):
        months[month][kind] = count
    kinds = [k.kind for k in by_kind if k.total > k.cancelled]
    members_by_country = dict(query(
        "SELECT m.country, count(*) FROM members m WHERE EXISTS (SELECT 1 FROM participations p"
        " JOIN report_year y ON y.id = p.activity_id WHERE p.member_id = m.id AND p.status = 'attended')"
        " GROUP BY m.country"))
    by_country = sorted(
        (CountryCount(country, attended, members_by_country.get(country, 0), activities)
         for country, attended, activities in query(
            "SELECT m.country, count(*), count(DISTINCT p.activity_id)"
            " FROM report_year y JOIN participations p ON p.activity_id = y.id AND p.status = 'attended'"
            " JOIN members m ON m.id = p.member_id GROUP BY m.country")),
        key=lambda row: (-row.attended, row.country),
    )
    host_countries = [(country or "online", count) for country, count in query(
        "SELECT country, count(*) FROM report_year y WHERE status != 'cancelled' GROUP BY country"
        " ORDER BY count(*) DESC, coalesce(country, '~')")]
    host_members = [Host(*row) for row in query(
        "SELECT m.name, m.country, count(*) FROM report_year y JOIN members m ON m.id = y.host_member_id"
        " WHERE y.status != 'cancelled' GROUP BY m.id ORDER BY count(*) DESC, m.name_key, m.id")]
    outputs, practices = [], []
    for kind, title, url, date, country, themes, description, activity_title, activity_date in query(
        "SELECT o.kind, o.title, o.url, o.date, o.country, o.themes, o.description, y.title,"
        " substr(y.start_local, 1, 10) FROM outputs o JOIN report_year y ON y.id = o.activity_id"
        " ORDER BY coalesce(o.date, substr(y.start_local, 1, 10)), o.id"
    ):
        entry = {"kind": kind, "title": title, "url": url, "date": date or "", "activity": activity_title,
                 "activity_date": activity_date}
        if kind == "good_practice":
            practices.append({**entry, "country": country or "", "themes": json.loads(themes or "[]"),
                              "description": description})
        else:
            outputs.append(entry)
    cancellations = _cancellations(query)
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
                    "members": sum(members_by_country.values()), "countries": len(by_country)},
        by_country=by_country,
        host_countries=host_countries,
        host_members=host_members,
        outputs=outputs,
        good_practices=practices,
        cancellations=cancellations,
    )


def _cancellations(query) -> list[dict]:
    """The year's cancelled activities, and the cancelled sessions of those that took place, in time order.

    A session's entry says whose session it is (``activity``) and its room;
    the sessions of a cancelled activity are not listed one by one.
    """
    found = []
    for start, date, kind, title, city, online, activity_id in query(
            "SELECT start_utc, substr(start_local, 1, 10), kind, title, city, online_url != '', id"
            " FROM report_year y WHERE status = 'cancelled'"):
        found.append(((start, activity_id, 0), {"date": date, "kind": kind, "title": title,
                                                "where": city or ("online" if online else ""), "activity": None}))
    for start, date, kind, title, room, activity, city, online, activity_id, session_id in query(
            "SELECT s.start_utc, substr(s.start_local, 1, 10), s.kind, s.title, s.room, y.title, y.city,"
            " y.online_url != '', y.id, s.id FROM sessions s JOIN report_year y ON y.id = s.activity_id"
            " WHERE s.status = 'cancelled' AND y.status != 'cancelled'"):
        where = ", ".join(part for part in (room, city or ("online" if online else "")) if part)
        found.append(((start, activity_id, session_id), {
            "date": date, "kind": kind, "title": f"{title} (session of {activity})", "where": where,
            "activity": activity}))
    return [entry for _key, entry in sorted(found, key=lambda pair: pair[0])]


def month_label(month: str) -> str:
    """``2026-03`` → ``Mar``."""
    return MONTHS[int(month[5:7]) - 1]
