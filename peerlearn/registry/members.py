"""Members and their memberships of networks.

Every function that writes must run inside ``Registry.transaction()``; it
validates first (the models' own checks, then every plugin's rules for each
network concerned), writes, and appends to the change log.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Iterable

import attrs

from . import networks
from .. import plugins, text
from ..errors import Conflict, NotFound, ValidationError
from ..models import Member, Membership
from .records import feed_token_hash, member_from_row, member_row, membership_from_row, membership_row, public
from .store import Registry
from .validation import enforce


def new_feed_token() -> str:
    """An unguessable token (128 random bits) for a member's private feed."""
    return secrets.token_urlsafe(16)


def by_feed_token(registry: Registry, token: str) -> int | None:
    """The id of the member whose feed token is ``token``, or None.

    Found through the indexed hash of the token (``feed_token_hash``), so an
    unknown token costs one index lookup whatever the number of members, and
    the time taken says nothing about how close a guess came; the token found
    is then compared with the one given in constant time. A member whose hash
    is missing (a row written by another tool) is compared too, so its feed
    still answers; a hash that no longer matches its token finds nothing.
    """
    given = token.encode("utf-8")
    found = None
    for member_id, stored in registry.db.execute(
            "SELECT id, feed_token FROM members WHERE feed_token_hash = ?"
            " UNION ALL SELECT id, feed_token FROM members WHERE feed_token_hash IS NULL",
            [feed_token_hash(token)]):
        if hmac.compare_digest(given, (stored or "").encode("utf-8")):
            found = member_id
    return found


def get(registry: Registry, ref: str | int) -> Member:
    """A member by id (``12`` or ``#12``) or by exact name (in any case and Unicode form)."""
    typed = str(ref).strip()
    if typed.lstrip("#").isdigit():
        row = registry.one("SELECT * FROM members WHERE id = ?", [int(typed.lstrip("#"))])
        if row is None:
            raise NotFound(f"unknown member {typed!r}")
        return member_from_row(row)
    rows = registry.query("SELECT * FROM members WHERE name_key = ?", [text.name_key(typed)])
    if not rows:
        raise NotFound(f"unknown member {typed!r}")
    if len(rows) > 1:
        choices = ", ".join(f"#{row['id']} ({row['country']})" for row in rows)
        raise NotFound(f"member name {typed!r} is ambiguous: {choices}; use the id")
    return member_from_row(rows[0])


def list_members(
    registry: Registry, *, network: str | None = None, country: str | None = None, category: str | None = None
) -> list[Member]:
    where, params = [], []
    if network:
        networks.get(registry, network)
        where.append("id IN (SELECT member_id FROM memberships WHERE network = ?)")
        params.append(network)
    if country:
        where.append("country = ?")
        params.append(country.upper())
    if category:
        where.append("category = ?")
        params.append(category)
    sql = "SELECT * FROM members" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY name_key, id"
    return [member_from_row(row) for row in registry.query(sql, params)]


def memberships(registry: Registry, member_id: int) -> list[Membership]:
    rows = registry.query("SELECT * FROM memberships WHERE member_id = ? ORDER BY network", [member_id])
    return [membership_from_row(row) for row in rows]


def _check_unique(registry: Registry, member: Member) -> None:
    row = registry.one(
        "SELECT id FROM members WHERE name_key = ? AND country = ? AND id IS NOT ?",
        [text.name_key(member.name), member.country, member.id],
    )
    if row:
        raise Conflict(f"member {member.name!r} ({member.country}) already exists as #{row['id']}")


def add(registry: Registry, member: Member, join: Iterable[tuple[str, str]] = ()) -> Member:
    """Add a member, optionally joining networks as ``(slug, role)`` pairs."""
    _check_unique(registry, member)
    member = attrs.evolve(member, id=None, feed_token=member.feed_token or new_feed_token())
    row = member_row(member)
    row.pop("id")
    row["created_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    member_id = registry.db["members"].insert(row).last_pk
    member = attrs.evolve(member, id=member_id)
    registry.record("create", "member", member_id, after=public(member))
    for slug, role in join:
        add_membership(registry, member, Membership(member_id=member_id, network=slug, role=role))
    return member


def edit(registry: Registry, ref: str | int, **changes: object) -> Member:
    """Change a member's fields; its memberships are checked again."""
    current = get(registry, ref)
    try:
        updated = attrs.evolve(current, **changes)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"member {current.name!r}: {error}") from None
    if updated == current:
        return current
    _check_unique(registry, updated)
    for membership in memberships(registry, current.id):
        _validate(registry, updated, membership)
    row = member_row(updated)
    registry.db["members"].update(current.id, row)
    registry.record("update", "member", current.id, before=public(current), after=public(updated))
    return updated


def remove(registry: Registry, ref: str | int) -> Member:
    """Remove a member and its memberships and participations."""
    member = get(registry, ref)
    hosted = registry.one("SELECT id, title FROM activities WHERE host_member_id = ? LIMIT 1", [member.id])
    if hosted:
        raise ValidationError(
            f"member {member.name!r} hosts activity #{hosted['id']} ({hosted['title']}); change its host first"
        )
    for membership in memberships(registry, member.id):
        registry.record("leave", "membership", f"{member.id}/{membership.network}", network=membership.network,
                        before=public(membership))
    registry.db.execute("DELETE FROM members WHERE id = ?", [member.id])
    registry.record("delete", "member", member.id, before=public(member))
    return member


def rotate_token(registry: Registry, ref: str | int) -> Member:
    """Give a member a new feed token; the old one stops working at once."""
    member = get(registry, ref)
    updated = attrs.evolve(member, feed_token=new_feed_token())
    registry.db["members"].update(member.id, {"feed_token": updated.feed_token,
                                              "feed_token_hash": feed_token_hash(updated.feed_token)})
    registry.record("rotate-token", "member", member.id)
    return updated


def _validate(registry: Registry, member: Member, membership: Membership) -> None:
    network = networks.get(registry, membership.network)
    problems = plugins.validate_member(network=network, member=member, membership=membership)
    enforce(registry, problems, f"member {member.name!r} in {network.slug}")


def add_membership(registry: Registry, member: Member, membership: Membership) -> Membership:
    networks.ensure(registry, membership.network)
    existing = registry.one(
        "SELECT * FROM memberships WHERE member_id = ? AND network = ?", [member.id, membership.network]
    )
    _validate(registry, member, membership)
    row = membership_row(membership)
    if existing:
        before = membership_from_row(existing)
        if before == membership:
            return membership
        registry.db["memberships"].update((member.id, membership.network), row)
        registry.record("update", "membership", f"{member.id}/{membership.network}", network=membership.network,
                        before=public(before), after=public(membership))
    else:
        registry.db["memberships"].insert(row)
        registry.record("join", "membership", f"{member.id}/{membership.network}", network=membership.network,
                        after=public(membership))
    return membership


def join(registry: Registry, ref: str | int, network: str, role: str = "member",
         since: dt.date | None = None, until: dt.date | None = None) -> Membership:
    member = get(registry, ref)
    try:
        membership = Membership(member_id=member.id, network=network, role=role, since=since, until=until)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    return add_membership(registry, member, membership)


def leave(registry: Registry, ref: str | int, network: str) -> Membership:
    member = get(registry, ref)
    row = registry.one("SELECT * FROM memberships WHERE member_id = ? AND network = ?", [member.id, network])
    if row is None:
        networks.get(registry, network)
        raise NotFound(f"member {member.name!r} is not in network {network!r}")
    membership = membership_from_row(row)
    registry.db.execute("DELETE FROM memberships WHERE member_id = ? AND network = ?", [member.id, network])
    registry.record("leave", "membership", f"{member.id}/{network}", network=network, before=public(membership))
    return membership
