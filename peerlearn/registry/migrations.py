"""The registry's schema, as named migrations applied forward on open.

Each migration runs in its own transaction and is recorded in the database
(sqlite-utils' ``Migrations``), so a registry written by an older peerlearn
opens in a newer one and keeps its rows. Never edit a migration that has
shipped: add a new one. A plugin that needs tables owns its own set.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from sqlite_utils.db import Database
    from sqlite_utils.migrations import Migrations

#: sqlite-utils' record of applied migrations: one row per migration, in the order applied
MIGRATIONS_TABLE = "_sqlite_migrations"


class MigrationSet:
    """peerlearn's migrations in order, handed to sqlite-utils' ``Migrations`` only when one must run.

    Registering is ``@migrations()`` as with sqlite-utils. Opening a registry
    only needs to know which migrations it has (:meth:`applied_names`, one
    query of sqlite-utils' own table), so a command that reads never imports
    sqlite-utils, whose import costs more than the rest of a start-up.
    """

    class _Migration(NamedTuple):
        name: str
        fn: Callable
        transactional: bool = True

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[MigrationSet._Migration] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable:
        def register(function: Callable) -> Callable:
            self._migrations.append(self._Migration(name or function.__name__, function, transactional))
            return function

        return register

    def names(self) -> list[str]:
        return [migration.name for migration in self._migrations]

    def applied_names(self, conn: sqlite3.Connection) -> list[str]:
        """The names of the migrations applied to the database on ``conn``, in the order they were applied.

        Read from sqlite-utils' own record (``Migrations.applied`` reads the
        same rows in the same order).
        """
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        [MIGRATIONS_TABLE]).fetchone() is None:
            return []
        return [row[0] for row in conn.execute(
            f"SELECT name FROM [{MIGRATIONS_TABLE}] WHERE migration_set = ? ORDER BY rowid", [self.name])]

    def migrations(self) -> Migrations:
        """sqlite-utils' ``Migrations`` holding every migration registered here."""
        from sqlite_utils.migrations import Migrations

        built = Migrations(self.name)
        for migration in self._migrations:
            built(name=migration.name, transactional=migration.transactional)(migration.fn)
        return built

    def applied(self, db: Database) -> list[Any]:
        return self.migrations().applied(db)

    def pending(self, db: Database) -> list[Any]:
        return self.migrations().pending(db)

    def apply(self, db: Database, **options: Any) -> None:
        self.migrations().apply(db, **options)


migrations = MigrationSet("peerlearn")


def names() -> list[str]:
    """Every migration this peerlearn knows, in order (a registry holding another was written by a newer one)."""
    return migrations.names()


@migrations()
def m001_core(db: Database) -> None:
    """Networks, members, memberships, activities, participations, outputs."""
    db.executescript(
        """
        CREATE TABLE networks (
            slug TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            acronym TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            timezone TEXT NOT NULL,
            categories TEXT NOT NULL DEFAULT '[]',
            countries TEXT NOT NULL DEFAULT '[]',
            kinds TEXT NOT NULL DEFAULT '[]',
            eligibility TEXT NOT NULL DEFAULT '',
            plugin TEXT
        );
        CREATE TABLE members (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            country TEXT NOT NULL,
            category TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            type TEXT NOT NULL DEFAULT 'organisation',
            feed_token TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            UNIQUE (name_key, country)
        );
        CREATE TABLE memberships (
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            network TEXT NOT NULL REFERENCES networks(slug),
            role TEXT NOT NULL DEFAULT 'member',
            since TEXT,
            until TEXT,
            PRIMARY KEY (member_id, network)
        );
        CREATE INDEX memberships_by_network ON memberships(network, member_id);
        CREATE TABLE activities (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            network TEXT NOT NULL REFERENCES networks(slug),
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            start_utc TEXT NOT NULL,
            end_utc TEXT NOT NULL,
            start_local TEXT NOT NULL,
            end_local TEXT NOT NULL,
            timezone TEXT NOT NULL,
            all_day INTEGER NOT NULL DEFAULT 0,
            venue TEXT NOT NULL DEFAULT '',
            city TEXT NOT NULL DEFAULT '',
            country TEXT,
            online_url TEXT NOT NULL DEFAULT '',
            host_member_id INTEGER REFERENCES members(id),
            themes TEXT NOT NULL DEFAULT '[]',
            capacity INTEGER,
            country_quota INTEGER,
            rrule TEXT NOT NULL DEFAULT '',
            sequence INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX activities_by_network_start ON activities(network, start_utc);
        CREATE INDEX activities_by_start ON activities(start_utc);
        CREATE INDEX activities_by_host ON activities(host_member_id);
        CREATE TABLE activity_peers (
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            PRIMARY KEY (activity_id, member_id)
        );
        CREATE TABLE participations (
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            status TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (activity_id, member_id)
        );
        CREATE INDEX participations_by_member ON participations(member_id, activity_id);
        CREATE TABLE outputs (
            id INTEGER PRIMARY KEY,
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            date TEXT,
            country TEXT,
            themes TEXT NOT NULL DEFAULT '[]',
            description TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX outputs_by_activity ON outputs(activity_id);
        """
    )


@migrations()
def m002_change_log(db: Database) -> None:
    """The append-only change log; triggers refuse any update or delete of it."""
    db.executescript(
        """
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            network TEXT,
            before TEXT,
            after TEXT
        );
        CREATE INDEX changes_by_network_at ON changes(network, at);
        CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes
        BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
        CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes
        BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
        """
    )


@migrations()
def m003_agenda(db: Database) -> None:
    """Sessions of an activity (its agenda) and the roles people hold on them."""
    db.executescript(
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            start_utc TEXT NOT NULL,
            end_utc TEXT NOT NULL,
            start_local TEXT NOT NULL,
            end_local TEXT NOT NULL,
            timezone TEXT NOT NULL,
            track TEXT NOT NULL DEFAULT '',
            room TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (activity_id, key)
        );
        CREATE INDEX sessions_by_activity_start ON sessions(activity_id, start_utc);
        CREATE INDEX sessions_by_start ON sessions(start_utc, end_utc);
        CREATE TABLE roles (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            status TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            person_key TEXT NOT NULL DEFAULT '',
            affiliation TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
            speaking_minutes INTEGER,
            prerecorded_minutes INTEGER,
            note TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX roles_by_session ON roles(session_id, position);
        CREATE INDEX roles_by_person ON roles(person_key, session_id);
        CREATE INDEX roles_by_member ON roles(member_id);
        """
    )


@migrations()
def m004_feeds(db: Database) -> None:
    """Calendar feeds: serialized VEVENT blocks, feed settings, cancelled occurrences.

    ``ical_blocks`` is a cache: each event serialized once per change,
    keyed by its UID and the ``source_key`` it was built from (deleting the
    table's rows only costs time). ``feed_settings`` keeps the signature of
    what shaped the blocks (format version, plugins), so a changed plugin
    empties the cache. ``activity_exdates`` holds the cancelled occurrences
    of recurring activities (EXDATE). ``session_versions`` gives sessions a
    SEQUENCE and last-change time where the agenda keeps none: it rises each
    time what a session's event is built from changes (not a cache: kept).
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS ical_blocks (
            uid TEXT PRIMARY KEY,
            source_key TEXT NOT NULL,
            block TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS feed_settings (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS session_versions (
            uid TEXT PRIMARY KEY,
            source_key TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            changed_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS activity_exdates (
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            occurrence_local TEXT NOT NULL,
            PRIMARY KEY (activity_id, occurrence_local)
        );
        """
    )


@migrations()
def m005_logs(db: Database) -> None:
    """An index covering each activity's participations by status, for the activity log and the report.

    Counting who attended from which country reads only this index, not the
    table: the log and the yearly report of 50,000 activities stay fast.
    """
    db.execute(
        "CREATE INDEX IF NOT EXISTS participations_by_activity_status ON participations(activity_id, status, member_id)"
    )


@migrations()
def m006_feed_token_hashes(db: Database) -> None:
    """An indexed hash of each member's feed token, so a feed request finds its member without a scan.

    Adds ``members.feed_token_hash`` (SHA-256 of the token, hex) where it is
    missing, fills it for every member, and indexes it (unique: tokens are).
    """
    from .records import feed_token_hash

    if "feed_token_hash" not in db["members"].columns_dict:
        db.execute("ALTER TABLE members ADD COLUMN feed_token_hash TEXT")
    rows = db.execute("SELECT id, feed_token FROM members WHERE feed_token_hash IS NULL").fetchall()
    db.conn.executemany("UPDATE members SET feed_token_hash = ? WHERE id = ?",
                        [(feed_token_hash(token), member_id) for member_id, token in rows])
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS members_by_feed_token_hash ON members(feed_token_hash)")


#: Tables whose ids a deletion must never free, with the entity the change log names them by.
NEVER_REUSED = {"activities": "activity", "sessions": "session", "roles": "role", "members": "member",
                "outputs": "output"}


@migrations(transactional=False)
def m007_never_reused_ids(db: Database) -> None:
    """Ids that a deletion never frees: activities, sessions, roles, members and outputs become AUTOINCREMENT.

    SQLite adds AUTOINCREMENT only in CREATE TABLE, so each table is rebuilt
    from its current definition with foreign keys off (``table_rebuild``
    explains how). It runs outside sqlite-utils' transaction, since foreign
    keys cannot be turned off inside one, in a transaction of its own; it
    is safe to run again. Each sequence starts at the highest id the table,
    its change log or a session's calendar UID ever named.
    """
    import re

    from .table_rebuild import never_reuse_ids

    uids = db.conn.execute("SELECT uid FROM session_versions UNION SELECT uid FROM ical_blocks").fetchall()
    session_ids = [int(match.group(1)) for (uid,) in uids if (match := re.match(r"session-(\d+)\.", uid))]
    never_reuse_ids(db.conn, NEVER_REUSED, floors={"sessions": session_ids})


@migrations()
def m008_session_status(db: Database) -> None:
    """Sessions get a status: ``scheduled``, or ``cancelled`` (kept in feeds and pages, struck through)."""
    if "status" not in {row[1] for row in db.execute("PRAGMA table_info(sessions)")}:
        db.execute("ALTER TABLE sessions ADD COLUMN status TEXT NOT NULL DEFAULT 'scheduled'")


@migrations()
def m009_change_log_no_replace(db: Database) -> None:
    """Refuse any insert into the change log that reuses an existing change's id.

    SQLite's ``REPLACE`` (and ``INSERT OR REPLACE``) deletes the row in the
    way without firing delete triggers (unless ``recursive_triggers`` is on),
    so the triggers of ``m002_change_log`` did not stop it from rewriting a
    change. This trigger fires before any conflict is resolved, so
    ``REPLACE``, ``INSERT OR REPLACE``, upserts (``ON CONFLICT DO UPDATE`` or
    ``DO NOTHING``) and ``INSERT OR IGNORE`` on an existing id all fail with
    an error instead of rewriting the row or silently doing nothing. A new
    change costs one primary-key lookup more.
    """
    db.execute(
        """
        CREATE TRIGGER IF NOT EXISTS changes_no_replace BEFORE INSERT ON changes
        WHEN EXISTS (SELECT 1 FROM changes WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'the change log is append-only: an existing change cannot be replaced'); END
        """
    )


@migrations()
def m011_text(db: Database) -> None:
    """Name keys NFC-normalised: ``Café`` typed precomposed or decomposed is one member, one person.

    Only the keys (``members.name_key``, ``roles.person_key``) are
    recomputed; names stay as stored. Where two members of one country
    already hold names that now share a key, the one whose key would change
    keeps its old key (``UPDATE OR IGNORE``), so the registry still opens;
    ``members show`` finds it by number.
    """
    from ..text import name_key

    db.conn.create_function("peerlearn_name_key", 1, name_key, deterministic=True)
    db.execute("UPDATE OR IGNORE members SET name_key = peerlearn_name_key(name)"
               " WHERE name_key != peerlearn_name_key(name)")
    db.execute("UPDATE roles SET person_key = peerlearn_name_key(name)"
               " WHERE person_key != peerlearn_name_key(name)")


@migrations()
def m012_outbox(db: Database) -> None:
    """The outbox of notices to people, the calendar events they carry, and an opt-out flag on members and roles.

    ``outbox`` holds one row per message: queued inside the transaction of
    the change it tells of, folded with later changes to the same person
    until it is sent, then kept with its status. ``person`` is the key a
    message folds on (the address case-folded, or ``member:N`` / ``role:N``
    for someone without one). Its ids are never reused (AUTOINCREMENT), so a
    message keeps its number. ``outbox_events`` keeps each calendar event
    (a serialized VEVENT) at the SEQUENCE a message carries. The outbox holds
    addresses: it is private, like members' emails, and never exported.
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            network TEXT,
            person TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            member_id INTEGER,
            sender TEXT NOT NULL DEFAULT '',
            reply_to TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            items TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            message_id TEXT UNIQUE,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX IF NOT EXISTS outbox_by_person ON outbox(person, status);
        CREATE INDEX IF NOT EXISTS outbox_by_status ON outbox(status, id);
        CREATE TABLE IF NOT EXISTS outbox_events (
            uid TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            block TEXT NOT NULL,
            PRIMARY KEY (uid, sequence)
        );
        """
    )
    for table in ("members", "roles"):
        if "notify_opt_out" not in db[table].columns_dict:
            db.execute(f"ALTER TABLE [{table}] ADD COLUMN notify_opt_out INTEGER NOT NULL DEFAULT 0")


@migrations()
def m013_schedule_versions(db: Database) -> None:
    """Programmes that travel: released versions, schedule GUIDs and the order of tracks.

    ``programme_versions`` holds each released version of an activity's
    programme as a frozen JSON snapshot of its public programme (never
    changed once written; ids never reused). ``session_guids`` keeps the
    ``guid`` a session was imported with from a schedule.json/xml, so the
    session keeps it for ever (sessions without one derive theirs from
    their calendar UID). ``activity_tracks`` is an activity's explicit order
    of tracks, the timetable's columns.
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS programme_versions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            name TEXT NOT NULL,
            released_at TEXT NOT NULL,
            actor TEXT NOT NULL DEFAULT '',
            snapshot TEXT NOT NULL,
            UNIQUE (activity_id, number),
            UNIQUE (activity_id, name)
        );
        CREATE TABLE IF NOT EXISTS session_guids (
            session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            guid TEXT NOT NULL,
            UNIQUE (activity_id, guid)
        );
        CREATE TABLE IF NOT EXISTS activity_tracks (
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (activity_id, name)
        );
        CREATE TRIGGER IF NOT EXISTS programme_versions_frozen BEFORE UPDATE ON programme_versions
        BEGIN SELECT RAISE(ABORT, 'a released version of a programme never changes'); END;
        """
    )


#: Who the change log names for what a migration records.
MIGRATION_ACTOR = "peerlearn migrate"


@migrations(transactional=False)
def m014_membership_facts(db: Database) -> None:
    """A member's category moves onto each of its memberships, so a body can be one thing in each network.

    ``memberships.category`` is added and every membership takes its
    member's category; ``members.category`` is then dropped, so the category
    lives in one place only. A member that held a category but no membership
    (nowhere to move it) keeps it on record in the change log: one ``update``
    of the member by ``peerlearn migrate`` whose ``before`` holds the
    category. Runs outside sqlite-utils' transaction, in a transaction of
    its own with foreign keys off, because a SQLite older than 3.35 has no
    ``ALTER TABLE … DROP COLUMN`` and the table is then rebuilt (as in
    ``m007_never_reused_ids``); safe to run again.
    """
    import datetime as dt
    import json
    import sqlite3

    from .table_rebuild import drop_column, without_foreign_keys

    conn = db.conn

    def columns(table: str) -> set[str]:
        return {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}

    def work() -> None:
        if "category" not in columns("memberships"):
            conn.execute("ALTER TABLE memberships ADD COLUMN category TEXT NOT NULL DEFAULT ''")
        if "category" not in columns("members"):
            return
        conn.execute("UPDATE memberships SET category = (SELECT m.category FROM members m"
                     " WHERE m.id = memberships.member_id) WHERE category = ''")
        # the change log's form of a time (UTC, microseconds), spelt here: a migration is frozen once shipped
        at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        kept = [(at, MIGRATION_ACTOR, "update", "member", str(member_id), None,
                 json.dumps({"category": category, "id": member_id, "name": name}, ensure_ascii=False),
                 json.dumps({"id": member_id, "name": name}, ensure_ascii=False))
                for member_id, name, category in conn.execute(
                    "SELECT id, name, category FROM members WHERE category != ''"
                    " AND id NOT IN (SELECT member_id FROM memberships) ORDER BY id")]
        conn.executemany("INSERT INTO changes (at, actor, action, entity, entity_id, network, before, after)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kept)
        drop_column(conn, "members", "category", native=sqlite3.sqlite_version_info >= (3, 35, 0))

    without_foreign_keys(conn, work)


@migrations()
def m015_member_feed_indexes(db: Database) -> None:
    """Indexes the feeds need to stay linear in the registry, whatever ``ANALYZE`` recorded.

    ``activity_peers(member_id)``: a member feed finds the activities where
    the member is a peer without reading every peer row. ``activities(end_utc)``
    and ``sessions(end_utc)``: a feeds build finds what left its window (or
    came back into it) since the last build without reading every activity.
    """
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS activity_peers_by_member ON activity_peers(member_id, activity_id);
        CREATE INDEX IF NOT EXISTS activities_by_end ON activities(end_utc);
        CREATE INDEX IF NOT EXISTS sessions_by_end ON sessions(end_utc);
        """
    )


@migrations()
def m016_report_indexes(db: Database) -> None:
    """Indexes the yearly report needs to read a network's year once, whatever its size.

    ``activities(network, start_local)``: a year is a range of local
    starts, so the report's lists find the year's activities in the index
    alone, without reading each one's row. The two partial indexes hold only
    what was cancelled: the list of cancellations reads those, not the year.
    """
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS activities_by_network_local ON activities(network, start_local);
        CREATE INDEX IF NOT EXISTS activities_cancelled ON activities(network, start_local) WHERE status = 'cancelled';
        CREATE INDEX IF NOT EXISTS sessions_cancelled ON sessions(activity_id) WHERE status = 'cancelled';
        """
    )


@migrations()
def m017_report_figures_index(db: Database) -> None:
    """An index that holds every column the yearly report counts, so its figures never read a row.

    ``activities(network, start_local, kind, status, country,
    host_member_id)`` replaces ``activities(network, start_local)`` of
    ``m016_report_indexes``, which it extends: the year's activities of a
    network are one range of it, and counting them by kind, status, month
    and country reads that range alone (100,000 activities: 4 ms instead of
    40 ms for the copy of the year's rows it replaces).
    """
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS activities_year_figures
            ON activities(network, start_local, kind, status, country, host_member_id);
        DROP INDEX IF EXISTS activities_by_network_local;
        """
    )
