"""Who holds an event: the people a change to it concerns, with their address and opt-out.

People are members (their contact email) and people on roles (the role's
email, else the email of the member the role is linked to). An activity's
event is held by its participants (invited, registered or waitlisted), its
host and its peers; a session's event by the people on it (not declined).
Registered participants also hear of a session's own changes.

:class:`Before` reads the registry as it was before the transaction, for
rows the transaction deleted (a removed role, the participants of a deleted
activity): the change log keeps no address, and the rows are gone.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Iterable

import attrs

if TYPE_CHECKING:  # pragma: no cover
    from ..registry.store import Registry

#: Participations whose members hear of every change to the activity.
PARTICIPANTS = ("invited", "registered", "waitlisted")
#: Participations whose members also hear of a session's own changes.
SESSION_PARTICIPANTS = ("registered",)
#: iTIP participation status of a participant, by participation status.
PARTICIPANT_PARTSTAT = {"registered": "ACCEPTED", "waitlisted": "TENTATIVE", "invited": "NEEDS-ACTION",
                        "attended": "ACCEPTED"}
#: iTIP participation status of a person on a session, by role status.
ROLE_PARTSTAT = {"confirmed": "ACCEPTED", "tbc": "NEEDS-ACTION", "tbd": "NEEDS-ACTION", "declined": "DECLINED"}
_BATCH = 500


@attrs.frozen
class Person:
    """Someone a notice can be for."""

    name: str
    email: str
    member_id: int | None = None
    role_id: int | None = None
    opted_out: bool = False


def _member(row) -> Person:
    return Person(row["name"], row["email"] or "", row["id"], None, bool(row["notify_opt_out"]))


ROLE_SQL = ("SELECT r.id, r.session_id, r.role, r.status, r.name, r.email, r.member_id, r.notify_opt_out,"
             " m.name AS member_name, m.email AS member_email, m.notify_opt_out AS member_opt_out"
             " FROM roles r LEFT JOIN members m ON m.id = r.member_id")


def role_person(row) -> Person | None:
    """The person on a role row (of ``ROLE_SQL``), or None for a role with no one yet."""
    name = row["name"] or row["member_name"] or ""
    if not name and row["member_id"] is None:
        return None
    return Person(name, row["email"] or row["member_email"] or "", row["member_id"], row["id"],
                  bool(row["notify_opt_out"]) or bool(row["member_opt_out"]))


def rows(conn: sqlite3.Connection, sql: str, params: Iterable = ()) -> list[dict]:
    """The rows of a query as dicts."""
    cursor = conn.execute(sql, list(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values)) for values in cursor]


def members(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Person]:
    """Members by id."""
    ids = sorted(set(ids))
    found: dict[int, Person] = {}
    for index in range(0, len(ids), _BATCH):
        chunk = ids[index:index + _BATCH]
        marks = ", ".join("?" * len(chunk))
        for row in rows(conn, f"SELECT id, name, email, notify_opt_out FROM members WHERE id IN ({marks})", chunk):
            found[row["id"]] = _member(row)
    return found


def participants(conn: sqlite3.Connection, activity_id: int,
                 statuses: tuple[str, ...] = PARTICIPANTS) -> list[tuple[Person, str]]:
    """The participants of an activity with one of ``statuses``, with their status."""
    marks = ", ".join("?" * len(statuses))
    found = rows(conn, "SELECT m.id, m.name, m.email, m.notify_opt_out, p.status FROM participations p"
                       f" JOIN members m ON m.id = p.member_id WHERE p.activity_id = ? AND p.status IN ({marks})"
                       " ORDER BY m.id", [activity_id, *statuses])
    return [(_member(row), row["status"]) for row in found]


def participation(conn: sqlite3.Connection, activity_id: int, member_id: int) -> str | None:
    row = conn.execute("SELECT status FROM participations WHERE activity_id = ? AND member_id = ?",
                       [activity_id, member_id]).fetchone()
    return row[0] if row else None


def session_people(conn: sqlite3.Connection, session_ids: Iterable[int]) -> dict[int, list[tuple[Person, dict]]]:
    """The people on each session (roles not declined), with their role row, by session id."""
    ids = sorted(set(session_ids))
    found: dict[int, list[tuple[Person, dict]]] = {}
    for index in range(0, len(ids), _BATCH):
        chunk = ids[index:index + _BATCH]
        marks = ", ".join("?" * len(chunk))
        for row in rows(conn, f"{ROLE_SQL} WHERE r.session_id IN ({marks}) AND r.status != 'declined'"
                               " ORDER BY r.session_id, r.position, r.id", chunk):
            person = role_person(row)
            if person is not None:
                found.setdefault(row["session_id"], []).append((person, row))
    return found


def role(conn: sqlite3.Connection, role_id: int) -> tuple[Person | None, dict | None]:
    """The person on one role and the role row (both None where there is no such role)."""
    found = rows(conn, f"{ROLE_SQL} WHERE r.id = ?", [role_id])
    if not found:
        return None, None
    return role_person(found[0]), found[0]


def secretariat(conn: sqlite3.Connection, network: str, today: str) -> list[Person]:
    """The current secretariat of a network: its members whose membership role is ``secretariat``."""
    found = rows(conn, "SELECT m.id, m.name, m.email, m.notify_opt_out FROM memberships ms"
                       " JOIN members m ON m.id = ms.member_id WHERE ms.network = ? AND ms.role = 'secretariat'"
                       " AND (ms.until IS NULL OR ms.until >= ?) ORDER BY m.id", [network, today])
    return [_member(row) for row in found]


class Before:
    """The registry as it was before the current transaction, opened on first use.

    The registry runs in WAL mode: a second, read-only connection sees the
    last committed state while the transaction is open.
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(self.registry.reading_uri(), uri=True, isolation_level=None)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def set_opt_out(registry: Registry, *, member: str | int | None = None, role: str | int | None = None,
                opted_out: bool = True) -> str:
    """Keep a member, or the person on a role, from receiving notices (``opted_out=False`` lets them again).

    Recorded in the change log (without any address). Returns who it was, for people.
    """
    from ..agenda.reading import get_role, session_activity
    from ..registry import members

    action = "opt-out" if opted_out else "opt-in"
    values = ({"notices": "receives"}, {"notices": "opted out"})
    before, after = values if opted_out else values[::-1]
    if member is not None:
        found = members.get(registry, member)
        registry.conn.execute("UPDATE members SET notify_opt_out = ? WHERE id = ?", [int(opted_out), found.id])
        registry.record(action, "member", found.id, before=before, after=after)
        return f"member #{found.id} {found.name}"
    found_role = get_role(registry, role)
    activity = session_activity(registry, found_role.session_id)
    registry.conn.execute("UPDATE roles SET notify_opt_out = ? WHERE id = ?", [int(opted_out), found_role.id])
    registry.record(action, "role", found_role.id, network=activity.network, before=before, after=after)
    return f"role #{found_role.id} ({found_role.role} {found_role.who})"
