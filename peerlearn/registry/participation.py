"""Who takes part in an activity, and what it produced.

Registering beyond an activity's capacity, or beyond its per-country quota
(``Activity.country_quota``: so many delegates per country), puts the
member on the waiting list instead, with a warning saying why; when a
registered member declines, or the activity's capacity or country quota is
raised, the waitlisted members who fit the places freed move up, first
waitlisted first, and a warning names each. Members are invited one by one
or a whole network (or one category of it: the category of their
membership of that network) at once.
Every function that writes runs inside ``Registry.transaction()``.
"""

from __future__ import annotations

import datetime as dt

import attrs

from ..countries import normalise_country
from ..errors import NotFound, ValidationError
from ..models import Output, Participation
from . import activities, networks
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


def set_status(registry: Registry, activity_id: int | str, member_ref: str | int, status: str, *,
               now: dt.datetime | None = None, allow_early: bool = False) -> Participation:
    """Invite, register, mark attended or declined; a full activity waitlists; attendance is final.

    Attendance comes once the activity has started (by ``now``, the system's
    time by default); ``allow_early`` records it before, with a warning, to
    rehearse the steps after an event.
    """
    activity = activities.get(registry, activity_id)
    from . import members  # (its models load only where a member is looked up)

    member = members.get(registry, member_ref)
    if activity.status == "cancelled" and status != "declined":
        raise ValidationError(f"activity #{activity.id} is cancelled")
    if status == "attended" and activity.start > (now or dt.datetime.now(dt.timezone.utc)):
        if not allow_early:
            raise ValidationError(f"activity #{activity.id} has not started yet; attendance comes after"
                                  " (or is recorded early, to rehearse)")
        registry.warnings.append(f"activity #{activity.id} has not started yet ({activities.when(activity)});"
                                 f" {member.name!r} is marked as attended early")
    existing = registry.one(
        "SELECT * FROM participations WHERE activity_id = ? AND member_id = ?", [activity.id, member.id]
    )
    if existing and existing["status"] == "attended" and status != "attended":
        raise ValidationError(f"{member.name!r} attended activity #{activity.id}; attendance is final and cannot"
                              f" become {status}")
    if status == "registered" and (existing or {}).get("status") not in ("registered", "attended"):
        status = _place_or_wait(registry, activity, member)
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
    if existing and existing["status"] == "registered" and status in ("declined", "invited", "waitlisted"):
        _promote(registry, activity)
    return participation


def _no_room(registry: Registry, activity, member) -> str | None:
    """Why ``member`` cannot have a place (capacity, then the country quota), or None where it can."""
    taken_sql = "SELECT count(*) FROM participations WHERE activity_id = ? AND status IN ('registered', 'attended')"
    if activity.capacity is not None:
        taken = registry.conn.execute(taken_sql, [activity.id]).fetchone()[0]
        if taken >= activity.capacity:
            return f"activity #{activity.id} is full ({activity.capacity} places)"
    if activity.country_quota is not None:
        taken = registry.conn.execute(
            taken_sql.replace("FROM participations", "FROM participations JOIN members m ON m.id = member_id")
            + " AND m.country = ?", [activity.id, member.country]).fetchone()[0]
        if taken >= activity.country_quota:
            return (f"activity #{activity.id} admits {activity.country_quota} per country"
                    f" and {member.country} has {taken}")
    return None


def _place_or_wait(registry: Registry, activity, member) -> str:
    """``registered`` where the activity has room (overall and for the member's country), else ``waitlisted``."""
    reason = _no_room(registry, activity, member)
    if reason:
        registry.warnings.append(f"{reason}; {member.name!r} is waitlisted")
        return "waitlisted"
    return "registered"


def _promote(registry: Registry, activity) -> None:
    """Give a freed place to the first waitlisted member who fits it."""
    promote(registry, activity, places=1)


def promote(registry: Registry, activity, places: int | None = None) -> list[str]:
    """Move waitlisted members up while they fit, first waitlisted first; returns their names.

    Each waitlisted member in the order they were waitlisted gets a place
    where the activity's capacity and country quota leave one for them
    (one who does not fit is passed over for the next), at most ``places``.
    A cancelled or completed activity moves no one. Each move is a change
    (so notices are queued) and a warning naming the member.
    """
    if activity.status in ("cancelled", "completed"):
        return []
    from . import members  # (its models load only where a member is looked up)

    moved: list[str] = []
    for row in registry.query("SELECT member_id FROM participations WHERE activity_id = ? AND status = 'waitlisted'"
                              " ORDER BY updated_at, member_id", [activity.id]):
        if places is not None and len(moved) >= places:
            break
        member = members.get(registry, row["member_id"])
        if _no_room(registry, activity, member) is None:
            set_status(registry, activity.id, member.id, "registered")
            registry.warnings.append(f"{member.name!r} moves up from the waiting list of activity #{activity.id}")
            moved.append(member.name)
    return moved


def invite_group(registry: Registry, activity_id: int | str, *, network: str | None = None,
                 category: str | None = None, today: dt.date | None = None) -> list[Participation]:
    """Invite every current member of a network (the activity's by default), or of one category of it.

    Members who already have a participation in the activity are left as they are.
    """
    from . import networks

    activity = activities.get(registry, activity_id)
    slug = networks.get(registry, network or activity.network).slug
    today = today or dt.date.today()
    sql = ("SELECT m.id, ms.category FROM memberships ms JOIN members m ON m.id = ms.member_id"
           " WHERE ms.network = ? AND (ms.until IS NULL OR ms.until >= ?)"
           " AND m.id NOT IN (SELECT member_id FROM participations WHERE activity_id = ?)")
    params: list = [slug, today.isoformat(), activity.id]
    rows = registry.query(sql + " ORDER BY m.name_key, m.id", params)
    if category:
        known = {row["category"].casefold() for row in registry.query(
            "SELECT DISTINCT category FROM memberships WHERE network = ?", [slug])}
        if category.casefold() not in known:
            raise NotFound(f"network {slug!r} has no members in category {category!r}")
        rows = [row for row in rows if row["category"].casefold() == category.casefold()]
    return [set_status(registry, activity.id, row["id"], "invited") for row in rows]


def counts_by_country(registry: Registry, activity_id: int | str) -> list[dict]:
    """For each country, how many of its members are invited, registered, waitlisted, attended, declined."""
    from ..models import PARTICIPATION_STATUSES

    activity = activities.get(registry, activity_id)
    rows = registry.query(
        "SELECT m.country, p.status, count(*) AS n FROM participations p JOIN members m ON m.id = p.member_id"
        " WHERE p.activity_id = ? GROUP BY m.country, p.status ORDER BY m.country", [activity.id])
    table: dict[str, dict] = {}
    for row in rows:
        entry = table.setdefault(row["country"], {"country": row["country"],
                                                  **{status: 0 for status in PARTICIPATION_STATUSES}})
        entry[row["status"]] = row["n"]
    for entry in table.values():
        entry["total"] = sum(entry[status] for status in PARTICIPATION_STATUSES)
        entry["over_quota"] = bool(activity.country_quota) and \
            entry["registered"] + entry["attended"] > activity.country_quota
    return list(table.values())


def add_output(registry: Registry, output: Output) -> Output:
    """Record an output; a good practice says which country it comes from."""
    activity = activities.get(registry, output.activity_id)
    if output.kind == "good_practice" and not output.country:
        raise ValidationError(f"good practice {output.title!r}: give the country it comes from", field="country")
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
            raise ValidationError(str(error), field="country") from None
        where.append("o.country = ?")
    if theme:
        where.append("EXISTS (SELECT 1 FROM json_each(o.themes) WHERE lower(trim(value)) = lower(trim(?)))")
        params.append(theme)
    sql = ("SELECT o.* FROM outputs o JOIN activities a ON a.id = o.activity_id"
           + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY o.date, o.id")
    return [output_from_row(row) for row in registry.query(sql, params)]


