"""The outbox table: queueing notices with the change, folding them, and their life until sent.

A notice is queued inside the transaction of the change it tells of
(:func:`queue_changes`, called through ``peerlearn_before_commit``), so it
is kept exactly when the change is. A person's open message (``queued``, or
``held`` where they have no address or opted out) takes in later changes
until it is sent: one digest per person. Rows move ``queued`` → ``sending``
(claimed just before it is handed to the server) → ``sent`` / ``failed``,
or back to ``queued`` with a later ``next_attempt_at`` after a temporary
failure. A row found ``sending`` by the next run was being handed over when
its run was stopped: it may have been delivered, so it becomes
``interrupted`` and is never sent again unless asked (``resend``). ``held``
rows become ``skipped`` when a sending run reports them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Callable, Iterable

import attrs

from ..limits import MAX_NUMBER
from ..text import number_in
from .model import Item, Notice, fold

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Change
    from ..registry.store import Registry

OPEN = ("held", "queued")
_BATCH = 500
#: How many people a dry run names before it sums up the rest.
PREVIEW_LINES = 40


@attrs.frozen
class Queued:
    """What queueing did: the notices written (new or folded into an open message), by outbox id."""

    notices: tuple[tuple[int, Notice], ...] = ()

    @property
    def sendable(self) -> int:
        return sum(1 for _id, notice in self.notices if not notice.held)

    @property
    def held(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _id, notice in self.notices:
            if notice.held:
                counts[notice.held] = counts.get(notice.held, 0) + 1
        return counts


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


# -- queueing -------------------------------------------------------------------


def queue_changes(registry: Registry, changes: list[Change], dry_run: bool = False) -> list[str]:
    """Queue a notice for each person the transaction's changes concern; returns lines for people."""
    from ..timeutil import now_utc, to_utc_text
    from .affected import Plan, concerns_anyone
    from .people import Before

    if not concerns_anyone(changes):
        return []
    before = Before(registry)
    try:
        plan = Plan(registry, before, to_utc_text(now_utc()))
        plan.take(changes)
        notices = with_plugins(registry, plan.notices(), plan.events.network)
        queued = queue(registry, notices, plan.events.block)
    finally:
        before.close()
    return describe(queued, dry_run)


def with_plugins(registry: Registry, notices: list[Notice], network: Callable) -> list[Notice]:
    """Let plugins add, change or drop each network's notices (``peerlearn_notify_messages``)."""
    from .. import plugins

    if not notices or not plugins.implemented("peerlearn_notify_messages"):
        return notices
    by_network: dict[str, list[Notice]] = {}
    for notice in notices:
        by_network.setdefault(notice.network, []).append(notice)
    result = []
    for slug, group in by_network.items():
        result.extend(plugins.notify_messages(network(slug), group))
    return result


def queue(registry: Registry, notices: Iterable[Notice], block: Callable[[str], str] | None = None,
          *, now: str | None = None) -> Queued:
    """Write notices to the outbox, each folded into its person's open message where there is one.

    ``block(uid)`` gives the VEVENT of an event a notice carries; it is kept
    (at the item's SEQUENCE) for the notices that will be sent.
    """
    notices = list(notices)
    if not notices:
        return Queued()
    now = now or _now()
    conn = registry.conn
    open_rows = _open_rows(registry, {notice.person for notice in notices})
    written: list[tuple[int, Notice]] = []
    updates, deletes, kept = [], [], {}
    for notice in notices:
        if block is not None and not notice.held:
            kept.update({(item.uid, item.sequence): item.uid for item in notice.items if item.method})
        # a held message (no address, opted out) never becomes sendable: a person now reachable starts afresh
        key = (notice.person, notice.kind, notice.network, notice.sender, _status(notice))
        row = open_rows.get(key)
        if row is not None:
            items = fold([Item.from_dict(item) for item in json.loads(row["items"])], notice.items)
            if not items:
                deletes.append((row["id"],))
                del open_rows[key]
                continue
            notice = attrs.evolve(notice, items=tuple(items), subject=notice.subject or row["subject"],
                                  reply_to=notice.reply_to or row["reply_to"])
            row["items"] = _items_json(notice.items)
            updates.append((notice.name, notice.email, notice.member_id, notice.subject, notice.reply_to,
                            row["items"], _status(notice), notice.held, now, row["id"]))
            written.append((row["id"], notice))
        else:
            items = _items_json(notice.items)
            cursor = conn.execute(
                "INSERT INTO outbox (kind, network, person, name, email, member_id, sender, reply_to, subject, items,"
                " status, reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (notice.kind, notice.network, notice.person, notice.name, notice.email, notice.member_id,
                 notice.sender, notice.reply_to, notice.subject, items, _status(notice), notice.held, now, now))
            open_rows[key] = {"id": cursor.lastrowid, "items": items, "subject": notice.subject,
                              "reply_to": notice.reply_to}
            written.append((cursor.lastrowid, notice))
    if updates:
        conn.executemany("UPDATE outbox SET name = ?, email = ?, member_id = ?, subject = ?, reply_to = ?, items = ?,"
                         " status = ?, reason = ?, updated_at = ? WHERE id = ?", updates)
    if deletes:
        conn.executemany("DELETE FROM outbox WHERE id = ?", deletes)
    if kept:
        conn.executemany("INSERT OR REPLACE INTO outbox_events (uid, sequence, block) VALUES (?, ?, ?)",
                         [(uid, sequence, block(uid)) for (uid, sequence) in kept])
    return Queued(tuple(written))


def _status(notice: Notice) -> str:
    return "held" if notice.held else "queued"


def _items_json(items: Iterable[Item]) -> str:
    return json.dumps([item.to_dict() for item in items], ensure_ascii=False)


def _open_rows(registry: Registry, persons: set[str]) -> dict[tuple, dict]:
    found: dict[tuple, dict] = {}
    persons_list = sorted(persons)
    for index in range(0, len(persons_list), _BATCH):
        chunk = persons_list[index:index + _BATCH]
        marks = ", ".join("?" * len(chunk))
        for row in registry.query(
                "SELECT id, person, kind, network, sender, subject, reply_to, items, status FROM outbox"
                f" WHERE person IN ({marks}) AND status IN ('held', 'queued') AND attempts = 0 ORDER BY id", chunk):
            found.setdefault((row["person"], row["kind"], row["network"], row["sender"], row["status"]), row)
    return found


def describe(queued: Queued, dry_run: bool) -> list[str]:
    """Lines for people: who is (or would be) told what."""
    if not queued.notices:
        return []
    held = queued.held
    unsent = "; ".join(f"{count} {'person' if count == 1 else 'people'} not told: {reason}"
                       for reason, count in sorted(held.items()))
    if not dry_run:
        sendable = queued.sendable
        line = f"Notices queued for {sendable} {'person' if sendable == 1 else 'people'}"
        return [line + (f" ({unsent})." if unsent else ".")] if sendable or unsent else []
    lines = [f"Would tell {len(queued.notices)} {'person' if len(queued.notices) == 1 else 'people'}"
             + (f" ({unsent})" if unsent else "") + ":"]
    for _id, notice in queued.notices[:PREVIEW_LINES]:
        lines.append(f"  {notice.name}" + (f" [{notice.held}]" if notice.held else "") + f": {summary(notice.items)}")
    if len(queued.notices) > PREVIEW_LINES:
        lines.append(f"  … and {len(queued.notices) - PREVIEW_LINES} more")
    return lines


def summary(items: Iterable[Item]) -> str:
    """One line of what a message tells: "Opening panel: moved (When: … → …); Workshop A: cancelled"."""
    parts = []
    for item in items:
        what = ", ".join(item.what) or ("cancelled" if item.method == "CANCEL" else "changed")
        changes = "; ".join(f"{label}: {old} → {new}" for label, old, new in item.changes)
        parts.append(f"{item.title}: {what}" + (f" ({changes})" if changes else ""))
    return "; ".join(parts)


# -- reading --------------------------------------------------------------------


@attrs.frozen
class Message:
    """An outbox row: a notice with its number, status and delivery record."""

    id: int
    notice: Notice
    status: str
    reason: str
    attempts: int
    next_attempt_at: str | None
    message_id: str | None
    created_at: str
    updated_at: str
    sent_at: str | None


def _message(row: dict) -> Message:
    person = row["person"]
    notice = Notice(
        kind=row["kind"], network=row["network"], name=row["name"], email=row["email"], member_id=row["member_id"],
        role_id=int(person[5:]) if person.startswith("role:") else None, opted_out=row["reason"] == "opted out",
        sender=row["sender"], reply_to=row["reply_to"], subject=row["subject"],
        items=tuple(Item.from_dict(item) for item in json.loads(row["items"])))
    return Message(row["id"], notice, row["status"], row["reason"], row["attempts"], row["next_attempt_at"],
                   row["message_id"], row["created_at"], row["updated_at"], row["sent_at"])


def get(registry: Registry, message_id: int | str) -> Message:
    from ..errors import NotFound

    number = number_in(message_id)
    row = registry.one("SELECT * FROM outbox WHERE id = ?", [number]) if number is not None else None
    if row is None:
        raise NotFound(f"unknown message {message_id!r} (messages are named by their number; see 'notify list')")
    return _message(row)


def list_messages(registry: Registry, statuses: Iterable[str] | None = None) -> list[Message]:
    """Messages with one of ``statuses`` (all where None), oldest first."""
    statuses = list(statuses or [])
    where = f" WHERE status IN ({', '.join('?' * len(statuses))})" if statuses else ""
    return [_message(row) for row in registry.query(f"SELECT * FROM outbox{where} ORDER BY id", statuses)]


def counts(registry: Registry) -> dict[str, int]:
    return dict(registry.conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())


def event_block(registry: Registry, uid: str, sequence: int) -> str | None:
    row = registry.one("SELECT block FROM outbox_events WHERE uid = ? AND sequence = ?", [uid, sequence])
    return row["block"] if row else None


# -- delivery -------------------------------------------------------------------
# Each of these runs in its own short transaction, committed before the next step.


def recover(registry: Registry, now: str) -> tuple[list[int], int]:
    """After a stopped run: ``sending`` rows become ``interrupted``; ``held`` rows become ``skipped``.

    Returns the ids interrupted and how many were skipped.
    """
    with registry.transaction():
        interrupted = [row[0] for row in registry.conn.execute("SELECT id FROM outbox WHERE status = 'sending'")]
        registry.conn.execute(
            "UPDATE outbox SET status = 'interrupted', updated_at = ?, reason = 'the run sending it was stopped"
            " while handing it over: it may have been delivered' WHERE status = 'sending'", [now])
        skipped = registry.conn.execute("UPDATE outbox SET status = 'skipped', updated_at = ? WHERE status = 'held'",
                                      [now]).rowcount
    return interrupted, skipped


def due(registry: Registry, now: str, *, limit: int | None = None, resend: Iterable[int] = ()) -> list[Message]:
    """Queued messages whose time has come, oldest first, and the interrupted ones in ``resend``."""
    resend = sorted({number for number in resend if abs(number) <= MAX_NUMBER})  # others are no message's number
    extra = f" OR (status = 'interrupted' AND id IN ({', '.join('?' * len(resend))}))" if resend else ""
    sql = ("SELECT * FROM outbox WHERE (status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?))"
           f"{extra} ORDER BY id" + (f" LIMIT {int(limit)}" if limit else ""))
    return [_message(row) for row in registry.query(sql, [now, *resend])]


def assign_message_ids(registry: Registry, ids: dict[int, str]) -> None:
    """Give messages their Message-ID once, before their first attempt (it never changes after)."""
    if ids:
        with registry.transaction():
            registry.conn.executemany("UPDATE outbox SET message_id = ? WHERE id = ? AND message_id IS NULL",
                                         [(value, key) for key, value in ids.items()])


def claim(registry: Registry, message_id: int, now: str, *, settle_first: tuple | None = None) -> bool:
    """Mark a message ``sending`` just before it is handed over; False if it is no longer due.

    ``settle_first`` (the arguments of :func:`settle` for the message handed
    over before) is recorded in the same transaction: one commit a message.
    """
    with registry.transaction():
        if settle_first is not None:
            _settle(registry, *settle_first)
        return registry.conn.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?"
            " WHERE id = ? AND status IN ('queued', 'interrupted')", [now, message_id]).rowcount == 1


def settle(registry: Registry, message_id: int, status: str, now: str, reason: str = "",
           next_attempt_at: str | None = None) -> None:
    """Record how a handing-over ended: ``sent``, ``failed``, or ``queued`` again for a later attempt."""
    with registry.transaction():
        _settle(registry, message_id, status, now, reason, next_attempt_at)


def _settle(registry: Registry, message_id: int, status: str, now: str, reason: str = "",
            next_attempt_at: str | None = None) -> None:
    registry.conn.execute(
        "UPDATE outbox SET status = ?, reason = ?, next_attempt_at = ?, updated_at = ?,"
        " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
        [status, reason, next_attempt_at, now, status, now, message_id])


def release(registry: Registry, message_id: int, now: str) -> None:
    """Put back a claimed message that was never handed over (the run stopped first): no attempt counted."""
    with registry.transaction():
        registry.conn.execute("UPDATE outbox SET status = 'queued', attempts = attempts - 1, updated_at = ?"
                            " WHERE id = ? AND status = 'sending'", [now, message_id])
