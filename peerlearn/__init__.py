"""peerlearn: coordinate peer-learning networks.

The public API a plugin imports: the ``hookimpl`` marker, the models, the
country lists and helpers for hooks (``add_categories``). Importing this package has no side effects and loads nothing
heavy; the models load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

__version__ = "0.1.0"

#: Marks a function or method as an implementation of a peerlearn hook.
hookimpl = pluggy.HookimplMarker("peerlearn")

_MODELS = (
    "Activity",
    "ActivityKind",
    "Change",
    "Exporter",
    "Member",
    "Membership",
    "Network",
    "Output",
    "Participation",
    "Problem",
    "Role",
    "Session",
)
_COUNTRIES = ("EU_MEMBER_STATES", "EEA_EFTA", "EU_INSTITUTIONS", "ISO_3166_ALPHA2")
#: Helpers for hook implementations, by the module that holds each.
_HELPERS = {"add_categories": "feeds.ical"}

__all__ = ["hookimpl", "__version__", *_MODELS, *_COUNTRIES, *_HELPERS]

if TYPE_CHECKING:  # pragma: no cover
    from .countries import EEA_EFTA, EU_INSTITUTIONS, EU_MEMBER_STATES, ISO_3166_ALPHA2
    from .feeds.ical import add_categories
    from .models import (Activity, ActivityKind, Change, Exporter, Member, Membership, Network, Output, Participation,
                         Problem, Role, Session)


def __getattr__(name: str):
    # Loaded on first use so that ``peerlearn --help`` does not pay for attrs.
    if name in _MODELS:
        from . import models

        return getattr(models, name)
    if name in _COUNTRIES:
        from . import countries

        return getattr(countries, name)
    if name in _HELPERS:  # called once per event: kept here after the first look-up
        import importlib

        helper = globals()[name] = getattr(importlib.import_module(f".{_HELPERS[name]}", __name__), name)
        return helper
    raise AttributeError(f"module 'peerlearn' has no attribute {name!r}")
