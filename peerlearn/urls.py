"""Which links peerlearn accepts and publishes: ``http`` and ``https`` only.

A link typed by a person (an activity's online address, an output's, a
network's web page, anything a plugin stores as a link) is refused at input
unless it is an absolute ``http://`` or ``https://`` URL with a host, with
no space or control character in it: a ``javascript:``, ``data:`` or
``file:`` link never gets in. What peerlearn writes (web pages, reports,
calendar feeds) goes through :func:`web_link` again, so a row stored before
this rule never becomes a live link either.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from . import text

SCHEMES = ("http", "https")
_WHITESPACE_OR_CONTROL = re.compile(f"[\\s\\x00-\\x1f\\x7f-\\x9f{text.SURROGATES}]")


def problem(url: str) -> str | None:
    """Why ``url`` is not a web link, or None when it is one."""
    found = _WHITESPACE_OR_CONTROL.search(url)
    if found:
        what = "a space" if found.group() == " " else text.shown(found.group())
        return f"it holds {what} (write a space as %20)"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:
        return str(error)
    if parts.scheme.lower() not in SCHEMES:
        return "only http:// and https:// links are accepted"
    if not host:
        return "it names no host (e.g. https://example.org/page)"
    return None


def base_problem(url: str) -> str | None:
    """Why ``url`` cannot be a base URL (a web link that paths are added to: no query or fragment), or None."""
    wrong = problem(url)
    if wrong is None:
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            return "it holds a query or a fragment"
    return wrong


def check(url: str, field: str) -> str:
    """``url`` if it is an acceptable link for ``field``; else ValueError naming the field."""
    wrong = problem(url)
    if wrong:
        raise ValueError(f"{field} {url!r} is not a web link: {wrong}")
    return url


def web_link(url: Any) -> str | None:
    """``url`` where it may be published as a link, else None (for every page and feed peerlearn writes)."""
    if not url or not isinstance(url, str) or problem(url):
        return None
    return url


# -- the pieces models are built from -------------------------------------


def converter(value: Any) -> Any:
    """Strip spaces around a typed link; a stored link that breaks the rule loads as ``LegacyText``."""
    if not isinstance(value, str) or isinstance(value, text.LegacyText):
        return value
    if text.loading() and value and problem(value):
        return text.LegacyText(value)
    return value.strip()


def validator(instance: Any, attribute: Any, value: Any) -> None:
    """An attrs validator: empty, or a web link."""
    if value and not text.loading() and not isinstance(value, text.LegacyText):
        check(value, attribute.name)
