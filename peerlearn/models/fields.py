"""The fields models share: the text rule, the link rule, countries, zones and choices as attrs fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from .. import text, urls
from ..countries import normalise_admitted, normalise_country
from ..limits import MAX_COUNT, MAX_MINUTES
from ..timeutil import check_years, zone


def _one_of(choices: tuple[str, ...]):
    def check(instance: Any, attribute: attrs.Attribute, value: str) -> None:
        if value not in choices:
            raise ValueError(f"{attribute.name} must be one of {', '.join(choices)}; got {value!r}")

    return check


def _aware(instance: Any, attribute: attrs.Attribute, value: dt.datetime) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be a timezone-aware datetime")


def _in_years(instance: Any, attribute: attrs.Attribute, value: dt.datetime) -> None:
    """A time inside the years peerlearn records (:func:`peerlearn.timeutil.check_years`).

    Rows stored before the rule load as they are.
    """
    if not text.loading():
        check_years(value, attribute.name)


def _moment() -> Any:
    """An aware datetime inside the years peerlearn records."""
    return attrs.field(validator=[_aware, _in_years])


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


def _minutes(instance: Any, attribute: attrs.Attribute, value: int | None) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_MINUTES):
        raise ValueError(f"{attribute.name} must be a whole number of minutes from 0 to {MAX_MINUTES};"
                         f" got {value!r}")


def _count(instance: Any, attribute: attrs.Attribute, value: int | None) -> None:
    """A number of places: None (no limit), or from 1 to :data:`~peerlearn.limits.MAX_COUNT`."""
    if text.loading() or value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_COUNT:
        raise ValueError(f"{attribute.name} must be a whole number from 1 to {MAX_COUNT}; got {value!r}")
