"""The records of the outbox: a notice to one person, and the calendar events it tells of.

A :class:`Notice` is one message to one person; its :class:`Item`\\ s are
the events it is about (an activity's or a session's), each with what
happened to it for this person and the values before and after. Both are
frozen: plugins change them with ``attrs.evolve``. :func:`fold` merges the
items of a message not yet sent with those of a later change, so that a
person receives one digest stating old → new.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

import attrs

from ..emails import is_email_address

KINDS = ("update", "reminder", "summary")
#: iTIP methods an item's calendar part carries ('' for an item without one: reminders, summaries)
METHODS = ("REQUEST", "CANCEL", "")
#: Statuses of an outbox row, in the order a row moves through them.
STATUSES = ("held", "queued", "sending", "sent", "failed", "interrupted", "skipped")


def _email(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    if value and not is_email_address(value):
        raise ValueError(f"{attribute.name}: {value!r} is not an email address")


def _mailbox(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    """A sender: ``address`` or ``Name <address>``."""
    if value and not is_email_address(parseaddr(value)[1]):
        raise ValueError(f"{attribute.name}: {value!r} is not an address (name@example.org or Name <name@example.org>)")


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in (value or ()))


def _changes(value: Any) -> tuple[tuple[str, str, str], ...]:
    return tuple((str(label), str(old), str(new)) for label, old, new in (value or ()))


@attrs.frozen
class Item:
    """One event a notice tells of, as it stands, with what happened to it for this person."""

    #: the event's UID and SEQUENCE: those of the feeds' event
    uid: str
    sequence: int
    #: ``REQUEST`` (added or changed), ``CANCEL`` (cancelled, or this person no longer on it), or '' (no calendar part)
    method: str = attrs.field(validator=attrs.validators.in_(METHODS))
    #: ``activity`` or ``session``
    entity: str
    activity_id: int
    session_id: int | None = None
    title: str = ""
    activity_title: str = ""
    #: when and where, written for people ("Tue 10 Jun 2026, 09:30–17:00 (Europe/Brussels)")
    when: str = ""
    where: str = ""
    #: the activity's status (tentative, confirmed, cancelled, …)
    status: str = ""
    #: start as UTC ISO text (to order a digest), the zone of its times ('' for a whole-day event)
    start: str = ""
    tzid: str = ""
    #: the whole event is cancelled (a CANCEL that is not just this person leaving it)
    whole: bool = False
    #: the person hears of the event for the first time in this message
    new: bool = False
    #: what happened, in order: "moved", "cancelled", "registered", "confirmed", …
    what: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    #: (label, before, after) of what changed, e.g. ("When", "Tue 10 Jun…", "Wed 11 Jun…")
    changes: tuple[tuple[str, str, str], ...] = attrs.field(default=(), converter=_changes)
    #: why this person is told: "registered", "speaker (tbc)", "host"
    why: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    #: the person's iTIP participation status (NEEDS-ACTION, ACCEPTED, TENTATIVE)
    partstat: str = "NEEDS-ACTION"
    #: the person's iTIP role (CHAIR for a chair or moderator, else REQ-PARTICIPANT)
    role: str = "REQ-PARTICIPANT"

    def to_dict(self) -> dict:
        return {field.name: (list(value) if isinstance(value, tuple) else value)
                for field in attrs.fields(Item) for value in [getattr(self, field.name)]}

    @classmethod
    def from_dict(cls, data: dict) -> "Item":
        names = {field.name for field in attrs.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


@attrs.frozen
class Notice:
    """One message to one person about the events of one network.

    ``sender`` ('' for the configured ``From``), ``reply_to`` and
    ``subject`` ('' for the subject template's) are for plugins to set. A
    notice with no ``email``, or to a person who opted out, is kept in the
    outbox as held (shown by ``notify list``) and never sent.
    """

    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    network: str
    name: str
    email: str = attrs.field(default="", validator=_email)
    member_id: int | None = None
    role_id: int | None = None
    opted_out: bool = False
    sender: str = attrs.field(default="", validator=_mailbox)
    reply_to: str = attrs.field(default="", validator=_mailbox)
    subject: str = ""
    items: tuple[Item, ...] = attrs.field(default=(), converter=tuple)

    @property
    def person(self) -> str:
        """Whom the notice is for, as the key messages fold on: the address, else the member or role."""
        if self.email:
            return self.email.casefold()
        if self.member_id is not None:
            return f"member:{self.member_id}"
        return f"role:{self.role_id}"

    @property
    def held(self) -> str:
        """Why the notice will not be sent ('' when it will)."""
        if self.opted_out:
            return "opted out"
        return "" if self.email else "no email"


def fold(earlier: list[Item] | tuple[Item, ...], later: list[Item] | tuple[Item, ...]) -> list[Item]:
    """The items of one digest: ``earlier`` (not sent yet) with ``later`` folded in, in time order.

    For the same event the latest state wins (SEQUENCE, method, when and
    where) while each change keeps its first "before" and its last "after"
    (a value changed and changed back drops out; an event whose changes all
    cancel out, such as one cancelled and reinstated, leaves the digest). An
    event the person has not heard of yet stays news: no "before". An event
    they never heard of and that is now cancelled for them leaves the digest
    altogether.
    """
    merged = {item.uid: item for item in earlier}
    for item in later:
        previous = merged.get(item.uid)
        if previous is None:
            merged[item.uid] = item
            continue
        if previous.new and item.method == "CANCEL":
            del merged[item.uid]
            continue
        changes = () if previous.new else _merge_changes(previous.changes, item.changes)
        if item.method == "REQUEST" and previous.changes and item.changes and not changes:
            # changed, then changed back (moved and moved back, cancelled and reinstated): nothing to tell
            del merged[item.uid]
            continue
        merged[item.uid] = attrs.evolve(item, new=previous.new, changes=changes, why=item.why or previous.why,
                                        what=tuple(dict.fromkeys(previous.what + item.what)))
    return sorted(merged.values(), key=lambda item: (item.start, item.uid))


def _merge_changes(earlier: tuple, later: tuple) -> tuple:
    values = {label: [old, new] for label, old, new in earlier}
    for label, old, new in later:
        if label in values:
            values[label][1] = new
        else:
            values[label] = [old, new]
    return tuple((label, old, new) for label, (old, new) in values.items() if old != new)
