"""A peer-learning network, as plugins contribute it and the registry stores it."""

from __future__ import annotations

import attrs

from .. import text
from .fields import _countries, _iana, _line, _lines, _not_blank, _required_line, _strings, _url


#: The longest network slug, in UTF-8 bytes: files are named after it.
MAX_SLUG = 64


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
        # files are named after it (feeds/networks/<slug>.ics, logs/<slug>-report-<year>.html): a name of at
        # most 255 bytes; a slug stored before the limit still loads, so that it can be renamed or removed
        if len(value.encode("utf-8")) > MAX_SLUG and not text.loading():
            raise ValueError(f"network slug is too long ({len(value)} characters): at most {MAX_SLUG} (a letter"
                             " beyond ASCII counts as 2 to 4), since files are named after it")
