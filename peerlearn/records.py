"""Conversion between models and registry rows, and to plain data for JSON.

One place knows how each model is stored, so the domain modules and the CLI
never spell a column twice.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs

from .models import Activity, Change, Member, Membership, Network, Output, Participation, Role, Session
from .timeutil import from_local_text, to_local_text, to_utc_text

#: Fields never written to the change log, a public feed or a log.
PRIVATE_FIELDS = frozenset({"email", "feed_token"})


def plain(value: Any) -> Any:
    """Turn models, datetimes and tuples into JSON-ready values."""
    if attrs.has(type(value)):
        return {field.name: plain(getattr(value, field.name)) for field in attrs.fields(type(value))}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def public(value: Any) -> dict:
    """``plain(value)`` without private fields (for the change log and exports)."""
    data = plain(value)
    for name in PRIVATE_FIELDS & data.keys():
        if name == "email" and data[name]:
            data[name] = "(private)"
        else:
            data.pop(name)
    return data


def _list(text: str | None) -> list:
    return json.loads(text) if text else []


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# -- networks -------------------------------------------------------------


def network_row(network: Network) -> dict:
    return {
        "slug": network.slug,
        "name": network.name,
        "acronym": network.acronym,
        "description": network.description,
        "url": network.url,
        "timezone": network.timezone,
        "categories": json.dumps(list(network.categories)),
        "countries": json.dumps(list(network.countries)),
        "kinds": json.dumps(list(network.kinds)),
        "eligibility": network.eligibility,
        "plugin": network.plugin,
    }


def network_from_row(row: dict) -> Network:
    return Network(
        slug=row["slug"],
        name=row["name"],
        acronym=row["acronym"],
        description=row["description"],
        url=row["url"],
        timezone=row["timezone"],
        categories=_list(row["categories"]),
        countries=_list(row["countries"]),
        kinds=_list(row["kinds"]),
        eligibility=row["eligibility"],
        plugin=row["plugin"],
    )


# -- members --------------------------------------------------------------


def member_row(member: Member) -> dict:
    return {
        "id": member.id,
        "name": member.name,
        "name_key": member.name.casefold(),
        "country": member.country,
        "category": member.category,
        "email": member.email,
        "type": member.type,
        "feed_token": member.feed_token,
    }


def member_from_row(row: dict) -> Member:
    return Member(
        id=row["id"],
        name=row["name"],
        country=row["country"],
        category=row["category"],
        email=row["email"],
        type=row["type"],
        feed_token=row["feed_token"],
    )


def membership_row(membership: Membership) -> dict:
    return {
        "member_id": membership.member_id,
        "network": membership.network,
        "role": membership.role,
        "since": membership.since.isoformat() if membership.since else None,
        "until": membership.until.isoformat() if membership.until else None,
    }


def membership_from_row(row: dict) -> Membership:
    return Membership(
        member_id=row["member_id"],
        network=row["network"],
        role=row["role"],
        since=_date(row["since"]),
        until=_date(row["until"]),
    )


# -- activities -----------------------------------------------------------


def activity_row(activity: Activity) -> dict:
    return {
        "id": activity.id,
        "uid": activity.uid,
        "network": activity.network,
        "kind": activity.kind,
        "title": activity.title,
        "description": activity.description,
        "status": activity.status,
        "start_utc": to_utc_text(activity.start),
        "end_utc": to_utc_text(activity.end),
        "start_local": to_local_text(activity.start, activity.timezone),
        "end_local": to_local_text(activity.end, activity.timezone),
        "timezone": activity.timezone,
        "all_day": int(activity.all_day),
        "venue": activity.venue,
        "city": activity.city,
        "country": activity.country,
        "online_url": activity.online_url,
        "host_member_id": activity.host_member_id,
        "themes": json.dumps(list(activity.themes)),
        "capacity": activity.capacity,
        "country_quota": activity.country_quota,
        "rrule": activity.rrule,
        "sequence": activity.sequence,
    }


def activity_from_row(row: dict, peers: tuple[int, ...] = ()) -> Activity:
    return Activity(
        id=row["id"],
        uid=row["uid"],
        network=row["network"],
        kind=row["kind"],
        title=row["title"],
        description=row["description"],
        status=row["status"],
        start=from_local_text(row["start_local"], row["timezone"]),
        end=from_local_text(row["end_local"], row["timezone"]),
        timezone=row["timezone"],
        all_day=bool(row["all_day"]),
        venue=row["venue"],
        city=row["city"],
        country=row["country"],
        online_url=row["online_url"],
        host_member_id=row["host_member_id"],
        peer_member_ids=peers,
        themes=_list(row["themes"]),
        capacity=row["capacity"],
        country_quota=row["country_quota"],
        rrule=row["rrule"],
        sequence=row["sequence"],
    )


# -- participation and outputs --------------------------------------------


def participation_from_row(row: dict) -> Participation:
    return Participation(activity_id=row["activity_id"], member_id=row["member_id"], status=row["status"])


def output_row(output: Output) -> dict:
    return {
        "id": output.id,
        "activity_id": output.activity_id,
        "kind": output.kind,
        "title": output.title,
        "url": output.url,
        "date": output.date.isoformat() if output.date else None,
        "country": output.country,
        "themes": json.dumps(list(output.themes)),
        "description": output.description,
    }


def output_from_row(row: dict) -> Output:
    return Output(
        id=row["id"],
        activity_id=row["activity_id"],
        kind=row["kind"],
        title=row["title"],
        url=row["url"],
        date=_date(row["date"]),
        country=row["country"],
        themes=_list(row["themes"]),
        description=row["description"],
    )


# -- agenda: sessions and roles -------------------------------------------


def session_row(session: Session) -> dict:
    return {
        "id": session.id,
        "activity_id": session.activity_id,
        "key": session.key,
        "title": session.title,
        "kind": session.kind,
        "description": session.description,
        "start_utc": to_utc_text(session.start),
        "end_utc": to_utc_text(session.end),
        "start_local": to_local_text(session.start, session.timezone),
        "end_local": to_local_text(session.end, session.timezone),
        "timezone": session.timezone,
        "track": session.track,
        "room": session.room,
    }


def session_from_row(row: dict) -> Session:
    return Session(
        id=row["id"],
        activity_id=row["activity_id"],
        key=row["key"],
        title=row["title"],
        kind=row["kind"],
        description=row["description"],
        start=from_local_text(row["start_local"], row["timezone"]),
        end=from_local_text(row["end_local"], row["timezone"]),
        timezone=row["timezone"],
        track=row["track"],
        room=row["room"],
    )


def role_row(role: Role) -> dict:
    return {
        "id": role.id,
        "session_id": role.session_id,
        "role": role.role,
        "status": role.status,
        "name": role.name,
        "person_key": role.person_key,
        "affiliation": role.affiliation,
        "email": role.email,
        "member_id": role.member_id,
        "speaking_minutes": role.speaking_minutes,
        "prerecorded_minutes": role.prerecorded_minutes,
        "note": role.note,
    }


def role_from_row(row: dict) -> Role:
    return Role(
        id=row["id"],
        session_id=row["session_id"],
        role=row["role"],
        status=row["status"],
        name=row["name"],
        affiliation=row["affiliation"],
        email=row["email"],
        member_id=row["member_id"],
        speaking_minutes=row["speaking_minutes"],
        prerecorded_minutes=row["prerecorded_minutes"],
        note=row["note"],
    )


def change_from_row(row: dict) -> Change:
    return Change(
        id=row["id"],
        at=dt.datetime.fromisoformat(row["at"].replace("Z", "+00:00")),
        actor=row["actor"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        network=row["network"],
        before=json.loads(row["before"]) if row["before"] else None,
        after=json.loads(row["after"]) if row["after"] else None,
    )
