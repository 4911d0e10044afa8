"""What is installed: a distribution's version, read from the head of its metadata.

A distribution's metadata is an email-format file; ``Distribution.version``
parses all of it with the email package (a few milliseconds a plugin on
every feeds build; matplotlib's file is 80 KB). The version is one header
line, read here; where it is not found, the distribution is asked.
"""

from __future__ import annotations

from typing import Any


def version_of(distribution: Any) -> str:
    """The ``Version`` field of ``distribution`` (an ``importlib.metadata.Distribution``), as it gives it."""
    text = distribution.read_text("METADATA") or distribution.read_text("PKG-INFO") or ""
    for line in text.splitlines():
        if not line.strip():
            break  # the headers end at the first blank line
        field, _, value = line.partition(":")
        if field.strip().lower() == "version" and value.strip():
            return value.strip()
    return distribution.version or ""


def installed_version(name: str) -> str:
    """The version of distribution ``name`` as installed (``""`` where it is not)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        return version_of(distribution(name))
    except PackageNotFoundError:
        return ""
