"""Checks of programmes: who is double-booked, which room is taken twice, what is late.

Overlaps are found by sweeping intervals in time order (by person, by room,
by track), keeping only those still running: the cost grows with the number
of sessions and the clashes found, never with every pair. For people, one
narrow read of every role's times in (person, start) order finds who has any
overlap at all, so that only their roles are read whole; for rooms and tracks
SQLite pairs each session with those of its activity starting while it runs
(through the index on activity and start), so only clashes leave it.
Every check is a generator: findings are produced, and can be printed, one
at a time, so memory does not grow with the registry. Each :class:`Finding`
names the sessions and people involved. Cancelled sessions,
like cancelled activities, are left out of every check: they take no room,
no track and no one's time.

| code | severity | what |
|---|---|---|
| ``person-clash`` | error when the person is confirmed in both, else warning | a person in two overlapping sessions, in one activity or across activities of any network |
| ``travel`` | warning | one person at two site or study visits in different cities without a travel day between |
| ``room-clash`` | error | two sessions in the same room at once |
| ``track-overlap`` | warning | two sessions of the same track at once |
| ``outside`` | error | a session outside its activity's time |
| ``panel-overrun`` | warning | a panel whose speaking minutes exceed its slot |
| ``pending`` | warning | roles still tbc or tbd within N days of the event (``Registry.pending_days``, default 14) |
| ``no-chair`` | warning | a workshop with no chair or moderator |
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Iterator

import attrs

from ..models import Activity, Problem
from ..registry.store import Registry, chunks
from ..timeutil import to_utc_text

#: Days before an event within which a tbc or tbd role is reported (``Registry.pending_days`` overrides).
DEFAULT_PENDING_DAYS = 14
VISIT_KINDS = ("site_visit", "study_visit")


@attrs.frozen
class Finding(Problem):
    """One problem in a programme, naming the sessions and people involved: a ``Problem`` with its code."""

    #: what was found (the table above), or ``plugin:<name>`` for a plugin's problem
    code: str = ""
    #: the activities, sessions and people involved
    activity_ids: tuple[int, ...] = ()
    session_ids: tuple[int, ...] = ()
    sessions: tuple[str, ...] = ()
    people: tuple[str, ...] = ()


def _finding(code: str, severity: str, message: str, activity_ids: tuple[int, ...] = (),
             session_ids: tuple[int, ...] = (), sessions: tuple[str, ...] = (), people: tuple[str, ...] = ()) -> Finding:
    return Finding(message, severity, code=code, activity_ids=activity_ids, session_ids=session_ids,
                   sessions=sessions, people=people)


_SESSION_COLUMNS = ("s.id AS sid, s.activity_id, s.title, s.kind, s.track, s.room, s.start_utc, s.end_utc,"
                    " s.start_local, s.end_local, a.title AS activity_title")


def _when(row: dict) -> str:
    start, end = row["start_local"], row["end_local"]
    if start[:10] == end[:10]:
        return f"{start[:10]} {start[11:16]}-{end[11:16]}"
    return f"{start[:10]} {start[11:16]} to {end[:10]} {end[11:16]}"


def _label(row: dict, home: int | None) -> str:
    where = "" if row["activity_id"] == home else f" of activity #{row['activity_id']} {row['activity_title']!r}"
    return f"{row['title']!r} (#{row['sid']}, {_when(row)}{where})"


def sweep(rows: Iterable[tuple]) -> Iterator[tuple[tuple, tuple]]:
    """Pairs of intervals of the same group that overlap.

    ``rows`` are ``(group, start, end, session_id, ...)`` tuples with UTC
    text times, sorted by group then start; each is kept only while it
    runs, so the cost is that of the rows plus the pairs found.
    """
    running: list[tuple] = []
    current = object()
    for row in rows:
        if row[0] != current:
            current, running = row[0], []
        start = row[1]
        if running:
            running = [other for other in running if other[2] > start]
            for other in running:
                if other[3] != row[3]:
                    yield other, row
        running.append(row)


#: How a check tells one person from another: a role's name key, or the member it names, each after its own
#: first character, so that the two never meet (a speaker named "#2" is not member #2).
NAMED, MEMBER = "=", "#"

#: findings are built this many clashes at a time (their sessions read in one query)
CHUNK = 500



def _details(registry: Registry, session_ids: Iterable[int]) -> dict[int, dict]:
    ids = sorted(set(session_ids))
    found: dict[int, dict] = {}
    for index in range(0, len(ids), 500):
        chunk = ids[index:index + 500]
        for row in registry.query(
                f"SELECT {_SESSION_COLUMNS} FROM sessions s JOIN activities a ON a.id = s.activity_id"
                f" WHERE s.id IN ({', '.join('?' for _ in chunk)})", chunk):
            found[row["sid"]] = row
    return found


# -- person clashes ----------------------------------------------------------


#: the roles a person check reads: not declined, in sessions and activities that are not cancelled
_LIVE_ROLES = (" FROM roles r JOIN sessions s ON s.id = r.session_id JOIN activities a ON a.id = s.activity_id"
               " WHERE r.status != 'declined' AND a.status != 'cancelled' AND s.status != 'cancelled'")
#: the two ways a role names a person: (the person's key, the column it comes from, the condition that the role
#: names one so, the key's first character), in the order their keys' texts sort
_PERSON_KEYS = ((f"'{MEMBER}' || r.member_id", "member_id", "r.member_id IS NOT NULL", MEMBER),
                (f"'{NAMED}' || r.person_key", "person_key", "r.person_key != ''", NAMED))


def _person_rows(registry: Registry, activity: Activity | None) -> Iterator[tuple]:
    """Role intervals keyed by person (once by member where the role names one, once by name), in (person,
    start) order, as they are read.

    Only the roles of people with an overlap somewhere: every role's times
    are read once, narrow and in (person, start) order, and a running
    latest end per person says who overlaps at all (:func:`_overlapping`);
    only those people's roles are then read whole, through the indexes on
    names and on members, so the roles of everyone else never leave SQLite
    but as three short columns. Those are read a few hundred people at a
    time, in the order of their keys' texts (member keys, ``#``, before name
    keys, ``=``), and never held: memory stays flat however many people
    overlap.
    """
    window = [to_utc_text(activity.start), to_utc_text(activity.end)] if activity is not None else []
    for key, column, present, _first in _PERSON_KEYS:
        sql, params = f"SELECT r.{column}, s.start_utc, s.end_utc{_LIVE_ROLES} AND {present}", []
        if activity is not None:  # the people of the activity's programme, in sessions around its time
            sql += (f" AND r.{column} IN (SELECT r2.{column} FROM roles r2 JOIN sessions s2 ON s2.id = r2.session_id"
                    " WHERE s2.activity_id = ? AND r2.status != 'declined' AND s2.status != 'cancelled')"
                    " AND s.end_utc > ? AND s.start_utc < ?")
            params = [activity.id, *window]
        # (sorted by the column itself: building each key's text for every role made the sort a third slower)
        found = _overlapping(registry.conn.execute(sql + " ORDER BY 1, 2", params))
        for chunk in chunks(sorted(found, key=str)):
            yield from registry.conn.execute(
                f"SELECT {key}, s.start_utc, s.end_utc, s.id, s.activity_id, r.status, r.name, r.role, r.id"
                f"{_LIVE_ROLES} AND r.{column} IN ({', '.join('?' * len(chunk))})"
                + (" AND s.end_utc > ? AND s.start_utc < ?" if window else "") + " ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
                [*chunk, *window])


def _overlapping(spans: Iterable[tuple[str | int, str, str]]) -> set[str | int]:
    """The people among ``spans``, ``(person, start, end)`` in (person, start) order, with two that overlap:
    a role starting before the latest end of that person's roles before it."""
    found: set[str | int] = set()
    current, latest = None, ""
    for who, start, end in spans:
        if who != current:
            current, latest = who, end
            continue
        if latest > start:
            found.add(who)
        if end > latest:
            latest = end
    return found


def person_clashes(registry: Registry, activity: Activity | None = None) -> Iterator[Finding]:
    home = activity.id if activity else None

    def pairs() -> Iterator[tuple[tuple, tuple]]:
        # two roles naming the same member by name too clash under both keys: the member keys come first, and
        # only their pairs are kept, to leave out the same pair under the name
        by_member = set()
        for first, second in sweep(_person_rows(registry, activity)):
            if home is not None and home not in (first[4], second[4]):
                continue
            pair = (first[8], second[8]) if first[8] < second[8] else (second[8], first[8])
            if first[0][0] == MEMBER:
                by_member.add(pair)
            elif pair in by_member:
                continue
            yield first, second

    for chunk in chunks(pairs(), CHUNK):
        details = _details(registry, (row[3] for pair in chunk for row in pair))
        for first, second in chunk:
            one, two = details[first[3]], details[second[3]]
            confirmed = first[5] == second[5] == "confirmed"
            state = "confirmed" if confirmed else f"{first[5]}/{second[5]}"
            yield _finding(
                "person-clash", "error" if confirmed else "warning",
                f"{first[6]} ({state}) is in two sessions at once: {_label(one, home)} as {first[7]}"
                f" and {_label(two, home)} as {second[7]}",
                tuple(sorted({first[4], second[4]})), (first[3], second[3]), (one["title"], two["title"]),
                tuple(dict.fromkeys((first[6], second[6]))),
            )


# -- rooms, tracks, times ---------------------------------------------------


def _in_activity(sql: str, params: list, activity: Activity | None) -> tuple[str, list]:
    """Restrict a query over sessions ``s`` to one activity, where one is given."""
    if activity is None:
        return sql, params
    return sql + " AND s.activity_id = ?", [*params, activity.id]


#: pairs of sessions of one activity at once (the second starting while the first runs): in the same room, or
#: else in the same track; found through the index on (activity, start), so only the pairs leave SQLite
_PLACE_PAIRS = """
SELECT s1.activity_id, s1.id, s2.id, s1.room != '' AND lower(s1.room) = lower(s2.room) AS same_room
  FROM activities a JOIN sessions s1 ON s1.activity_id = a.id
  JOIN sessions s2 ON s2.activity_id = s1.activity_id AND s2.start_utc >= s1.start_utc AND s2.start_utc < s1.end_utc
       AND (s2.start_utc, s2.end_utc, s2.id) > (s1.start_utc, s1.end_utc, s1.id)
 WHERE a.status != 'cancelled' AND s1.status != 'cancelled' AND s2.status != 'cancelled'
   AND ((s1.room != '' AND lower(s1.room) = lower(s2.room)) OR s1.track = s2.track) {scope}
 ORDER BY s1.activity_id, s1.start_utc, s1.end_utc, s1.id, s2.start_utc, s2.end_utc, s2.id
"""


def _place_pairs(registry: Registry, activity: Activity | None) -> Iterator[list[tuple[int, int, bool]]]:
    """The pairs of :data:`_PLACE_PAIRS`, one activity's at a time: (first, second, same room)."""
    sql = _PLACE_PAIRS.format(scope="AND s1.activity_id = ?" if activity else "")
    group: list[tuple[int, int, bool]] = []
    current = None
    for activity_id, first, second, same_room in registry.conn.execute(sql, [activity.id] if activity else []):
        if activity_id != current and group:
            yield group
            group = []
        current = activity_id
        group.append((first, second, bool(same_room)))
    if group:
        yield group


def room_and_track_overlaps(registry: Registry, activity: Activity | None = None) -> Iterator[Finding]:
    """Rooms holding two sessions at once, then tracks with two sessions at once (not already a room's), by activity."""
    home = activity.id if activity else None
    for pairs in _place_pairs(registry, activity):
        details = _details(registry, (sid for first, second, _ in pairs for sid in (first, second)))
        for first, second, same_room in sorted(pairs, key=lambda pair: not pair[2]):  # rooms first, in order
            one, two = details[first], details[second]
            if same_room:
                yield _finding(
                    "room-clash", "error",
                    f"room {one['room']!r} holds two sessions at once: {_label(one, home)} and {_label(two, home)}",
                    (one["activity_id"],), (one["sid"], two["sid"]), (one["title"], two["title"]))
            else:
                track = f"track {one['track']!r}" if one["track"] else "the main track (no track)"
                yield _finding(
                    "track-overlap", "warning",
                    f"{track} has two sessions at once: {_label(one, home)} and {_label(two, home)}"
                    " (put parallel sessions in different tracks)",
                    (one["activity_id"],), (one["sid"], two["sid"]), (one["title"], two["title"]))


def outside(registry: Registry, activity: Activity | None = None) -> Iterator[Finding]:
    sql = (f"SELECT {_SESSION_COLUMNS}, a.start_local AS a_start, a.end_local AS a_end"
           " FROM sessions s JOIN activities a ON a.id = s.activity_id"
           " WHERE (s.start_utc < a.start_utc OR s.end_utc > a.end_utc)")
    sql, params = _in_activity(sql, [], activity)
    home = activity.id if activity else None
    return (_finding(
        "outside", "error",
        f"session {_label(row, home)} lies outside its activity ({row['a_start'][:16].replace('T', ' ')}"
        f" to {row['a_end'][:16].replace('T', ' ')})",
        (row["activity_id"],), (row["sid"],), (row["title"],)) for row in registry.rows(sql, params))


def panel_overruns(registry: Registry, activity: Activity | None = None) -> Iterator[Finding]:
    # (grouped, not a subquery per panel: SQLite would run that twice, for the sum and for the comparison)
    sql = ("SELECT s.id, CAST(round((julianday(s.end_utc) - julianday(s.start_utc)) * 1440) AS INTEGER) AS slot,"
           " sum(r.speaking_minutes) AS speaking FROM sessions s JOIN activities a ON a.id = s.activity_id"
           " JOIN roles r ON r.session_id = s.id AND r.status != 'declined'"
           " WHERE s.kind = 'panel' AND a.status != 'cancelled' AND s.status != 'cancelled' {scope}"
           " GROUP BY s.id HAVING speaking > slot ORDER BY s.activity_id, s.start_utc, s.id")
    params = []
    home = activity.id if activity else None
    if activity is not None:
        params.append(activity.id)
    over = registry.conn.execute(sql.format(scope="AND s.activity_id = ?" if activity else ""), params)
    for chunk in chunks((dict(zip(("id", "slot", "speaking"), row)) for row in over), CHUNK):
        details = _details(registry, (row["id"] for row in chunk))
        for row in chunk:
            people = [r[0] or "tbd" for r in registry.conn.execute(
                "SELECT name FROM roles WHERE session_id = ? AND status != 'declined' ORDER BY position, id",
                [row["id"]])]
            detail = details[row["id"]]
            yield _finding(
                "panel-overrun", "warning",
                f"panel {_label(detail, home)} has {row['speaking']} minutes of speaking in a {row['slot']}-minute"
                f" slot ({', '.join(people)})",
                (detail["activity_id"],), (row["id"],), (detail["title"],), tuple(people))


def pending_roles(registry: Registry, activity: Activity | None = None, days: int | None = None,
                  now: dt.datetime | None = None) -> Iterator[Finding]:
    now = now or dt.datetime.now(dt.timezone.utc)
    if days is None:
        days = DEFAULT_PENDING_DAYS if registry.pending_days is None else registry.pending_days
    sql = (f"SELECT {_SESSION_COLUMNS}, r.id AS rid, r.role, r.status, r.name, r.note"
           " FROM roles r JOIN sessions s ON s.id = r.session_id JOIN activities a ON a.id = s.activity_id"
           " WHERE r.status IN ('tbc', 'tbd') AND a.status != 'cancelled' AND s.status != 'cancelled'"
           " AND a.start_utc <= ? AND a.end_utc > ?")
    sql, params = _in_activity(sql, [to_utc_text(now + dt.timedelta(days=days)), to_utc_text(now)], activity)
    home = activity.id if activity else None
    for row in registry.rows(sql + " ORDER BY s.start_utc, s.id, r.id", params):
        who = row["name"] or "no one yet"
        yield _finding(
            "pending", "warning",
            f"{row['role']} role #{row['rid']} in {_label(row, home)} is still {row['status']} ({who})"
            f" and the event is within {days} days",
            (row["activity_id"],), (row["sid"],), (row["title"],), (row["name"],) if row["name"] else ())


def workshops_without_chair(registry: Registry, activity: Activity | None = None) -> Iterator[Finding]:
    sql = (f"SELECT {_SESSION_COLUMNS} FROM sessions s JOIN activities a ON a.id = s.activity_id"
           " WHERE s.kind = 'workshop' AND a.status != 'cancelled' AND s.status != 'cancelled'"
           " AND NOT EXISTS (SELECT 1 FROM roles r"
           " WHERE r.session_id = s.id AND r.role IN ('chair', 'moderator') AND r.status != 'declined')")
    sql, params = _in_activity(sql, [], activity)
    home = activity.id if activity else None
    return (_finding("no-chair", "warning", f"workshop {_label(row, home)} has no chair or moderator",
                     (row["activity_id"],), (row["sid"],), (row["title"],))
            for row in registry.rows(sql + " ORDER BY s.start_utc, s.id", params))


# -- travel between site visits ---------------------------------------------

_VISITORS = """
WITH visits AS (SELECT id FROM activities WHERE kind IN ({kinds}) AND status != 'cancelled' AND city != ''),
visitors AS (
    SELECT '{named}' || r.person_key AS person_key, r.name, s.activity_id FROM visits v
      JOIN sessions s ON s.activity_id = v.id
      JOIN roles r ON r.session_id = s.id WHERE r.person_key != '' AND r.status != 'declined'
      AND s.status != 'cancelled'
    UNION
    SELECT '{member}' || r.member_id, r.name, s.activity_id FROM visits v JOIN sessions s ON s.activity_id = v.id
      JOIN roles r ON r.session_id = s.id WHERE r.member_id IS NOT NULL AND r.status != 'declined'
      AND s.status != 'cancelled'
    UNION
    SELECT '{member}' || p.member_id, m.name, p.activity_id FROM visits v JOIN participations p ON p.activity_id = v.id
      JOIN members m ON m.id = p.member_id WHERE m.type = 'person' AND p.status IN ('registered', 'attended')
)
SELECT v.person_key, min(v.name) AS name, a.id AS activity_id, a.title, a.city, a.start_utc, a.start_local,
       a.end_local, a.all_day
  FROM visitors v JOIN activities a ON a.id = v.activity_id
 WHERE 1 {scope}
 GROUP BY v.person_key, a.id
 ORDER BY v.person_key, a.start_utc, a.id
"""


def _last_day(row: dict) -> dt.date:
    end = dt.datetime.fromisoformat(row["end_local"])
    return (end - dt.timedelta(days=1)).date() if row["all_day"] else end.date()


def travel_gaps(registry: Registry, activity: Activity | None = None) -> Iterator[Finding]:
    """Consecutive visits of one person in different cities with less than a free day between."""
    if activity is not None and activity.kind not in VISIT_KINDS:
        return []
    scope, params = "", list(VISIT_KINDS)
    if activity is not None:
        scope = "AND v.person_key IN (SELECT person_key FROM visitors WHERE activity_id = ?)"
        params.append(activity.id)
    sql = _VISITORS.format(kinds=", ".join("?" for _ in VISIT_KINDS), scope=scope, named=NAMED, member=MEMBER)
    trips: dict[tuple[int, int], tuple[dict, dict, list[str]]] = {}
    previous = None
    for row in registry.rows(sql, params):
        if previous is not None and previous["person_key"] == row["person_key"] \
                and previous["city"].casefold() != row["city"].casefold() \
                and (activity is None or activity.id in (previous["activity_id"], row["activity_id"])) \
                and (dt.date.fromisoformat(row["start_local"][:10]) - _last_day(previous)).days < 2:
            people = trips.setdefault((previous["activity_id"], row["activity_id"]), (previous, row, []))[2]
            if row["name"] not in people:
                people.append(row["name"])
        previous = row
    return (_finding(
        "travel", "warning",
        f"{', '.join(people)} {'goes' if len(people) == 1 else 'go'} from {first['title']!r}"
        f" (#{first['activity_id']}, {first['city']}, until {_last_day(first)}) to {second['title']!r}"
        f" (#{second['activity_id']}, {second['city']}, from {second['start_local'][:10]})"
        " without a travel day between",
        (first["activity_id"], second["activity_id"]), (), (), tuple(people))
        for first, second, people in trips.values())


# -- all together -------------------------------------------------------------


def core_checks(registry: Registry, activity: Activity | None = None,
                pending_days: int | None = None, now: dt.datetime | None = None) -> Iterator[Finding]:
    """peerlearn's own checks, for one activity or (``None``) the whole registry in one sweep of each.

    Findings come one at a time, each check's after the one before. They
    reach the programme checks through the default plugin
    :mod:`peerlearn.default_plugins.agenda_checks`, as any plugin's do.
    """
    yield from outside(registry, activity)
    yield from person_clashes(registry, activity)
    yield from room_and_track_overlaps(registry, activity)
    yield from panel_overruns(registry, activity)
    yield from workshops_without_chair(registry, activity)
    yield from travel_gaps(registry, activity)
    yield from pending_roles(registry, activity, pending_days, now)
