"""Networks: those plugins contribute, joined with those the registry holds.

A network's plugin is the source of its definition and rules. The registry
keeps a copy (written when a record first needs it, or by ``init``), so a
registry whose plugin has gone still lists and exports its data; such
networks are reported as ``plugin absent`` and their rules are not enforced.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

import attrs

from .. import plugins
from ..countries import EU_MEMBER_STATES_GROUP, admitted_countries, membership_span
from ..errors import Conflict, NotFound, ValidationError
from .records import network_from_row, network_row, public
from .store import Registry

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Membership, Network


class KnownNetwork(NamedTuple):
    network: Network
    #: ``plugin`` (contributed by a loaded plugin), ``registry`` (created by
    #: hand) or ``plugin absent`` (its plugin is not loaded)
    source: str
    stored: bool


def known(registry: Registry) -> dict[str, KnownNetwork]:
    """Every network: the loaded plugins' and the registry's, by slug."""
    from_plugins = plugins.networks()
    stored = {row["slug"]: network_from_row(row) for row in registry.query("SELECT * FROM networks ORDER BY slug")}
    result: dict[str, KnownNetwork] = {}
    for slug in sorted(from_plugins.keys() | stored.keys()):
        if slug in from_plugins:
            result[slug] = KnownNetwork(from_plugins[slug], "plugin", slug in stored)
        else:
            network = stored[slug]
            source = "plugin absent" if network.plugin else "registry"
            result[slug] = KnownNetwork(network, source, True)
    return result


def definitions(registry: Registry) -> list[Network]:
    """Every network's definition, by slug: the loaded plugins' and those the registry holds (see :func:`known`)."""
    return [entry.network for entry in known(registry).values()]


def get(registry: Registry, slug: str) -> Network:
    """The network called ``slug``, or NotFound listing those there are."""
    plugin_networks = plugins.networks()
    if slug in plugin_networks:
        return plugin_networks[slug]
    row = registry.one("SELECT * FROM networks WHERE slug = ?", [slug])
    if row:
        return network_from_row(row)
    names = sorted(plugin_networks.keys() | {r["slug"] for r in registry.query("SELECT slug FROM networks")})
    hint = f"; known networks: {', '.join(names)}" if names else "; no networks are known (add one or load a plugin)"
    raise NotFound(f"unknown network {slug!r}{hint}")


def ensure(registry: Registry, slug: str) -> Network:
    """Return network ``slug``, storing or refreshing a plugin's copy first.

    Call inside a transaction, before writing a record that refers to it.
    """
    network = get(registry, slug)
    if network.plugin is None:
        return network
    if slug not in plugins.networks():
        warning = f"network {slug!r} comes from plugin {network.plugin!r}, which is not loaded; its rules are not enforced"
        if warning not in registry.warnings:
            registry.warnings.append(warning)
        return network
    row = registry.one("SELECT * FROM networks WHERE slug = ?", [slug])
    wanted = network_row(network)
    if row is None:
        registry.db["networks"].insert(wanted)
        registry.record("create", "network", slug, network=slug, after=public(network))
    elif row != wanted:
        registry.db["networks"].update(slug, wanted)
        registry.record("update", "network", slug, network=slug, before=public(network_from_row(row)), after=public(network))
    return network


def on_membership_dates(network: Network, membership: Membership, today: dt.date) -> Network:
    """``network`` as its rules see one membership: its countries, those it admits on the membership's dates.

    A network that declares ``EU-MEMBER-STATES`` admits the EU of the
    membership's dates (see :func:`peerlearn.countries.membership_span`;
    a membership without dates is checked on ``today``): those Member States
    are listed beside the group's name.
    """
    if EU_MEMBER_STATES_GROUP not in network.countries:
        return network
    first, last = membership_span(membership.since, membership.until, today)
    return attrs.evolve(network, countries=sorted(admitted_countries(network.countries, first, last)))


def sync_plugins(registry: Registry) -> list[Network]:
    """Store every loaded plugin's networks (inside a transaction)."""
    return [ensure(registry, slug) for slug in plugins.networks()]


def add(registry: Registry, network: Network) -> Network:
    """Create a network by hand (inside a transaction)."""
    if network.slug in known(registry):
        raise Conflict(f"network {network.slug!r} already exists")
    network = attrs.evolve(network, plugin=None)
    registry.db["networks"].insert(network_row(network))
    registry.record("create", "network", network.slug, network=network.slug, after=public(network))
    return network


def edit(registry: Registry, slug: str, **changes: object) -> Network:
    """Change a network created by hand (inside a transaction)."""
    current = get(registry, slug)
    if current.plugin is not None:
        raise ValidationError(f"network {slug!r} is defined by plugin {current.plugin!r}; change it there")
    try:
        updated = attrs.evolve(current, **changes)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"network {slug!r}: {error}") from None
    if updated != current:
        registry.db["networks"].update(slug, network_row(updated))
        registry.record("update", "network", slug, network=slug, before=public(current), after=public(updated))
    return updated
