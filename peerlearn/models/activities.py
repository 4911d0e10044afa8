"""Activities: what networks run."""

from __future__ import annotations

import datetime as dt

import attrs

from .. import text
from ..timeutil import zone
from . import ACTIVITY_STATUSES, is_published
from .fields import _count, _iana, _moment, _ids, _line, _lines, _one_of, _optional_country, _required_line, _strings, _url


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
    start: dt.datetime = _moment()
    #: when it ends (after ``start``; for an all-day activity, midnight after its last day)
    end: dt.datetime = _moment()
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
    capacity: int | None = attrs.field(default=None, validator=_count)
    #: delegates allowed per country
    country_quota: int | None = attrs.field(default=None, validator=_count)
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
