"""Chasing: reminders to people whose role is still tbc, and the secretariat's summary of tbd slots.

``remind_pending`` looks at the sessions starting within the next ``days``
days (of activities neither draft, cancelled nor completed): each person on
a role still ``tbc`` there gets one reminder listing their roles, and each
network's secretariat (members whose membership role is ``secretariat``)
one summary of the slots still ``tbd``. A person who opted out is held, not
sent. Run twice the same day, it queues nothing new for those already
reminded that day.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs

from . import people
from .events import Events
from .model import Item, Notice, fold
from .outbox import Queued, queue, with_plugins

if TYPE_CHECKING:  # pragma: no cover
    from ..registry.store import Registry


@attrs.frozen
class Reminders:
    """What ``remind_pending`` queued, and whom it left out."""

    queued: Queued
    #: people (or secretariats) already reminded today
    already: int = 0
    #: networks with tbd slots but no secretariat member to tell
    no_secretariat: tuple[str, ...] = ()


def remind_pending(registry: Registry, *, days: int, now: dt.datetime) -> Reminders:
    """Queue reminders of tbc roles and summaries of tbd slots for sessions within ``days`` days of ``now``."""
    from ..timeutil import to_utc_text

    conn = registry.conn
    events = Events(registry)
    rows = people.rows(conn, people.ROLE_SQL + " JOIN sessions s ON s.id = r.session_id"
                        " JOIN activities a ON a.id = s.activity_id WHERE r.status IN ('tbc', 'tbd')"
                        " AND a.status IN ('tentative', 'confirmed') AND s.start_utc > ? AND s.start_utc <= ?"
                        " ORDER BY s.start_utc, s.id, r.position, r.id",
                        [to_utc_text(now), to_utc_text(now + dt.timedelta(days=days))])
    reminders: dict[tuple[str, str], tuple[people.Person, list[Item]]] = {}
    open_slots: dict[str, list[Item]] = {}
    for row in rows:
        event = events.session(row["session_id"])
        if event is None:
            continue
        person = people.role_person(row)
        if row["status"] == "tbc" and person is not None:
            item = _item(event, f"{row['role']} (tbc)", event.uid)
            key = (person.email.casefold() or f"role:{row['id']}", event.network)
            reminders.setdefault(key, (person, []))[1].append(item)
        elif row["status"] == "tbd" or person is None:
            who = f"{row['role']}: {row['name'] or 'no one yet'} (tbd)"
            open_slots.setdefault(event.network, []).append(_item(event, who, f"{event.uid}#role-{row['id']}"))
    notices = [Notice(kind="reminder", network=network, name=person.name, email=person.email,
                      member_id=person.member_id, role_id=person.role_id, opted_out=person.opted_out,
                      items=tuple(fold([], items)))
               for (_key, network), (person, items) in reminders.items()]
    no_secretariat = []
    for network, items in open_slots.items():
        secretariat = people.secretariat(conn, network, now.date().isoformat())
        if not secretariat:
            no_secretariat.append(network)
        notices += [Notice(kind="summary", network=network, name=person.name, email=person.email,
                           member_id=person.member_id, opted_out=person.opted_out, items=tuple(items))
                    for person in secretariat]
    today = now.astimezone(dt.timezone.utc).date().isoformat()
    done = {(row[0], row[1], row[2]) for row in conn.execute(
        "SELECT person, kind, network FROM outbox WHERE kind IN ('reminder', 'summary') AND created_at >= ?",
        [today])}
    fresh = [notice for notice in notices if (notice.person, notice.kind, notice.network) not in done]
    fresh = with_plugins(registry, fresh, events.network)
    queued = queue(registry, fresh, now=now.astimezone(dt.timezone.utc).isoformat())
    return Reminders(queued, len(notices) - len(fresh), tuple(no_secretariat))


def _item(event, why: str, uid: str) -> Item:
    return Item(uid=uid, sequence=event.sequence, method="", entity="session", activity_id=event.activity_id,
                session_id=event.session_id, title=event.title, activity_title=event.activity_title,
                when=event.when, where=event.where, status=event.status, start=event.start, tzid=event.tzid,
                what=("pending",), why=(why,))
