"""Country codes: ISO 3166-1 alpha-2, and the groups networks admit.

The lists live here once, as data, so that every network plugin reads the
same EU membership instead of keeping its own copy.
"""

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

#: The Member States of the European Union (27 since 1 February 2020).
EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

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
