"""Members and their memberships of networks.

Every function that writes must run inside ``Registry.transaction()``; it
validates first (the models' own checks, then every plugin's rules for each
network concerned), writes, and appends to the change log.
"""

from __future__ import annotations

import datetime as dt
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
    import secrets  # not at import (with it, OpenSSL's hashing): listing members draws no token

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
    import hmac

    given = token.encode("utf-8")
    found = None
    for member_id, stored in registry.conn.execute(
            "SELECT id, feed_token FROM members WHERE feed_token_hash = ?"
            " UNION ALL SELECT id, feed_token FROM members WHERE feed_token_hash IS NULL",
            [feed_token_hash(token)]):
        if hmac.compare_digest(given, (stored or "").encode("utf-8")):
            found = member_id
    return found


def get(registry: Registry, ref: str | int) -> Member:
    """A member by id (``12`` or ``#12``) or by exact name (in any case and Unicode form); a bare number that
    is no member's id may be a name ("2030")."""
    typed = str(ref).strip()
    number = text.number_in(typed)
    if number is not None:
        row = registry.one("SELECT * FROM members WHERE id = ?", [number])
        if row is not None:
            return member_from_row(row)
        if typed.startswith("#"):
            raise NotFound(f"unknown member {typed!r}")
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
    """Members in name order; ``category`` (any case) keeps those with a membership of that category
    (in ``network`` where one is given)."""
    where, params = [], []
    if network:
        networks.get(registry, network)
    if network or category:
        inner = ["member_id = members.id"]
        if network:
            inner.append("network = ?")
            params.append(network)
        if category:
            inner.append("lower(category) = lower(?)")
            params.append(category)
        where.append(f"EXISTS (SELECT 1 FROM memberships WHERE {' AND '.join(inner)})")
    if country:
        where.append("country = ?")
        params.append(country.upper())
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


def add(registry: Registry, member: Member, join: Iterable[tuple[str, str]] = (), *, category: str = "",
        today: dt.date | None = None) -> Member:
    """Add a member, optionally joining networks as ``(slug, role)`` pairs, in ``category`` in each.

    ``today`` is the day a membership without dates is checked on (the
    system's date by default).
    """
    _check_unique(registry, member)
    member = attrs.evolve(member, id=None, feed_token=member.feed_token or new_feed_token())
    row = member_row(member)
    row.pop("id")
    row["created_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    member_id = registry.db["members"].insert(row).last_pk
    member = attrs.evolve(member, id=member_id)
    registry.record("create", "member", member_id, after=public(member))
    for slug, role in join:
        try:
            membership = Membership(member_id=member_id, network=slug, role=role, category=category)
        except ValueError as error:
            raise ValidationError(f"member {member.name!r} in {slug}: {error}") from None
        add_membership(registry, member, membership, today=today)
    return member


def edit(registry: Registry, ref: str | int, *, categories: dict[str, str] | None = None,
         today: dt.date | None = None, **changes: object) -> Member:
    """Change a member's fields, and its category in networks (``categories``: network -> category).

    Every membership is checked again as it will be, with the member's new
    fields and its new categories together. Other facts of a membership
    (role, dates) change with :func:`join`.
    """
    current = get(registry, ref)
    try:
        updated = attrs.evolve(current, **changes)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"member {current.name!r}: {error}") from None
    held = {membership.network: membership for membership in memberships(registry, current.id)}
    after = dict(held)
    for slug, category in (categories or {}).items():
        if slug not in held:
            networks.get(registry, slug)
            raise NotFound(f"member {current.name!r} is not in network {slug!r}; join it first")
        try:
            after[slug] = attrs.evolve(held[slug], category=category)
        except (TypeError, ValueError) as error:
            raise ValidationError(f"member {current.name!r} in {slug}: {error}") from None
    moved = [slug for slug in after if after[slug] != held[slug]]
    if updated == current and not moved:
        return current
    if updated != current:
        _check_unique(registry, updated)
    for slug, membership in after.items():
        if updated != current or slug in moved:
            _validate(registry, updated, membership, today)
    if updated != current:
        registry.db["members"].update(current.id, member_row(updated))
        registry.record("update", "member", current.id, before=public(current), after=public(updated))
    for slug in moved:
        registry.db["memberships"].update((current.id, slug), membership_row(after[slug]))
        registry.record("update", "membership", f"{current.id}/{slug}", network=slug, before=public(held[slug]),
                        after=public(after[slug]))
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
    registry.conn.execute("DELETE FROM members WHERE id = ?", [member.id])
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


def _validate(registry: Registry, member: Member, membership: Membership, today: dt.date | None) -> None:
    """Ask every plugin about ``membership``; the network's countries are those of the membership's dates."""
    network = networks.on_membership_dates(networks.get(registry, membership.network), membership,
                                           today or dt.date.today())
    problems = plugins.validate_member(network=network, member=member, membership=membership)
    enforce(registry, problems, f"member {member.name!r} in {network.slug}")


def membership_of(registry: Registry, member_id: int, network: str) -> Membership | None:
    """The member's membership of ``network``, or None."""
    row = registry.one("SELECT * FROM memberships WHERE member_id = ? AND network = ?", [member_id, network])
    return membership_from_row(row) if row else None


def add_membership(registry: Registry, member: Member, membership: Membership, *,
                   today: dt.date | None = None) -> Membership:
    """Create ``membership``, or change the one the member holds in that network to it."""
    networks.ensure(registry, membership.network)
    before = membership_of(registry, member.id, membership.network)
    if before == membership:
        return membership
    _validate(registry, member, membership, today)
    row = membership_row(membership)
    if before:
        registry.db["memberships"].update((member.id, membership.network), row)
        registry.record("update", "membership", f"{member.id}/{membership.network}", network=membership.network,
                        before=public(before), after=public(membership))
    else:
        registry.db["memberships"].insert(row)
        registry.record("join", "membership", f"{member.id}/{membership.network}", network=membership.network,
                        after=public(membership))
    return membership


#: What :func:`join` leaves as it is where the member already belongs to the network.
KEEP = None


def join(registry: Registry, ref: str | int, network: str, role: str | None = KEEP,
         since: dt.date | None = KEEP, until: dt.date | None = KEEP, *, category: str | None = KEEP,
         today: dt.date | None = None) -> Membership:
    """Make a member join ``network``, or change its membership there.

    A fact left as None keeps its value in an existing membership, or takes
    the default in a new one (role ``member``, no category, no dates).
    """
    member = get(registry, ref)
    networks.get(registry, network)
    current = membership_of(registry, member.id, network)
    given = {name: value for name, value in
             dict(role=role, since=since, until=until, category=category).items() if value is not KEEP}
    try:
        updated = (attrs.evolve(current, **given) if current
                   else Membership(member_id=member.id, network=network, **given))
    except (TypeError, ValueError) as error:
        raise ValidationError(f"member {member.name!r} in {network}: {error}") from None
    return add_membership(registry, member, updated, today=today)


def leave(registry: Registry, ref: str | int, network: str) -> Membership:
    member = get(registry, ref)
    row = registry.one("SELECT * FROM memberships WHERE member_id = ? AND network = ?", [member.id, network])
    if row is None:
        networks.get(registry, network)
        raise NotFound(f"member {member.name!r} is not in network {network!r}")
    membership = membership_from_row(row)
    registry.conn.execute("DELETE FROM memberships WHERE member_id = ? AND network = ?", [member.id, network])
    registry.record("leave", "membership", f"{member.id}/{network}", network=network, before=public(membership))
    return membership
