"""Open data: a redacted SQLite copy of the registry, with the metadata Datasette shows.

``peerlearn export public-db FILE`` writes what the published pages, feeds
and logs already show, as tables anyone can query: the networks, the
organisations that are members, the activities that are not drafts, their
sessions, the people announced on them, their outputs, and attendance
counted by country. Datasette (``datasette public.db -m metadata.json``)
serves it as browsable pages and a JSON API, on one machine or any host that
runs Datasette.

What is public is an allow-list, :data:`TABLES`: each public table names
its columns one by one, the rows it keeps, and where it reads them. A table
or column the registry gains later is private until it is listed here, so
e-mail addresses, feed tokens and their hashes, notes, the change log, the
feed caches (``ical_blocks``, ``session_versions``, ``feed_settings``) and
any outbox never reach the copy. What the lists leave out on purpose:

- members that are people (only organisations are named; people count in
  attendance by country, as in the activity log and the yearly report);
- who registered or attended (only the counts by country);
- draft activities (they are not published anywhere), and what belongs to them;
- people declined or not yet announced on a session (``tbd``), as on the website.

The copy is built beside FILE, checked (``PRAGMA integrity_check`` and
``foreign_key_check``) and renamed over FILE only when complete, so FILE is
either the old copy or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

import attrs

from ..errors import RegistryError, ValidationError
from ..registry.activities import published_sql
from ..registry.store import Registry


@attrs.frozen
class PublicColumn:
    """A column of a public table: its type, what it means, and the SQL that reads it from the source row ``t``."""

    name: str
    type: str
    description: str
    #: an SQL expression over the source row ``t`` (default: ``t.<name>``)
    sql: str = ""
    #: ``(table, column)`` this column refers to, for Datasette's labels
    references: tuple[str, str] | None = None

    @property
    def expression(self) -> str:
        return self.sql or f"t.{self.name}"


@attrs.frozen
class PublicTable:
    """A public table: its columns, where its rows come from (``FROM``, aliased ``t``) and which rows are public.

    ``where`` may refer to public tables built before it as ``main.<table>``,
    so a child keeps only the rows whose parent is public.
    """

    name: str
    description: str
    columns: tuple[PublicColumn, ...]
    source: str
    where: str = ""
    group_by: str = ""
    primary_key: tuple[str, ...] = ()
    #: the column Datasette shows for a row that another table refers to
    label_column: str | None = None
    #: how Datasette sorts the table: a column, with a leading ``-`` for descending
    sort: str | None = None


def _col(name: str, type_: str, description: str, sql: str = "", references: tuple[str, str] | None = None):
    return PublicColumn(name, type_, description, sql, references)


def _when(name: str, what: str) -> tuple[PublicColumn, ...]:
    return (
        _col(f"start_{name}", "TEXT", f"When {what} starts, UTC (ISO 8601)."),
        _col(f"end_{name}", "TEXT", f"When {what} ends, UTC (ISO 8601)."),
    )


#: What the public copy holds, in the order it is built (a table's parents first).
TABLES: tuple[PublicTable, ...] = (
    PublicTable(
        "countries", "Countries by ISO 3166-1 alpha-2 code, and EU for the European Union's institutions.",
        (_col("code", "TEXT", "ISO 3166-1 alpha-2 code (EU: the European Union's institutions)."),
         _col("name", "TEXT", "English short name.")),
        source="", primary_key=("code",), label_column="name", sort="code"),
    PublicTable(
        "networks", "The peer-learning networks.",
        (_col("slug", "TEXT", "Short identifier of the network."),
         _col("name", "TEXT", "Name."),
         _col("acronym", "TEXT", "Acronym."),
         _col("description", "TEXT", "What the network does."),
         _col("url", "TEXT", "The network's website."),
         _col("timezone", "TEXT", "The network's default time zone (IANA)."),
         _col("categories", "TEXT", "Member categories the network knows (JSON list)."),
         _col("countries", "TEXT", "Countries whose bodies may be members (JSON list of codes; EU-MEMBER-STATES:"
                                   " the EU's Member States on a membership's dates; empty: any)."),
         _col("kinds", "TEXT", "Kinds of activity the network runs (JSON list; empty: any)."),
         _col("eligibility", "TEXT", "Who may be a member, in words.")),
        source="networks t", primary_key=("slug",), label_column="name", sort="name"),
    PublicTable(
        "activity_kinds", "Kinds of activity: workshops, peer reviews, site visits, conferences…",
        (_col("kind", "TEXT", "Short identifier of the kind."),
         _col("label", "TEXT", "Name of the kind."),
         _col("description", "TEXT", "What it is.")),
        source="", primary_key=("kind",), label_column="label", sort="kind"),
    PublicTable(
        "members", "Organisations that are members of one or more networks (people are not listed).",
        (_col("id", "INTEGER", "Number of the member."),
         _col("name", "TEXT", "Name of the organisation."),
         _col("country", "TEXT", "Country (ISO code; EU: the European Union's institutions).",
              references=("countries", "code"))),
        source="members t", where="t.type = 'organisation'", primary_key=("id",), label_column="name",
        sort="name"),
    PublicTable(
        "memberships", "Which organisation belongs to which network, as what, in which role, since when.",
        (_col("member_id", "INTEGER", "The member.", references=("members", "id")),
         _col("network", "TEXT", "The network.", references=("networks", "slug")),
         _col("category", "TEXT", "What the member is in the network, e.g. public employment service, ministry,"
                                  " managing authority."),
         _col("role", "TEXT", "member, observer, secretariat or chair."),
         _col("since", "TEXT", "First day of the membership (ISO date), if known."),
         _col("until", "TEXT", "Last day of the membership (ISO date), if it ended.")),
        source="memberships t", where="t.member_id IN (SELECT id FROM main.members)",
        primary_key=("member_id", "network")),
    PublicTable(
        "activities", "Workshops, peer reviews, site visits, conferences and other activities (drafts are not"
                      " published).",
        (_col("id", "INTEGER", "Number of the activity."),
         _col("uid", "TEXT", "Its iCalendar UID, as in the calendar feeds."),
         _col("network", "TEXT", "The network that runs it.", references=("networks", "slug")),
         _col("kind", "TEXT", "Kind of activity.", references=("activity_kinds", "kind")),
         _col("title", "TEXT", "Title."),
         _col("description", "TEXT", "Description."),
         _col("status", "TEXT", "tentative, confirmed, cancelled or completed."),
         *_when("utc", "it"),
         _col("start_local", "TEXT", "When it starts, in its own time zone."),
         _col("end_local", "TEXT", "When it ends, in its own time zone."),
         _col("timezone", "TEXT", "Its time zone (IANA)."),
         _col("all_day", "INTEGER", "1 for an activity of whole days."),
         _col("venue", "TEXT", "Venue."),
         _col("city", "TEXT", "City."),
         _col("country", "TEXT", "Country where it takes place (empty: online).", "nullif(t.country, '')",
              references=("countries", "code")),
         _col("online_url", "TEXT", "Where to join it online."),
         _col("host_member_id", "INTEGER", "The organisation hosting it (e.g. a peer review's host).",
              "CASE WHEN t.host_member_id IN (SELECT id FROM main.members) THEN t.host_member_id END",
              references=("members", "id")),
         _col("themes", "TEXT", "Themes (JSON list)."),
         _col("capacity", "INTEGER", "Places, if limited."),
         _col("rrule", "TEXT", "Recurrence rule (RFC 5545), for a series."),
         _col("sequence", "INTEGER", "Version as calendars see it: rises with every change a calendar must show."),
         _col("updated_at", "TEXT", "When it last changed (UTC).")),
        source="activities t", where=published_sql("t"), primary_key=("id",), label_column="title",
        sort="-start_utc"),
    PublicTable(
        "activity_exdates", "Occurrences of a series that do not take place.",
        (_col("activity_id", "INTEGER", "The series.", references=("activities", "id")),
         _col("occurrence_local", "TEXT", "Start of the occurrence left out, in the activity's time zone.")),
        source="activity_exdates t", where="t.activity_id IN (SELECT id FROM main.activities)",
        primary_key=("activity_id", "occurrence_local")),
    PublicTable(
        "activity_peers", "The peer organisations of a peer review.",
        (_col("activity_id", "INTEGER", "The peer review.", references=("activities", "id")),
         _col("member_id", "INTEGER", "A peer.", references=("members", "id"))),
        source="activity_peers t",
        where="t.activity_id IN (SELECT id FROM main.activities) AND t.member_id IN (SELECT id FROM main.members)",
        primary_key=("activity_id", "member_id")),
    PublicTable(
        "sessions", "The programme of an activity: panels, workshops, keynotes, breaks; parallel ones by track.",
        (_col("id", "INTEGER", "Number of the session."),
         _col("activity_id", "INTEGER", "The activity.", references=("activities", "id")),
         _col("key", "TEXT", "Its short name within the activity."),
         _col("title", "TEXT", "Title."),
         _col("kind", "TEXT", "opening, keynote, panel, workshop, plenary, qa, break or closing."),
         _col("description", "TEXT", "Description."),
         *_when("utc", "the session"),
         _col("start_local", "TEXT", "When it starts, in its own time zone."),
         _col("end_local", "TEXT", "When it ends, in its own time zone."),
         _col("timezone", "TEXT", "Its time zone (IANA)."),
         _col("track", "TEXT", "Track: sessions in different tracks at the same time run in parallel."),
         _col("room", "TEXT", "Room."),
         _col("status", "TEXT", "scheduled or cancelled.")),
        source="sessions t", where="t.activity_id IN (SELECT id FROM main.activities)", primary_key=("id",),
        label_column="title", sort="start_utc"),
    PublicTable(
        "roles", "People announced on a session: chairs, moderators, speakers, panellists, rapporteurs.",
        (_col("id", "INTEGER", "Number of the role."),
         _col("session_id", "INTEGER", "The session.", references=("sessions", "id")),
         _col("role", "TEXT", "chair, moderator, speaker, panellist or rapporteur."),
         _col("status", "TEXT", "confirmed, or tbc (to be confirmed)."),
         _col("name", "TEXT", "The person's name."),
         _col("affiliation", "TEXT", "Their organisation or function."),
         _col("speaking_minutes", "INTEGER", "Minutes of speaking time, if set."),
         _col("prerecorded_minutes", "INTEGER", "Minutes of pre-recorded contribution, if any."),
         _col("position", "INTEGER", "Order on the session.")),
        source="roles t",
        where="t.session_id IN (SELECT id FROM main.sessions) AND t.status IN ('confirmed', 'tbc') AND t.name != ''",
        primary_key=("id",), label_column="name", sort="session_id"),
    PublicTable(
        "outputs", "What activities produced: reports, papers, recordings, slides, good practices.",
        (_col("id", "INTEGER", "Number of the output."),
         _col("activity_id", "INTEGER", "The activity that produced it.", references=("activities", "id")),
         _col("kind", "TEXT", "thematic_report, final_report, paper, recording, slides, good_practice or other."),
         _col("title", "TEXT", "Title."),
         _col("url", "TEXT", "Where to read, watch or download it."),
         _col("date", "TEXT", "Date of publication (ISO date)."),
         _col("country", "TEXT", "For a good practice: the country it comes from.", "nullif(t.country, '')",
              references=("countries", "code")),
         _col("themes", "TEXT", "Themes (JSON list)."),
         _col("description", "TEXT", "Description.")),
        source="outputs t", where="t.activity_id IN (SELECT id FROM main.activities)", primary_key=("id",),
        label_column="title", sort="-date"),
    PublicTable(
        "attendance", "How many members attended each activity, by country (members are not named).",
        (_col("activity_id", "INTEGER", "The activity.", "p.activity_id", references=("activities", "id")),
         _col("country", "TEXT", "The attendees' country.", "t.country", references=("countries", "code")),
         _col("participants", "INTEGER", "Members from that country who attended.", "count(*)")),
        source="participations p JOIN members t ON t.id = p.member_id",
        where="p.status = 'attended' AND p.activity_id IN (SELECT id FROM main.activities)",
        group_by="p.activity_id, t.country", primary_key=("activity_id", "country")),
)

#: Datasette's canned queries: name → (title, SQL).
QUERIES = {
    "activities_by_network_and_year": (
        "Activities by network and year",
        "SELECT n.name AS network, substr(a.start_local, 1, 4) AS year, count(*) AS activities,\n"
        "       sum(a.status = 'completed') AS completed, sum(a.status = 'cancelled') AS cancelled,\n"
        "       sum(a.status NOT IN ('completed', 'cancelled')) AS planned\n"
        "FROM activities a JOIN networks n ON n.slug = a.network\n"
        "GROUP BY a.network, year ORDER BY year, n.name",
    ),
    "attendance_by_country": (
        "Attendance by country, network and year",
        "SELECT coalesce(c.name, t.country) AS country, t.country AS code, n.name AS network,\n"
        "       substr(a.start_local, 1, 4) AS year, sum(t.participants) AS attended,\n"
        "       count(DISTINCT t.activity_id) AS activities\n"
        "FROM attendance t JOIN activities a ON a.id = t.activity_id JOIN networks n ON n.slug = a.network\n"
        "LEFT JOIN countries c ON c.code = t.country\n"
        "GROUP BY t.country, a.network, year ORDER BY year, n.name, attended DESC, code",
    ),
    "outputs": (
        "Outputs: reports, papers, recordings, slides and good practices",
        "SELECT o.date, o.kind, o.title, o.url, a.title AS activity, n.name AS network,\n"
        "       substr(a.start_local, 1, 10) AS activity_date\n"
        "FROM outputs o JOIN activities a ON a.id = o.activity_id JOIN networks n ON n.slug = a.network\n"
        "ORDER BY coalesce(o.date, substr(a.start_local, 1, 10)) DESC, o.id",
    ),
}


@attrs.frozen
class PublicExport:
    """What an export wrote: the files, and the rows of each table."""

    database: Path
    metadata: Path
    rows: dict[str, int]


def export(registry: Registry, path: str | Path, metadata_path: str | Path | None = None, *,
           title: str = "Peer-learning activities", license: str = "", license_url: str = "") -> PublicExport:
    """Write the public copy of ``registry`` to ``path`` and its Datasette metadata beside it.

    ``metadata_path`` defaults to ``metadata.json`` in the folder of
    ``path``. Datasette names the database after the file (``public.db`` →
    ``public``), and the metadata describes it under that name. Both files
    are written whole, and together: where either cannot be (a folder, a
    link, a pipe or a device is there, or the registry itself), neither is
    changed.
    """
    from ..atomic.batches import batch
    from ..atomic.files import write_atomic
    from ..atomic.places import check_destination
    from ..errors import OutputError

    if license_url and not license_url.lower().startswith(("https://", "http://")):
        raise ValidationError(f"{license_url!r} is not an http(s) URL", field="license_url")
    for given, field in ((path, "path"), (metadata_path, "metadata_path")):
        if given is not None and not Path(given).name:  # '', '.', '/': a folder, or nothing
            raise ValidationError(f"{os.fspath(given)!r} is not a file name", field=field)
    target = Path(path)
    metadata_target = Path(metadata_path) if metadata_path is not None else target.with_name("metadata.json")
    for where, field in ((target, "path"), (metadata_target, "metadata_path")):
        if not where.parent.is_dir():
            raise ValidationError(f"folder {where.parent} does not exist", field=field)
        try:
            check_destination(where)
        except OutputError as error:
            raise ValidationError(str(error), field=field) from None
    if os.path.realpath(target) == os.path.realpath(metadata_target):
        raise ValidationError(f"{metadata_target} is the database file itself; choose another file",
                              field="metadata_path")
    building = target.with_name(f".{target.name}.building")
    _remove(building)
    with batch():  # the metadata waits beside its file until the database is in place
        write_atomic(metadata_target, (json.dumps(metadata(target.stem, title=title, license=license,
                                                           license_url=license_url), indent=2, ensure_ascii=False)
                                       + "\n").encode("utf-8"))
        try:
            rows = _build(registry, building)
            check_destination(target)  # (still no link, pipe or device put there meanwhile)
            os.replace(building, target)
        except sqlite3.Error as error:
            raise RegistryError(f"cannot write {target}: {error}") from None
        except OSError as error:
            raise RegistryError(f"cannot write {target}: {error.strerror or error}") from None
        finally:
            _remove(building)
    return PublicExport(target, metadata_target, rows)


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _build(registry: Registry, building: Path) -> dict[str, int]:
    """Build the public tables in a new file, from one snapshot of the registry; check it; count its rows."""
    source = registry.reading_uri()
    conn = sqlite3.connect(f"file:{quote(str(building.resolve()))}?mode=rwc", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("ATTACH DATABASE ? AS registry", [source])
        conn.execute("BEGIN")
        for table in TABLES:
            conn.execute(_create(table))
            rows = _fixed_rows(table.name, conn)
            if rows is not None:
                conn.executemany(f"INSERT INTO main.{table.name} VALUES ({', '.join('?' * len(table.columns))})",
                                 rows)
            else:
                conn.execute(_copy(table))
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE registry")
        check = conn.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            raise RegistryError(f"the public copy failed its integrity check: {check[:3]}")
        dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RegistryError(f"the public copy refers to rows it does not hold: {dangling[:3]}")
        counts = {table.name: conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0] for table in TABLES}
        conn.execute("VACUUM")
        return counts
    finally:
        conn.close()


def _create(table: PublicTable) -> str:
    parts = [f"{column.name} {column.type}" for column in table.columns]
    if table.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
    parts += [f"FOREIGN KEY ({column.name}) REFERENCES {column.references[0]}({column.references[1]})"
              for column in table.columns if column.references]
    return f"CREATE TABLE main.{table.name} (\n    " + ",\n    ".join(parts) + "\n)"


def _copy(table: PublicTable) -> str:
    names = ", ".join(column.name for column in table.columns)
    values = ", ".join(column.expression for column in table.columns)
    source = " JOIN ".join(f"registry.{part.strip()}" for part in table.source.split(" JOIN "))
    sql = f"INSERT INTO main.{table.name} ({names}) SELECT {values} FROM {source}"
    if table.where:
        sql += f" WHERE {table.where}"
    if table.group_by:
        sql += f" GROUP BY {table.group_by}"
    return sql


def _fixed_rows(name: str, conn: sqlite3.Connection) -> list[tuple] | None:
    """The rows of the tables that come from peerlearn and its plugins rather than from the registry.

    A code the registry holds that they do not know (a country stored
    before the list changed, the kind of a plugin not loaded) is listed
    too, named by itself, so every reference has its row.
    """
    def used(sql: str) -> set[str]:
        return {value for (value,) in conn.execute(sql) if value}

    if name == "countries":
        from ..countries import EU_INSTITUTIONS, ISO_3166_ALPHA2, country_name

        codes = {*ISO_3166_ALPHA2, EU_INSTITUTIONS} | used(
            "SELECT country FROM registry.members UNION SELECT country FROM registry.activities"
            " UNION SELECT country FROM registry.outputs")
        return [(code, country_name(code)) for code in sorted(codes)]
    if name == "activity_kinds":
        from .. import plugins
        from .labels import phrase

        known = plugins.activity_kinds()
        kinds = [(kind.name, kind.label or phrase(kind.name), kind.description) for kind in known.values()]
        kinds += [(kind, phrase(kind), "") for kind in sorted(used("SELECT DISTINCT kind FROM registry.activities"))
                  if kind not in known]
        return kinds
    return None


def metadata(database: str, *, title: str = "Peer-learning activities", license: str = "",
             license_url: str = "") -> dict:
    """Datasette's metadata for the public copy served as ``database``: descriptions, labels, canned queries."""
    tables = {}
    for table in TABLES:
        entry: dict = {"description": table.description,
                       "columns": {column.name: column.description for column in table.columns}}
        if table.label_column:
            entry["label_column"] = table.label_column
        if table.sort:
            entry["sort_desc" if table.sort.startswith("-") else "sort"] = table.sort.lstrip("-")
        tables[table.name] = entry
    about = {"title": title,
             "description": "Activities of peer-learning networks, their programmes, outputs and attendance by"
                            " country, published with peerlearn. No e-mail address, feed token, note or"
                            " individual attendance is included."}
    if license:
        about["license"] = license
        if license_url:
            about["license_url"] = license_url
    return {
        **about,
        "databases": {database: {
            "tables": tables,
            "queries": {name: {"title": query_title, "sql": sql} for name, (query_title, sql) in QUERIES.items()},
        }},
    }
