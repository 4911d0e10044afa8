"""From a transaction's changes to the notices that tell each person what concerns them.

Read from the change log's rows (with their values before and after), in
the transaction, just before it commits. Who is told, and what their
calendar gets:

- an activity published, moved, reinstated or changed where a calendar sees
  it: its participants (invited, registered, waitlisted), host and peers get
  a REQUEST of its event; the people on its sessions, of their sessions';
- an activity cancelled, deleted or back to draft: the same people, a CANCEL;
- a session moved or changed: the people on it, and registered participants
  when the change is the session's own (not following its activity), a
  REQUEST of its event; a session cancelled or removed: a CANCEL (to a
  participant only if they had been sent the session's event);
- a person put on a session, their role confirmed or back from declined: a
  REQUEST; a role declined or removed: a CANCEL taking them off it;
- a member invited, registered, waitlisted or moved up: a REQUEST of the
  activity's event; a participation declined: a CANCEL taking them off it;
- a host or peer added or removed: a REQUEST or a CANCEL.

Drafts concern no one, nor do events that have ended. Several changes to
one person in one transaction become one notice (per network), its items
folded (:func:`.model.fold`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ..models import is_published
from . import people
from .events import Event, Events, model_from_public, place_text, span_text
from .model import Item, Notice, fold
from .people import Before, Person

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Change
    from ..registry.store import Registry

#: The entities whose changes can concern someone.
ENTITIES = frozenset({"activity", "session", "role", "participation"})
#: How a participation is told, by its new status: (what happened, iTIP method).
_PARTICIPATION = {"invited": "invited", "registered": "registered", "waitlisted": "waitlisted"}
_ROLE_KINDS_CHAIRING = ("chair", "moderator")


def concerns_anyone(changes: Iterable[Change]) -> bool:
    return any(change.entity in ENTITIES for change in changes)


class Plan:
    """What each person is to be told of one transaction's changes."""

    def __init__(self, registry: Registry, before: Before, now: str) -> None:
        self.registry = registry
        self.conn = registry.conn
        self.before = before
        self.events = Events(registry, before)
        #: UTC text of now: events that have ended concern no one
        self.now = now
        #: (person, network) -> items, in the order they were found
        self._items: dict[tuple[str, str], tuple[Person, list[Item]]] = {}
        #: activities whose own event changed in this transaction
        self._activity_changed: set[int] = set()
        self._session_changes: list[tuple[Event, dict]] = []

    # -- reading the changes ---------------------------------------------------

    def take(self, changes: list[Change]) -> None:
        for change in changes:
            handler = getattr(self, f"_{change.entity}", None)
            if handler is not None and change.entity in ENTITIES:
                handler(change)
        # a session's own change reaches registered participants unless its activity changed as a whole
        for event, told in self._session_changes:
            if told["own"] and event.activity_id not in self._activity_changed:
                # a participant holds a session's event only once told of it: a removal reaches only those
                reached = told_of(self.conn, event.uid) if told["item"]["method"] == "CANCEL" else None
                for person, status in people.participants(self.conn, event.activity_id, people.SESSION_PARTICIPANTS):
                    if reached is None or _key(person) in reached:
                        self._tell(person, event, why="registered", partstat=people.PARTICIPANT_PARTSTAT[status],
                                   **told["item"])

    def _activity(self, change: Change) -> None:
        before, after = change.before or {}, change.after or {}
        activity_id = int(change.entity_id)
        if change.action == "delete":
            if not is_published(before.get("status", "")):
                return
            event = self.events.deleted_activity(before)
            told = dict(method="CANCEL", whole=True, what=("cancelled",), changes=())
            self._activity_changed.add(activity_id)
            self._tell_activity(event, told, before, conn=self.before.conn, sessions=False)
            return
        event = self.events.activity(activity_id)
        if event is None:
            return
        if change.action == "create":
            if not is_published(after.get("status", "")):
                return
            for member_id, why in _hosts(after):
                self._tell_member(member_id, event, why=why, method="REQUEST", new=True, what=("scheduled",))
            return
        if "status" not in after and not event.published:
            return
        was_draft, is_draft = (not is_published(values.get("status", "")) for values in (before, after))
        if was_draft and is_draft:
            return
        if was_draft:
            told = dict(method="REQUEST", new=True, what=("scheduled",), changes=())
        elif is_draft or after.get("status") == "cancelled" and before.get("status") != "cancelled":
            told = dict(method="CANCEL", whole=True, what=("cancelled",),
                        changes=(("Status", before.get("status") or "—", after.get("status") or "—"),))
        else:
            diffs = activity_changes(before, after)
            if after.get("status") == "completed":
                diffs = tuple(diff for diff in diffs if diff[0] != "Status")
            if not diffs:
                told = None
            elif before.get("status") == "cancelled":
                told = dict(method="REQUEST", what=("reinstated",), changes=diffs)
            else:
                told = dict(method="REQUEST", what=(_moved_or_changed(diffs),), changes=diffs)
        if told is not None:
            self._activity_changed.add(activity_id)
            self._tell_activity(event, told, after, conn=self.conn, sessions=True)
        if not (was_draft or is_draft):
            self._hosts_changed(event, before, after)

    def _tell_activity(self, event: Event, told: dict, values: dict, conn, sessions: bool) -> None:
        """Tell everyone holding an activity's event, and the people on its sessions of their sessions."""
        for person, status in people.participants(conn, event.activity_id):
            self._tell(person, event, why=status, partstat=people.PARTICIPANT_PARTSTAT[status], **told)
        hosts = dict(_hosts(values))
        for member_id, person in people.members(conn, hosts).items():
            self._tell(person, event, why=hosts[member_id], partstat="ACCEPTED", **told)
        if not sessions:
            return
        session_told = {**told, "changes": tuple(c for c in told.get("changes", ()) if c[0] != "When")}
        session_ids = [row[0] for row in self.conn.execute("SELECT id FROM sessions WHERE activity_id = ?",
                                                           [event.activity_id])]
        for session_id, holders in people.session_people(self.conn, session_ids).items():
            session_event = self.events.session(session_id)
            for person, role in holders:
                self._tell(person, session_event, why=_role_why(role), role=_itip_role(role),
                           partstat=people.ROLE_PARTSTAT[role["status"]], **session_told)

    def _hosts_changed(self, event: Event, before: dict, after: dict) -> None:
        old, new = dict(_hosts(before)), dict(_hosts(after))
        for member_id in new.keys() - old.keys():
            self._tell_member(member_id, event, why=new[member_id], method="REQUEST", new=True, what=(new[member_id],))
        for member_id in old.keys() - new.keys():
            self._tell_member(member_id, event, why=old[member_id], method="CANCEL", what=("no longer " + old[member_id],))

    def _session(self, change: Change) -> None:
        before, after = change.before or {}, change.after or {}
        if change.action == "create":
            return
        if change.action == "delete":
            event = self.events.deleted_session(before)
            if event is None or not event.published:
                return
            self._session_changes.append((event, {"own": True, "item": dict(
                method="CANCEL", whole=True, what=("cancelled",), changes=())}))
            return
        event = self.events.session(int(change.entity_id))
        if event is None or not event.published:
            return
        if after.get("status") == "cancelled" and before.get("status") != "cancelled":
            told = dict(method="CANCEL", whole=True, what=("cancelled",),
                        changes=(("Status", before.get("status") or "—", "cancelled"),))
        else:
            diffs = session_changes(self.events.activity_model(event.activity_id), before, after)
            if not diffs:
                return
            what = "reinstated" if before.get("status") == "cancelled" else _moved_or_changed(diffs)
            told = dict(method="REQUEST", what=(what,), changes=diffs)
        for person, role in people.session_people(self.conn, [event.session_id]).get(event.session_id, []):
            self._tell(person, event, why=_role_why(role), partstat=people.ROLE_PARTSTAT[role["status"]],
                       role=_itip_role(role), **told)
        self._session_changes.append((event, {"own": change.action != "reschedule", "item": told}))

    def _role(self, change: Change) -> None:
        before, after = change.before or {}, change.after or {}
        if change.action == "delete":
            if before.get("status") == "declined":
                return
            person, role = people.role(self.before.conn, int(change.entity_id))
            if person is None:
                return
            event = self.events.session(int(before["session_id"]))
            gone = event is None  # the session itself is removed: cancelled for everyone
            if gone:
                event = self.events.deleted_session(self._deleted_session(int(before["session_id"])))
            if event is None or not event.published:
                return
            self._tell(person, event, why=_role_why(role), method="CANCEL", whole=gone,
                       what=("cancelled" if gone else "removed",), role=_itip_role(role))
            return
        person, role = people.role(self.conn, int(change.entity_id))
        if person is None or role is None:
            return
        event = self.events.session(role["session_id"])
        if event is None or not event.published or event.status == "cancelled":
            return
        why, partstat = _role_why(role), people.ROLE_PARTSTAT[role["status"]]
        old_status, status = before.get("status"), after.get("status")
        if change.action == "create":
            if status != "declined":
                self._tell(person, event, why=why, method="REQUEST", new=True, what=(f"{role['role']} ({status})",),
                           partstat=partstat, role=_itip_role(role))
        elif status == "declined" and old_status != "declined":
            self._tell(person, event, why=why, method="CANCEL", what=("declined",), role=_itip_role(role))
        elif old_status == "declined" and status != "declined":
            self._tell(person, event, why=why, method="REQUEST", new=True, what=(f"{role['role']} ({status})",),
                       partstat=partstat, role=_itip_role(role))
        elif old_status != status:
            self._tell(person, event, why=why, method="REQUEST", what=(status,), partstat=partstat,
                       changes=(("Your role", f"{role['role']} ({old_status})", f"{role['role']} ({status})"),),
                       role=_itip_role(role))
        elif _person_changed(before, after):
            self._tell(person, event, why=why, method="REQUEST", new=True, what=(f"{role['role']} ({status})",),
                       partstat=partstat, role=_itip_role(role))

    def _deleted_session(self, session_id: int) -> dict:
        """A session this transaction deleted, as its change-log values, read from before the transaction."""
        from ..registry.records import public, session_from_row

        cursor = self.before.conn.execute("SELECT * FROM sessions WHERE id = ?", [session_id])
        names = [column[0] for column in cursor.description]
        return public(session_from_row(dict(zip(names, cursor.fetchone()))))

    def _participation(self, change: Change) -> None:
        before, after = change.before or {}, change.after or {}
        activity_id, member_id = (int(part) for part in change.entity_id.split("/"))
        event = self.events.activity(activity_id)
        if event is None or not event.published:
            return
        old, new = before.get("status"), after.get("status")
        if new in _PARTICIPATION and old != new:
            if event.status == "cancelled":
                return
            fresh = old not in people.PARTICIPANTS
            what = "moved up" if old == "waitlisted" and new == "registered" else _PARTICIPATION[new]
            self._tell_member(member_id, event, why=new, method="REQUEST", new=fresh, what=(what,),
                              partstat=people.PARTICIPANT_PARTSTAT[new])
        elif new == "declined" and old in people.PARTICIPANTS:
            self._tell_member(member_id, event, why=old, method="CANCEL", what=("declined",))

    # -- collecting ------------------------------------------------------------

    def _tell_member(self, member_id: int, event: Event, **told) -> None:
        person = people.members(self.conn, [member_id]).get(member_id)
        if person is not None:
            self._tell(person, event, **told)

    def _tell(self, person: Person, event: Event, *, why: str, method: str, what: tuple = (),
              changes: tuple = (), new: bool = False, whole: bool = False, partstat: str = "NEEDS-ACTION",
              role: str = "REQ-PARTICIPANT") -> None:
        if event.end <= self.now:
            return
        item = Item(uid=event.uid, sequence=event.sequence, method=method, entity=event.entity,
                    activity_id=event.activity_id, session_id=event.session_id, title=event.title,
                    activity_title=event.activity_title, when=event.when, where=event.where, status=event.status,
                    start=event.start, tzid=event.tzid, whole=whole, new=new, what=what, changes=changes,
                    why=(why,), partstat=partstat, role=role)
        key = (_key(person), event.network)
        if key not in self._items:
            self._items[key] = (person, [])
        self._items[key][1].append(item)

    def notices(self) -> list[Notice]:
        """One notice per person and network, its items folded, in the order people were found."""
        found = []
        for (_person_key, network), (person, items) in self._items.items():
            folded = fold([], items)
            if folded:
                found.append(Notice(kind="update", network=network, name=person.name, email=person.email,
                                    member_id=person.member_id, role_id=person.role_id, opted_out=person.opted_out,
                                    items=tuple(folded)))
        return found


def told_of(conn, uid: str) -> set[str]:
    """Who has been sent (or is about to be sent) the event ``uid``, as the keys messages fold on."""
    import json

    text = json.dumps({"uid": uid}, ensure_ascii=False)[1:-1]  # as the items' JSON spells it
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return {row[0] for row in conn.execute(
        "SELECT DISTINCT person FROM outbox WHERE status IN ('queued', 'sending', 'sent', 'interrupted')"
        " AND items LIKE ? ESCAPE '\\'", [pattern])}


def _key(person: Person) -> str:
    if person.email:
        return person.email.casefold()
    return f"member:{person.member_id}" if person.role_id is None else f"role:{person.role_id}"


def _hosts(values: dict) -> list[tuple[int, str]]:
    found = [(int(values["host_member_id"]), "host")] if values.get("host_member_id") else []
    return found + [(int(member_id), "peer") for member_id in values.get("peer_member_ids") or ()]


def _role_why(role: dict) -> str:
    return f"{role['role']} ({role['status']})"


def _itip_role(role: dict) -> str:
    return "CHAIR" if role["role"] in _ROLE_KINDS_CHAIRING else "REQ-PARTICIPANT"


def _person_changed(before: dict, after: dict) -> bool:
    """A role now names someone else, or someone reachable for the first time (an address added)."""
    return (before.get("name") != after.get("name") or before.get("member_id") != after.get("member_id")
            or (not before.get("email") and bool(after.get("email"))))


def _moved_or_changed(diffs: tuple) -> str:
    return "moved" if any(label == "When" for label, _old, _new in diffs) else "changed"


def activity_changes(before: dict, after: dict) -> tuple[tuple[str, str, str], ...]:
    """What changed of an activity, as people read it: (label, before, after), only where a calendar sees it."""
    from ..models import Activity

    if before.get("sequence") == after.get("sequence") and before.get("status") == after.get("status"):
        return ()
    if "start" not in before or "start" not in after:
        # a change recorded with only what it touched (e.g. one occurrence cancelled)
        return tuple((key.replace("_", " ").capitalize(), str(before.get(key) or "—"), str(after.get(key) or "—"))
                     for key in sorted((set(before) | set(after)) - {"sequence"}) if before.get(key) != after.get(key))
    old, new = model_from_public(Activity, before), model_from_public(Activity, after)
    found = []
    old_when = span_text(old.start, old.end, old.timezone, old.all_day)
    new_when = span_text(new.start, new.end, new.timezone, new.all_day)
    for label, was, now in (("When", old_when, new_when), ("Where", place_text(old), place_text(new)),
                            ("Title", old.title, new.title), ("Status", old.status, new.status),
                            ("Online", old.online_url, new.online_url), ("Repeats", old.rrule, new.rrule)):
        if was != now:
            found.append((label, was or "—", now or "—"))
    if old.description != new.description:
        found.append(("Details", "earlier text", "updated"))
    return tuple(found)


def session_changes(activity, before: dict, after: dict) -> tuple[tuple[str, str, str], ...]:
    """What changed of a session, as people read it."""
    from ..models import Session

    if activity is None:
        return ()
    old, new = model_from_public(Session, before), model_from_public(Session, after)
    found = []
    for label, was, now in (("When", span_text(old.start, old.end, activity.timezone),
                             span_text(new.start, new.end, activity.timezone)),
                            ("Where", place_text(activity, old.room), place_text(activity, new.room)),
                            ("Title", old.title, new.title), ("Track", old.track, new.track),
                            ("Status", before.get("status", ""), after.get("status", ""))):
        if was != now:
            found.append((label, was or "—", now or "—"))
    if old.description != new.description:
        found.append(("Details", "earlier text", "updated"))
    return tuple(found)
