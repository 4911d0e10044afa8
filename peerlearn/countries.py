"""Country codes: ISO 3166-1 alpha-2, and the groups networks admit.

The lists live here once, as data, so that every network plugin reads the
same EU membership instead of keeping its own copy. The EU's membership is
kept over time (:data:`EU_MEMBERSHIP`): a network that admits "the EU
countries" declares :data:`EU_MEMBER_STATES_GROUP` among its countries and
each membership is checked against the EU of its own dates, so a UK body's
membership of 2018-2019 is accepted and one of 2021 refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

ISO_3166_ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
    BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR
    CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
    SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR
    TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

#: ISO 3166-1 reserves ``EU`` for the European Union; peerlearn uses it for
#: EU institutions such as the European Commission.
EU_INSTITUTIONS = "EU"


def _joined(day: dt.date, codes: str) -> dict[str, tuple[dt.date, dt.date | None]]:
    return {code: (day, None) for code in codes.split()}


#: Each country that is or was a Member State of the European Union (of the
#: European Communities before 1993): its first day as one and, for a
#: country that left, its last day. The founding six, the enlargements of
#: 1973, 1981, 1986, 1995, 2004, 2007 and 2013, and the United Kingdom's
#: withdrawal, whose last day as a Member State was 31 January 2020. A new
#: accession or withdrawal is one more line here.
EU_MEMBERSHIP: dict[str, tuple[dt.date, dt.date | None]] = {
    **_joined(dt.date(1958, 1, 1), "BE DE FR IT LU NL"),
    **_joined(dt.date(1973, 1, 1), "DK IE"),
    "GB": (dt.date(1973, 1, 1), dt.date(2020, 1, 31)),
    **_joined(dt.date(1981, 1, 1), "GR"),
    **_joined(dt.date(1986, 1, 1), "ES PT"),
    **_joined(dt.date(1995, 1, 1), "AT FI SE"),
    **_joined(dt.date(2004, 5, 1), "CY CZ EE HU LT LV MT PL SI SK"),
    **_joined(dt.date(2007, 1, 1), "BG RO"),
    **_joined(dt.date(2013, 7, 1), "HR"),
}

#: The Member States of the European Union today (27 since 1 February 2020).
EU_MEMBER_STATES = frozenset(code for code, (_first, last) in EU_MEMBERSHIP.items() if last is None)

#: Named among a network's countries, it stands for the EU's Member States
#: on the dates of each membership (see :func:`admitted_countries`), rather
#: than today's.
EU_MEMBER_STATES_GROUP = "EU-MEMBER-STATES"


def eu_member_states(first: dt.date, last: dt.date | None = None) -> frozenset[str]:
    """The countries that were EU Member States on every day from ``first`` to ``last`` (both included).

    Without ``last``, on ``first`` alone. Dates after the last change known
    here are taken to keep today's membership.
    """
    last = last or first
    return frozenset(code for code, (joined, left) in EU_MEMBERSHIP.items()
                     if joined <= first and (left is None or last <= left))


def membership_span(since: dt.date | None, until: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a membership's country is checked on: ``since`` to ``until``, reaching today where open.

    A membership without dates is checked on ``today``; one without an end
    runs until today (or its start, if that is later); one with an end but
    no start is checked from today (or its end, if that is earlier).
    """
    first = since or min(today, until or today)
    last = until or max(today, first)
    return first, last


def admitted_countries(codes: Iterable[str], first: dt.date, last: dt.date) -> frozenset[str]:
    """``codes`` (a network's countries) with :data:`EU_MEMBER_STATES_GROUP` made the EU of those dates.

    The group's name is kept beside the countries it stands for, so a rule
    can tell that a network admits the EU countries of the day.
    """
    codes = frozenset(codes)
    if EU_MEMBER_STATES_GROUP in codes:
        codes |= eu_member_states(first, last)
    return codes


def eu_membership_note(code: str) -> str:
    """When ``code`` was or is an EU Member State, in words (``""`` for a country that never was one)."""
    if code not in EU_MEMBERSHIP:
        return ""
    joined, left = EU_MEMBERSHIP[code]
    if left is None:
        return f"{code} has been an EU Member State since {joined:%Y-%m-%d}"
    return f"{code} was an EU Member State from {joined:%Y-%m-%d} to {left:%Y-%m-%d}"

#: Countries of the European Economic Area outside the EU.
EEA_EFTA = frozenset({"IS", "LI", "NO"})

#: Codes people commonly type that ISO spells otherwise.
_ALIASES = {"EL": "GR", "UK": "GB"}


def normalise_country(code: str) -> str:
    """Return ``code`` as an upper-case ISO 3166-1 alpha-2 code, or raise ValueError.

    ``EU`` (the European Union's institutions) is accepted; the EU's own
    spellings ``EL`` (Greece) and ``UK`` are mapped to ISO's ``GR`` and ``GB``.
    """
    value = (code or "").strip().upper()
    value = _ALIASES.get(value, value)
    if value == EU_INSTITUTIONS or value in ISO_3166_ALPHA2:
        return value
    raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")


def normalise_admitted(code: str) -> str:
    """A country a network admits: a code as :func:`normalise_country` reads it, or :data:`EU_MEMBER_STATES_GROUP`."""
    if (code or "").strip().upper() == EU_MEMBER_STATES_GROUP:
        return EU_MEMBER_STATES_GROUP
    try:
        return normalise_country(code)
    except ValueError:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code"
                         f" (or {EU_MEMBER_STATES_GROUP}, the EU's Member States of a membership's dates)") from None


_names: dict[str, str] | None = None


def country_name(code: str) -> str:
    """The English short name of a country code (``BE`` → ``Belgium``), or the code where none is known.

    The names are data kept beside the code list (``data/country-names.tsv``),
    the names an EU audience reads: ``Czechia``, ``Türkiye``, ``EU`` for the
    European Union's institutions.
    """
    global _names
    if _names is None:
        from importlib.resources import files

        text = files("peerlearn").joinpath("data", "country-names.tsv").read_text(encoding="utf-8")
        _names = dict(line.split("\t", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return _names.get(code, code)


def country_label(code: str) -> str:
    """A country as public output shows it, by name and code: ``Belgium (BE)``; blank stays blank."""
    if not code:
        return ""
    name = country_name(code)
    return f"{name} ({code})" if name != code else code
