"""The calendar events notices tell of, built as the feeds build them.

An activity's event has the activity's UID and stored SEQUENCE; a session's
event has the UID of :func:`peerlearn.feeds.events.event_of` and the SEQUENCE
of :func:`peerlearn.feeds.blocks.session_version`, the one definition the feeds use
too (a new version is kept here, inside the transaction, so that the feed
built afterwards carries the same SEQUENCE). The VEVENT itself is built as
the feeds build it (:func:`peerlearn.feeds.blocks.activity_vevents`,
:mod:`peerlearn.feeds.ical`), plugins' properties and ``peerlearn_ical_event`` included, so a
message's event is the feed's event. A deleted activity or session is built
from the change log's "before" values, cancelled, one SEQUENCE higher.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from ..models import is_published

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity, Network, Session
    from ..registry.store import Registry


@attrs.frozen
class Event:
    """An activity's or a session's calendar event as a notice shows it."""

    uid: str
    sequence: int
    entity: str
    network: str
    activity_id: int
    session_id: int | None
    title: str
    activity_title: str
    when: str
    where: str
    status: str
    start: str
    end: str
    tzid: str
    #: whether the event is in the feeds (not a draft, not deleted)
    published: bool = True


def span_text(start: dt.datetime, end: dt.datetime, tzname: str, all_day: bool = False) -> str:
    """A span as people read it: "Tue 10 Jun 2026, 09:30–17:00 (Europe/Brussels)"."""
    from ..timeutil import zone

    if all_day:
        first = start.astimezone(zone(tzname)).date()
        last = (end.astimezone(zone(tzname)) - dt.timedelta(days=1)).date()
        return f"{first:%a %d %b %Y}" if first >= last else f"{first:%a %d %b %Y} – {last:%a %d %b %Y}"
    local_start, local_end = start.astimezone(zone(tzname)), end.astimezone(zone(tzname))
    if local_start.date() == local_end.date():
        return f"{local_start:%a %d %b %Y, %H:%M}–{local_end:%H:%M} ({tzname})"
    return f"{local_start:%a %d %b %Y %H:%M} – {local_end:%a %d %b %Y %H:%M} ({tzname})"


def place_text(activity: Activity, room: str = "") -> str:
    from ..feeds.ical import location

    return ", ".join(part for part in (room, location(activity)) if part)


def _utc(moment: dt.datetime) -> str:
    from ..timeutil import to_utc_text

    return to_utc_text(moment)


def model_from_public(model: type, values: dict, **overrides: Any) -> Any:
    """A model rebuilt from its change-log values (``records.public``): times parsed, unknown keys left out."""
    names = {field.name for field in attrs.fields(model)}
    data = {key: value for key, value in values.items() if key in names}
    for key in ("start", "end"):
        if isinstance(data.get(key), str):
            data[key] = dt.datetime.fromisoformat(data[key])
    data.pop("email", None)
    return model(**{**data, **overrides})


class Events:
    """The events of one transaction's notices, each built once."""

    def __init__(self, registry: Registry, before: Any = None) -> None:
        self.registry = registry
        #: the registry before the transaction (a :class:`.people.Before`), for what it deleted
        self.before = before
        self._networks: dict[str, Network] = {}
        self._activities: dict[int, Activity | None] = {}
        self._by_uid: dict[str, Event] = {}
        #: what each event's VEVENT is built from, by UID
        self._sources: dict[str, tuple] = {}
        self._blocks: dict[str, str] = {}

    def network(self, slug: str) -> Network:
        if slug not in self._networks:
            from ..registry import networks

            self._networks[slug] = networks.get(self.registry, slug)
        return self._networks[slug]

    def activity_model(self, activity_id: int) -> Activity | None:
        if activity_id not in self._activities:
            from ..errors import NotFound
            from ..registry import activities

            try:
                self._activities[activity_id] = activities.get(self.registry, activity_id)
            except NotFound:
                self._activities[activity_id] = None
        return self._activities[activity_id]

    def activity_before(self, activity_id: int) -> Activity | None:
        """An activity as it was before the transaction (one it deleted), or None."""
        from ..registry.records import activity_from_row

        if self.before is None:
            return None
        cursor = self.before.conn.execute("SELECT * FROM activities WHERE id = ?", [activity_id])
        names = [column[0] for column in cursor.description]
        values = cursor.fetchone()
        return activity_from_row(dict(zip(names, values))) if values else None

    # -- events ---------------------------------------------------------------

    def activity(self, activity_id: int) -> Event | None:
        """The event of an activity that exists (None where it does not)."""
        activity = self.activity_model(activity_id)
        if activity is None:
            return None
        if activity.uid not in self._by_uid:
            self._keep(self._activity_event(activity), ("activity", activity))
        return self._by_uid[activity.uid]

    def deleted_activity(self, before: dict) -> Event:
        """The event of an activity deleted in this transaction: cancelled, one SEQUENCE higher."""
        from ..models import Activity

        activity = model_from_public(Activity, before, status="cancelled", sequence=int(before["sequence"]) + 1)
        if activity.uid not in self._by_uid:
            self._keep(self._activity_event(activity, published=is_published(before.get("status", ""))),
                       ("activity", activity))
        return self._by_uid[activity.uid]

    def _activity_event(self, activity: Activity, published: bool | None = None) -> Event:
        return Event(
            uid=activity.uid, sequence=activity.sequence, entity="activity", network=activity.network,
            activity_id=activity.id, session_id=None, title=activity.title, activity_title=activity.title,
            when=span_text(activity.start, activity.end, activity.timezone, activity.all_day),
            where=place_text(activity), status=activity.status, start=_utc(activity.start),
            end=_utc(activity.end) if not activity.rrule else "9999",
            tzid="" if activity.all_day else activity.timezone,
            published=activity.published if published is None else published)

    def session(self, session_id: int) -> Event | None:
        """The event of a session that exists (None where it does not)."""
        from ..registry.records import session_from_row

        row = self.registry.one("SELECT * FROM sessions WHERE id = ?", [session_id])
        if row is None:
            return None
        session = session_from_row(row)
        activity = self.activity_model(session.activity_id)
        return self._session(activity, session, deleted=False)

    def deleted_session(self, before: dict) -> Event | None:
        """The event of a session deleted in this transaction: cancelled, one SEQUENCE above its last."""
        from ..models import Session

        activity_id = int(before["activity_id"])
        activity = self.activity_model(activity_id) or self.activity_before(activity_id)
        if activity is None:
            return None
        session = model_from_public(Session, before)
        return self._session(activity, session, deleted=True)

    def _session(self, activity: Activity, session: Session, deleted: bool) -> Event:
        from ..feeds import blocks
        from ..feeds import events as feed_events

        if deleted:
            event = feed_events.event_of(activity, session, [])
        else:
            event = feed_events.session_event(self.registry, activity, session)
        if event.uid in self._by_uid:
            return self._by_uid[event.uid]
        version = blocks.session_version(self.registry, activity, event)
        if version.new:
            self.registry.conn.execute(blocks.KEEP_SESSION_VERSION_SQL, version.row)
        status = "cancelled" if deleted else activity.status
        self._keep(Event(
            uid=event.uid, sequence=version.sequence, entity="session", network=activity.network,
            activity_id=activity.id, session_id=session.id, title=session.title, activity_title=activity.title,
            when=span_text(session.start, session.end, activity.timezone), where=place_text(activity, session.room),
            status=status, start=_utc(session.start), end=_utc(session.end), tzid=activity.timezone,
            published=activity.published), ("session", activity, event, version.changed_at, deleted))
        return self._by_uid[event.uid]

    def _keep(self, event: Event, source: tuple) -> None:
        self._by_uid[event.uid] = event
        self._sources[event.uid] = source

    # -- VEVENTs --------------------------------------------------------------

    def block(self, uid: str) -> str:
        """The serialized VEVENT of an event already built, as the feeds serialize it."""
        if uid not in self._blocks:
            from ..feeds import ical

            source = self._sources[uid]
            if source[0] == "activity":
                from ..feeds.blocks import activity_vevents

                activity = source[1]
                row = self.registry.one("SELECT created_at, updated_at FROM activities WHERE id = ?", [activity.id])
                stamps = {activity.id: (row["created_at"], row["updated_at"])} if row else {}
                _activity, written = next(activity_vevents(self.registry, [activity], self.network, stamps))
                if isinstance(written, Exception):
                    raise written
            else:
                _kind, activity, event, changed_at, deleted = source
                written = ical.session_block(self.network(activity.network), activity, event, updated_at=changed_at,
                                             sequence=self._by_uid[uid].sequence, cancelled=deleted)
            self._blocks[uid] = written
        return self._blocks[uid]
