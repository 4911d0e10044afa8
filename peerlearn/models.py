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
from .countries import normalise_country
from .emails import is_email_address
from .timeutil import zone

ACTIVITY_STATUSES = ("draft", "tentative", "confirmed", "cancelled", "completed")
#: The statuses of an activity that is published nowhere: in no feed, page, open-data copy or notice.
UNPUBLISHED_STATUSES = ("draft",)
MEMBERSHIP_ROLES = ("member", "observer", "secretariat", "chair")
PARTICIPATION_STATUSES = ("invited", "registered", "waitlisted", "attended", "declined")
MEMBER_TYPES = ("organisation", "person")
OUTPUT_KINDS = ("thematic_report", "final_report", "paper", "recording", "slides", "good_practice", "other")
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


def _optional_aware(instance: Any, attribute: attrs.Attribute, value: dt.datetime | None) -> None:
    if value is not None:
        _aware(instance, attribute, value)


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
    return tuple(normalise_country(code) for code in _strings(value))


def _ids(value: Any) -> tuple[int, ...]:
    return tuple(int(item) for item in (value or ()))


@attrs.frozen
class Network:
    """A peer-learning network: contributed by a plugin or created by hand."""

    slug: str = attrs.field(validator=_not_blank)
    name: str = _required_line()
    acronym: str = _line()
    description: str = _lines()
    url: str = _url()
    timezone: str = attrs.field(default="Europe/Brussels", validator=_iana)
    #: member categories the network knows (free text where empty)
    categories: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=text.validator())
    #: countries whose members it admits (any where empty)
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

    name: str = _required_line()
    label: str = _line()
    description: str = _lines()


@attrs.frozen
class Member:
    """An organisation or a person that belongs to networks.

    ``email`` and ``feed_token`` are private: never in a public feed or log.
    """

    name: str = _required_line(converter=text.name)
    country: str = attrs.field(converter=_country)
    category: str = _line()
    email: str = _line()
    type: str = attrs.field(default="organisation", validator=_one_of(MEMBER_TYPES))
    id: int | None = None
    feed_token: str | None = attrs.field(default=None, repr=False)

    @email.validator
    def _check_email(self, attribute: attrs.Attribute, value: str) -> None:
        if value and not is_email_address(value):
            raise ValueError(f"{value!r} is not an email address")


@attrs.frozen
class Membership:
    """A member's place in a network."""

    member_id: int
    network: str
    role: str = attrs.field(default="member", validator=_one_of(MEMBERSHIP_ROLES))
    since: dt.date | None = None
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

    network: str = _required_line()
    kind: str = _required_line()
    title: str = _required_line()
    start: dt.datetime = attrs.field(validator=_aware)
    end: dt.datetime = attrs.field(validator=_aware)
    timezone: str = attrs.field(default="Europe/Brussels", validator=_iana)
    status: str = attrs.field(default="confirmed", validator=_one_of(ACTIVITY_STATUSES))
    description: str = _lines()
    all_day: bool = False
    venue: str = _line()
    city: str = _line()
    country: str | None = attrs.field(default=None, converter=_optional_country)
    online_url: str = _url()
    host_member_id: int | None = None
    peer_member_ids: tuple[int, ...] = attrs.field(default=(), converter=_ids)
    themes: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=text.validator())
    capacity: int | None = attrs.field(default=None)
    country_quota: int | None = None
    rrule: str = ""
    sequence: int = 0
    id: int | None = None
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

    activity_id: int
    member_id: int
    status: str = attrs.field(default="invited", validator=_one_of(PARTICIPATION_STATUSES))


@attrs.frozen
class Output:
    """What an activity produced: a report, a paper, a recording, a good practice…"""

    activity_id: int
    kind: str = attrs.field(validator=_one_of(OUTPUT_KINDS))
    title: str = _required_line()
    url: str = _url()
    date: dt.date | None = None
    country: str | None = attrs.field(default=None, converter=_optional_country)
    themes: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=text.validator())
    description: str = _lines()
    id: int | None = None


@attrs.frozen
class Change:
    """One row of the append-only change log."""

    at: dt.datetime = attrs.field(validator=_aware)
    actor: str
    action: str
    entity: str
    entity_id: str
    network: str | None
    before: dict | None
    after: dict | None
    id: int | None = None


@attrs.frozen
class Problem:
    """Something a validation hook found: an ``error`` refuses the change, a ``warning`` is shown."""

    message: str
    severity: str = attrs.field(default="error", validator=_one_of(SEVERITIES))


@attrs.frozen
class Exporter:
    """A named export format for one kind of export.

    ``kind`` says what it exports (``calendar``, ``activity-log``,
    ``change-log``, ``report``, …); ``write(records, out, **context)`` writes
    the records to the text stream ``out``. What ``records`` and
    ``context`` hold is documented by the module that exports that kind.
    """

    name: str = attrs.field(validator=_not_blank)
    kind: str = attrs.field(validator=_not_blank)
    write: Any = attrs.field(repr=False)
    media_type: str = "text/plain; charset=utf-8"
    extension: str = ""
    description: str = ""

    @write.validator
    def _check_write(self, attribute: attrs.Attribute, value: Any) -> None:
        if not callable(value):
            raise ValueError("an exporter's write must be callable")


SESSION_KINDS = ("opening", "keynote", "panel", "workshop", "plenary", "qa", "break", "closing")
ROLE_KINDS = ("chair", "moderator", "speaker", "panellist", "rapporteur")
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

    activity_id: int
    title: str = _required_line()
    start: dt.datetime = attrs.field(validator=_aware)
    end: dt.datetime = attrs.field(validator=_aware)
    timezone: str = attrs.field(default="Europe/Brussels", validator=_iana)
    kind: str = attrs.field(default="plenary", validator=_one_of(SESSION_KINDS))
    track: str = _line()
    room: str = _line()
    description: str = _lines()
    key: str = _line()
    status: str = attrs.field(default="scheduled", validator=_one_of(SESSION_STATUSES))
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

    session_id: int
    role: str = attrs.field(validator=_one_of(ROLE_KINDS))
    status: str = attrs.field(default="tbc", validator=_one_of(ROLE_STATUSES))
    name: str = attrs.field(default="", converter=lambda value: text.person_name(value or ""),
                            validator=text.validator())
    affiliation: str = _line()
    email: str = _line()
    member_id: int | None = None
    speaking_minutes: int | None = attrs.field(default=None, validator=_minutes)
    prerecorded_minutes: int | None = attrs.field(default=None, validator=_minutes)
    note: str = _lines()
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
