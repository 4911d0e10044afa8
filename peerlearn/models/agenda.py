"""An activity's agenda: its sessions and the people on them."""

from __future__ import annotations

import datetime as dt

import attrs

from .. import text
from ..emails import is_email_address
from ..timeutil import zone
from . import ROLE_KINDS, ROLE_STATUSES, SESSION_KINDS, SESSION_STATUSES
from .fields import _iana, _moment, _line, _lines, _minutes, _one_of, _required_line


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
    start: dt.datetime = _moment()
    #: when it ends
    end: dt.datetime = _moment()
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
