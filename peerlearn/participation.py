"""Who takes part in an activity, and what it produced.

Registering beyond an activity's capacity puts the member on the waiting
list instead. Every function that writes runs inside
``Registry.transaction()``.
"""

from __future__ import annotations

import datetime as dt

import attrs

from . import activities, members, networks
from .countries import normalise_country
from .errors import NotFound, ValidationError
from .models import Output, Participation
from .records import output_from_row, output_row, participation_from_row, public
from .store import Registry


def list_participants(registry: Registry, activity_id: int | str) -> list[dict]:
    """Participations of an activity, with each member's name and country."""
    activity = activities.get(registry, activity_id)
    return registry.query(
        "SELECT p.member_id, m.name, m.country, p.status FROM participations p JOIN members m ON m.id = p.member_id"
        " WHERE p.activity_id = ? ORDER BY m.name_key, m.id",
        [activity.id],
    )


def set_status(registry: Registry, activity_id: int | str, member_ref: str | int, status: str) -> Participation:
    """Invite, register, mark attended or declined; a full activity waitlists."""
    activity = activities.get(registry, activity_id)
    member = members.get(registry, member_ref)
    if activity.status == "cancelled" and status != "declined":
        raise ValidationError(f"activity #{activity.id} is cancelled")
    if status == "attended" and activity.start > dt.datetime.now(dt.timezone.utc):
        raise ValidationError(f"activity #{activity.id} has not started yet; attendance comes after")
    existing = registry.one(
        "SELECT * FROM participations WHERE activity_id = ? AND member_id = ?", [activity.id, member.id]
    )
    if status == "registered" and activity.capacity is not None and (existing or {}).get("status") != "registered":
        taken = registry.db.execute(
            "SELECT count(*) FROM participations WHERE activity_id = ? AND status IN ('registered', 'attended')",
            [activity.id],
        ).fetchone()[0]
        if taken >= activity.capacity:
            status = "waitlisted"
    try:
        participation = Participation(activity_id=activity.id, member_id=member.id, status=status)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if existing and existing["status"] == status:
        return participation
    row = {"activity_id": activity.id, "member_id": member.id, "status": status,
           "updated_at": dt.datetime.now(dt.timezone.utc).isoformat()}
    registry.db["participations"].upsert(row, pk=("activity_id", "member_id"))
    registry.record(
        status, "participation", f"{activity.id}/{member.id}", network=activity.network,
        before=public(participation_from_row(existing)) if existing else None, after=public(participation),
    )
    return participation


def add_output(registry: Registry, output: Output) -> Output:
    """Record an output; a good practice says which country it comes from."""
    activity = activities.get(registry, output.activity_id)
    if output.kind == "good_practice" and not output.country:
        raise ValidationError(f"good practice {output.title!r}: give the country it comes from (--country)")
    row = output_row(output)
    row.pop("id")
    output_id = registry.db["outputs"].insert(row).last_pk
    output = attrs.evolve(output, id=output_id)
    registry.record("create", "output", output_id, network=activity.network, after=public(output))
    return output


def list_outputs(registry: Registry, *, activity_id: int | str | None = None, network: str | None = None,
                 kind: str | None = None, country: str | None = None, theme: str | None = None) -> list[Output]:
    """Outputs in date order; ``country`` and ``theme`` (any case) narrow them, e.g. to good practices."""
    where, params = [], []
    if activity_id is not None:
        where.append("o.activity_id = ?")
        params.append(activities.get(registry, activity_id).id)
    if network:
        networks.get(registry, network)
        where.append("a.network = ?")
        params.append(network)
    if kind:
        where.append("o.kind = ?")
        params.append(kind)
    if country:
        try:
            params.append(normalise_country(country))
        except ValueError as error:
            raise ValidationError(f"--country: {error}") from None
        where.append("o.country = ?")
    if theme:
        where.append("EXISTS (SELECT 1 FROM json_each(o.themes) WHERE lower(trim(value)) = lower(trim(?)))")
        params.append(theme)
    sql = ("SELECT o.* FROM outputs o JOIN activities a ON a.id = o.activity_id"
           + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY o.date, o.id")
    return [output_from_row(row) for row in registry.query(sql, params)]


def get_output(registry: Registry, output_id: int) -> Output:
    row = registry.one("SELECT * FROM outputs WHERE id = ?", [output_id])
    if row is None:
        raise NotFound(f"unknown output #{output_id}")
    return output_from_row(row)
