"""Members and their memberships of networks."""

from __future__ import annotations

import datetime as dt

import attrs

from .. import text
from ..emails import is_email_address
from . import MEMBER_TYPES, MEMBERSHIP_ROLES
from .fields import _country, _line, _one_of, _required_line


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
