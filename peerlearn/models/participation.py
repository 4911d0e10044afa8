"""Members' participation in activities, and what activities produce."""

from __future__ import annotations

import datetime as dt

import attrs

from .. import text
from . import OUTPUT_KINDS, PARTICIPATION_STATUSES
from .fields import _lines, _one_of, _optional_country, _required_line, _strings, _url


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
