"""The records peerlearn keeps, as attrs classes.

Models are frozen: change one with ``attrs.evolve`` so that a validator runs
again. Validators check what a record can check alone (a country is ISO, an
activity ends after it starts); rules that need a network or the registry
belong to plugins and the store. Every text field holds to the text rule of
:mod:`peerlearn.text` (one line, or several for descriptions and notes; names
in NFC) and every link to :mod:`peerlearn.urls` (http or https); a model
built from a stored row keeps text from before those rules as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from . import text, urls
from .countries import normalise_admitted, normalise_country
from .emails import is_email_address
from .timeutil import zone

#: An activity's statuses, in the order of its life (see ``peerlearn.registry.activities.TRANSITIONS``).
ACTIVITY_STATUSES = ("draft", "tentative", "confirmed", "cancelled", "completed")
#: The statuses of an activity that is published nowhere: in no feed, page, open-data copy or notice.
UNPUBLISHED_STATUSES = ("draft",)
#: A member's roles in a network.
MEMBERSHIP_ROLES = ("member", "observer", "secretariat", "chair")
#: Where a member stands with an activity.
PARTICIPATION_STATUSES = ("invited", "registered", "waitlisted", "attended", "declined")
#: What a member is.
MEMBER_TYPES = ("organisation", "person")
#: What an activity can produce, in the order pages list them.
OUTPUT_KINDS = ("thematic_report", "final_report", "paper", "recording", "slides", "good_practice", "other")
#: How serious a ``Problem`` is.
SEVERITIES = ("error", "warning")


def is_published(status: str) -> bool:
    """Whether an activity with ``status`` is published (feeds, pages, open data, notices): all but drafts.

    The SQL twin, for queries, is :func:`peerlearn.registry.activities.published_sql`.
    """
    return status not in UNPUBLISHED_STATUSES


def _one_of(choices: tuple[str, ...]):
    def check(instance: Any, attribute: attrs.Attribute, value: str) -> None:
        if value not in choices:
            raise ValueError(f"{attribute.name} must be one of {', '.join(choices)}; got {value!r}")

    return check


def _aware(instance: Any, attribute: attrs.Attribute, value: dt.datetime) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be a timezone-aware datetime")


def _iana(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    zone(value)


def _not_blank(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    if not value or not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


# The text rule (see peerlearn.text) and the link rule (peerlearn.urls) as attrs fields.


def _line() -> Any:
    """A one-line text field (a place, a category…), empty by default."""
    return attrs.field(default="", converter=text.one_line, validator=text.validator())


def _required_line(converter: Any = text.one_line) -> Any:
    """A one-line text field that must not be empty (a title, a name)."""
    return attrs.field(converter=converter, validator=[_not_blank, text.validator()])


def _lines() -> Any:
    """A multi-line text field (a description, a note)."""
    return attrs.field(default="", converter=text.multi_line, validator=text.validator(multiline=True))


def _url() -> Any:
    """A link: empty, or an http(s) URL."""
    return attrs.field(default="", converter=urls.converter, validator=urls.validator)


def _country(value: str) -> str:
    return normalise_country(value)


def _optional_country(value: str | None) -> str | None:
    return normalise_country(value) if value else None


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    items = (text.one_line(item if isinstance(item, str) else str(item)) for item in value)
    return tuple(item for item in items if item)


def _countries(value: Any) -> tuple[str, ...]:
    return tuple(normalise_admitted(code) for code in _strings(value))


def _ids(value: Any) -> tuple[int, ...]:
    return tuple(int(item) for item in (value or ()))


@attrs.frozen
class Network:
    """A peer-learning network: contributed by a plugin or created by hand."""

    #: its short name, lower-case (``nordic_welfare``): how records and commands name it
    slug: str = attrs.field(validator=_not_blank)
    #: its full name
    name: str = _required_line()
    #: how people shorten it (``MLP``)
    acronym: str = _line()
    #: what it is, for feeds and pages
    description: str = _lines()
    #: its web page (http or https)
    url: str = _url()
    #: the IANA zone its activities are entered in by default
    timezone: str = attrs.field(default="Europe/Brussels", validator=_iana)
    #: member categories the network knows (free text where empty)
    categories: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=text.validator())
    #: countries whose members it admits (any where empty); ``EU-MEMBER-STATES``
    #: (``peerlearn.EU_MEMBER_STATES_GROUP``) stands for the EU's Member States
    #: on the dates of each membership
    countries: tuple[str, ...] = attrs.field(default=(), converter=_countries)
    #: kinds of activity it runs (any known kind where empty)
    kinds: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=text.validator())
    #: who may join, in words, for messages (e.g. "the PES of the EU countries")
    eligibility: str = _line()
    #: the plugin that contributes it, or None for one created by hand
    plugin: str | None = None

    @slug.validator
    def _check_slug(self, attribute: attrs.Attribute, value: str) -> None:
        if not value.replace("_", "").replace("-", "").isalnum() or value != value.lower():
            raise ValueError(f"network slug {value!r} must be lower-case letters, digits, - or _")


@attrs.frozen
class ActivityKind:
    """A kind of activity, such as ``workshop`` or ``peer_review``."""

    #: the slug activities store (``thematic_event``)
    name: str = _required_line()
    #: what pages and reports call it (``Thematic event``)
    label: str = _line()
    #: a sentence saying what it is
    description: str = _lines()
    #: the slug of the one network that runs this kind; None: any network whose own ``kinds`` allow it
    network: str | None = None


@attrs.frozen
class Member:
    """An organisation or a person that belongs to networks.

    ``email`` and ``feed_token`` are private: never in a public feed or log.
    What the member is in a network (its category, role, dates) belongs to
    its :class:`Membership` of that network.
    """

    #: the organisation's or person's name (unique with its country)
    name: str = _required_line(converter=text.name)
    #: ISO 3166 alpha-2 code (``EU`` for the EU's institutions)
    country: str = attrs.field(converter=_country)
    #: contact address: private, never in a feed, log or page
    email: str = _line()
    #: ``organisation`` or ``person``
    type: str = attrs.field(default="organisation", validator=_one_of(MEMBER_TYPES))
    #: its number in the registry (None until stored)
    id: int | None = None
    #: the secret of its private feed's URL
    feed_token: str | None = attrs.field(default=None, repr=False)

    @email.validator
    def _check_email(self, attribute: attrs.Attribute, value: str) -> None:
        if value and not is_email_address(value):
            raise ValueError(f"{value!r} is not an email address")


@attrs.frozen
class Membership:
    """A member's place in a network: its category there, its role, and since and until when.

    One body can be an ``expert`` in one network and a ``policy expert`` in
    another: the category is the network's word for what the member is in
    it (one of ``Network.categories`` where the network declares some).
    ``since`` and ``until`` (both days included) date the membership; the
    country rules of a network are checked on those dates.
    """

    #: the member's number
    member_id: int
    #: the network's slug
    network: str
    #: the network's word for what the member is in it (``ministry``, ``expert``…)
    category: str = _line()
    #: ``member``, ``observer``, ``secretariat`` or ``chair``
    role: str = attrs.field(default="member", validator=_one_of(MEMBERSHIP_ROLES))
    #: when it began, if known
    since: dt.date | None = None
    #: when it ends or ended, if known
    until: dt.date | None = attrs.field(default=None)

    @until.validator
    def _check_until(self, attribute: attrs.Attribute, value: dt.date | None) -> None:
        if value and self.since and value < self.since:
            raise ValueError("a membership cannot end before it begins")


@attrs.frozen
class Activity:
    """Something a network runs: a workshop, a peer review, a conference…

    ``start`` and ``end`` are aware datetimes; ``timezone`` is the IANA zone
    they were entered in, kept so the local wall time survives a round trip.
    An all-day activity starts at midnight and ends at midnight after its
    last day (an exclusive end, as in iCalendar).
    """

    #: the slug of the network that runs it
    network: str = _required_line()
    #: its kind of activity (``workshop``, ``peer_review``…; see ``ActivityKind``)
    kind: str = _required_line()
    #: what it is called
    title: str = _required_line()
    #: when it starts (timezone-aware)
    start: dt.datetime = attrs.field(validator=_aware)
    #: when it ends (after ``start``; for an all-day activity, midnight after its last day)
    end: dt.datetime = attrs.field(validator=_aware)
    #: the IANA zone its times were entered in
    timezone: str = attrs.field(default="Europe/Brussels", validator=_iana)
    #: ``draft`` (published nowhere), ``tentative``, ``confirmed``, ``cancelled`` or ``completed``
    status: str = attrs.field(default="confirmed", validator=_one_of(ACTIVITY_STATUSES))
    #: what it is about
    description: str = _lines()
    #: whether it takes whole days (no time of day)
    all_day: bool = False
    #: where it takes place: the venue…
    venue: str = _line()
    #: …the city…
    city: str = _line()
    #: …and the country (ISO code)
    country: str | None = attrs.field(default=None, converter=_optional_country)
    #: its address online, if it is (or is also) online
    online_url: str = _url()
    #: the member hosting it (e.g. the host country of a peer review)
    host_member_id: int | None = None
    #: the members taking part as peers (e.g. the peer countries of a peer review)
    peer_member_ids: tuple[int, ...] = attrs.field(default=(), converter=_ids)
    #: what it is about, as short themes
    themes: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=text.validator())
    #: places available; registrations beyond it wait
    capacity: int | None = attrs.field(default=None)
    #: delegates allowed per country
    country_quota: int | None = None
    #: an RFC 5545 recurrence rule (``FREQ=MONTHLY;BYDAY=1TU``), or empty
    rrule: str = ""
    #: its iCalendar SEQUENCE: rises with each change a calendar must see
    sequence: int = 0
    #: its number in the registry (None until stored)
    id: int | None = None
    #: its iCalendar UID, stable for its life
    uid: str | None = None

    @end.validator
    def _check_end(self, attribute: attrs.Attribute, value: dt.datetime) -> None:
        if value <= self.start:
            raise ValueError(
                f"the activity ends ({value.isoformat()}) before it starts ({self.start.isoformat()})"
            )

    @capacity.validator
    def _check_capacity(self, attribute: attrs.Attribute, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError("capacity must be a positive number")

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(zone(self.timezone))

    @property
    def local_end(self) -> dt.datetime:
        return self.end.astimezone(zone(self.timezone))

    @property
    def published(self) -> bool:
        """Whether it is published (in feeds, pages, open data and notices): any status but draft."""
        return is_published(self.status)


@attrs.frozen
class Participation:
    """A member's part in an activity."""

    #: the activity's number
    activity_id: int
    #: the member's number
    member_id: int
    #: ``invited``, ``registered``, ``waitlisted``, ``attended`` or ``declined``
    status: str = attrs.field(default="invited", validator=_one_of(PARTICIPATION_STATUSES))


@attrs.frozen
class Output:
    """What an activity produced: a report, a paper, a recording, a good practice…"""

    #: the number of the activity that produced it
    activity_id: int
    #: one of ``OUTPUT_KINDS`` (``final_report``, ``paper``, ``good_practice``…)
    kind: str = attrs.field(validator=_one_of(OUTPUT_KINDS))
    #: its title
    title: str = _required_line()
    #: where it is published
    url: str = _url()
    #: when it was published
    date: dt.date | None = None
    #: where a good practice comes from (ISO code)
    country: str | None = attrs.field(default=None, converter=_optional_country)
    #: what it is about
    themes: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=text.validator())
    #: a summary
    description: str = _lines()
    #: its number in the registry (None until stored)
    id: int | None = None


@attrs.frozen
class Change:
    """One row of the append-only change log."""

    #: when it was made (UTC)
    at: dt.datetime = attrs.field(validator=_aware)
    #: who made it
    actor: str
    #: what was done: ``create``, ``update``, ``delete``, ``cancel``, ``reschedule``…
    action: str
    #: to what kind of record: ``activity``, ``member``, ``session``…
    entity: str
    #: which record, by its number or slug
    entity_id: str
    #: the network it belongs to, if any
    network: str | None
    #: its public values before (None when created)
    before: dict | None
    #: its public values after (None when deleted)
    after: dict | None
    #: its number in the change log
    id: int | None = None


@attrs.frozen
class Problem:
    """Something a validation hook found: an ``error`` refuses the change, a ``warning`` is shown."""

    #: what is wrong, naming what is involved
    message: str
    #: ``error`` (refuses the change) or ``warning`` (shown)
    severity: str = attrs.field(default="error", validator=_one_of(SEVERITIES))


@attrs.frozen
class Exporter:
    """A named export format for one kind of export.

    ``kind`` says what it exports (``calendar``, ``activity-log``,
    ``change-log``, ``report``, …); ``write(records, out, **context)`` writes
    the records to the text stream ``out``. What ``records`` and
    ``context`` hold is documented by the module that exports that kind.
    """

    #: what users type after ``--format`` (``csv``)
    name: str = attrs.field(validator=_not_blank)
    #: what it exports: ``calendar``, ``activity-log``, ``change-log`` or ``report``
    kind: str = attrs.field(validator=_not_blank)
    #: ``write(records, out, **context)``: writes the records to the text stream ``out``
    write: Any = attrs.field(repr=False)
    #: the media type of what it writes
    media_type: str = "text/plain; charset=utf-8"
    #: the file extension of what it writes (``csv``); ``-o FILE`` with it picks this format
    extension: str = ""
    #: one line for people listing formats
    description: str = ""

    @write.validator
    def _check_write(self, attribute: attrs.Attribute, value: Any) -> None:
        if not callable(value):
            raise ValueError("an exporter's write must be callable")


#: The kinds of session of an agenda.
SESSION_KINDS = ("opening", "keynote", "panel", "workshop", "plenary", "qa", "break", "closing")
#: The parts people hold on sessions.
ROLE_KINDS = ("chair", "moderator", "speaker", "panellist", "rapporteur")
#: Where a person on a session stands: ``tbd`` has no one yet; ``declined`` is shown nowhere.
ROLE_STATUSES = ("confirmed", "tbc", "tbd", "declined")
#: A cancelled session stays in the programme, the feeds and the pages, marked as cancelled.
SESSION_STATUSES = ("scheduled", "cancelled")


def _minutes(instance: Any, attribute: attrs.Attribute, value: int | None) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(f"{attribute.name} must be a whole number of minutes, 0 or more; got {value!r}")


@attrs.frozen
class Session:
    """An item of an activity's agenda: a panel, a workshop, a break…

    ``start`` and ``end`` are aware datetimes inside the activity;
    ``timezone`` is the activity's. Sessions in different ``track``\\ s at the
    same time run in parallel; ``key`` names the session in a programme file
    (unique within its activity). A ``cancelled`` session is kept, and shown
    as cancelled, rather than removed.
    """

    #: the number of the activity whose agenda it is in
    activity_id: int
    #: what it is called
    title: str = _required_line()
    #: when it starts, inside its activity (timezone-aware)
    start: dt.datetime = attrs.field(validator=_aware)
    #: when it ends
    end: dt.datetime = attrs.field(validator=_aware)
    #: its activity's IANA zone
    timezone: str = attrs.field(default="Europe/Brussels", validator=_iana)
    #: one of ``SESSION_KINDS`` (``panel``, ``workshop``, ``break``…)
    kind: str = attrs.field(default="plenary", validator=_one_of(SESSION_KINDS))
    #: its track: sessions of different tracks at the same time run in parallel
    track: str = _line()
    #: where it takes place
    room: str = _line()
    #: what it is about
    description: str = _lines()
    #: its name in programme files, unique within its activity (``workshop-2``)
    key: str = _line()
    #: ``scheduled`` or ``cancelled`` (kept, shown as cancelled)
    status: str = attrs.field(default="scheduled", validator=_one_of(SESSION_STATUSES))
    #: its number in the registry (None until stored)
    id: int | None = None

    @end.validator
    def _check_end(self, attribute: attrs.Attribute, value: dt.datetime) -> None:
        if value <= self.start:
            raise ValueError(
                f"the session ends ({value.isoformat()}) before it starts ({self.start.isoformat()})"
            )

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(zone(self.timezone))

    @property
    def local_end(self) -> dt.datetime:
        return self.end.astimezone(zone(self.timezone))

    @property
    def minutes(self) -> int:
        """Its length in minutes, counted in UTC (two wall times in one zone subtract as if no clock changed)."""
        utc = dt.timezone.utc
        return int((self.end.astimezone(utc) - self.start.astimezone(utc)).total_seconds() // 60)


@attrs.frozen
class Role:
    """A person's part in a session: chair, moderator, speaker, panellist or rapporteur.

    A role still ``tbd`` may have no person yet (an empty ``name``); any
    other status needs one. ``email`` is private. ``member_id`` links the
    person to a registered member where there is one.
    """

    #: the number of the session it is on
    session_id: int
    #: ``chair``, ``moderator``, ``speaker``, ``panellist`` or ``rapporteur``
    role: str = attrs.field(validator=_one_of(ROLE_KINDS))
    #: ``confirmed``, ``tbc``, ``tbd`` (no one yet) or ``declined`` (shown nowhere)
    status: str = attrs.field(default="tbc", validator=_one_of(ROLE_STATUSES))
    #: the person's name (empty only while ``tbd``)
    name: str = attrs.field(default="", converter=lambda value: text.person_name(value or ""),
                            validator=text.validator())
    #: where the person comes from
    affiliation: str = _line()
    #: the person's address: private
    email: str = _line()
    #: the registered member the person is, if any
    member_id: int | None = None
    #: how long the person speaks
    speaking_minutes: int | None = attrs.field(default=None, validator=_minutes)
    #: how much of it is a recording
    prerecorded_minutes: int | None = attrs.field(default=None, validator=_minutes)
    #: the secretariat's working note: private
    note: str = _lines()
    #: its number in the registry (None until stored)
    id: int | None = None

    @name.validator
    def _check_name(self, attribute: attrs.Attribute, value: str) -> None:
        if not value and self.member_id is None and self.status != "tbd":
            raise ValueError(f"a {self.status} {self.role} needs a person's name (only a tbd role may have none)")

    @email.validator
    def _check_email(self, attribute: attrs.Attribute, value: str) -> None:
        if value and not is_email_address(value):
            raise ValueError(f"{value!r} is not an email address")

    @property
    def person_key(self) -> str:
        """The name NFC-normalised and case-folded: with ``member_id``, how checks tell one person from another."""
        return text.name_key(self.name)

    @property
    def who(self) -> str:
        return self.name or "tbd"
