"""Conversion between models and registry rows, and to plain data for JSON.

One place knows how each model is stored, so the domain modules and the CLI
never spell a column twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from json.encoder import encode_basestring  # the C function json.dumps uses for text when ensure_ascii=False
from typing import TYPE_CHECKING, Any

import attrs

from .. import text
from .. import models
from ..errors import RegistryError
from ..timeutil import from_local_text, to_local_text, to_utc_text

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity, Change, Member, Membership, Network, Output, Participation, Role, Session

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


def change_json(data: dict | None) -> str | None:
    """The change log's text of a ``before`` or ``after`` value: JSON, keys sorted, non-ASCII kept."""
    return None if data is None else json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode


@functools.cache
def _public_fields(model: type) -> tuple[tuple[str, str], ...]:
    """Each field's name and its ``"name": `` prefix, in the change log's (sorted) order."""
    return tuple((field.name, f"{encode_basestring(field.name)}: ")
                 for field in sorted(attrs.fields(model), key=lambda field: field.name))


def _json_value(item: Any) -> str:
    """``item`` as :func:`change_json` writes it after :func:`plain`."""
    kind = type(item)
    if kind is str:
        return encode_basestring(item)
    if item is None:
        return "null"
    if kind is bool:
        return "true" if item else "false"
    if kind is int:
        return int.__repr__(item)
    if kind is dt.date or kind is dt.datetime:
        return encode_basestring(item.isoformat())
    return _encode(plain(item))


def public_json(value: Any) -> str:
    """``change_json(public(value))`` for a model, built from its fields directly.

    Bulk imports record a change per member and per membership; this skips
    the intermediate dictionaries (several times faster) and gives the same
    text, as a test checks for every model.
    """
    parts = []
    for name, prefix in _public_fields(type(value)):
        item = getattr(value, name)
        if name in PRIVATE_FIELDS:
            if name != "email" or not item:
                continue
            item = "(private)"
        parts.append(prefix + _json_value(item))
    return "{" + ", ".join(parts) + "}"


def _list(text: str | None) -> list:
    return json.loads(text) if text else []


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _fields(value: Any, *leave_out: str) -> dict:
    """A model's fields by name, as they are (no conversion), less ``leave_out``."""
    return {field.name: getattr(value, field.name) for field in attrs.fields(type(value))
            if field.name not in leave_out}


def _build(model: type, row: dict, **converted: Any) -> Any:
    """A model from the row's columns of the same names, and ``converted`` values.

    Text stored before the text rule loads as it was (see :func:`peerlearn.text.loading_rows`).
    """
    values = {field.name: row[field.name] for field in attrs.fields(model) if field.name in row}
    with text.loading_rows():
        return model(**{**values, **converted})


def _span_columns(value: Activity | Session) -> dict:
    """A span's times as stored: UTC for queries, wall time in its zone for round trips."""
    return {
        "start_utc": to_utc_text(value.start),
        "end_utc": to_utc_text(value.end),
        "start_local": to_local_text(value.start, value.timezone),
        "end_local": to_local_text(value.end, value.timezone),
    }


def _span(row: dict) -> dict:
    """The start and end of a stored activity or session; a time written around peerlearn that it cannot read
    is refused naming the row (``peerlearn check`` lists every such row)."""
    try:
        return {"start": from_local_text(row["start_local"], row["timezone"]),
                "end": from_local_text(row["end_local"], row["timezone"])}
    except (TypeError, ValueError) as error:
        what = "session" if "activity_id" in row.keys() else "activity"
        raise RegistryError(f"{what} #{row['id']} holds a time peerlearn cannot read ({error}); `peerlearn check`"
                            " lists such rows") from None


# -- networks -------------------------------------------------------------

_NETWORK_LISTS = ("categories", "countries", "kinds")


def network_row(network: Network) -> dict:
    return {**_fields(network), **{name: json.dumps(list(getattr(network, name))) for name in _NETWORK_LISTS}}


def network_from_row(row: dict) -> Network:
    return _build(models.Network, row, **{name: _list(row[name]) for name in _NETWORK_LISTS})


# -- members --------------------------------------------------------------


def feed_token_hash(token: str | None) -> str | None:
    """The SHA-256 (hex) of a member's feed token, kept beside it so a feed is found by an index.

    A request is looked up by the hash of the token it carries, so the time the
    lookup takes depends only on that hash, never on how much of a real token
    the request guessed; the token itself is then compared in constant time.
    """
    import hashlib

    return hashlib.sha256(token.encode("utf-8")).hexdigest() if token is not None else None


def member_row(member: Member) -> dict:
    return {**_fields(member), "name_key": text.name_key(member.name),
            "feed_token_hash": feed_token_hash(member.feed_token)}


def member_from_row(row: dict) -> Member:
    return _build(models.Member, row)


def membership_row(membership: Membership) -> dict:
    return {**_fields(membership), "since": _iso(membership.since), "until": _iso(membership.until)}


def membership_from_row(row: dict) -> Membership:
    return _build(models.Membership, row, since=_date(row["since"]), until=_date(row["until"]))


# -- activities -----------------------------------------------------------


def activity_row(activity: Activity) -> dict:
    return {
        **_fields(activity, "start", "end", "peer_member_ids"),
        **_span_columns(activity),
        "all_day": int(activity.all_day),
        "themes": json.dumps(list(activity.themes)),
    }


def activity_from_row(row: dict, peers: tuple[int, ...] = ()) -> Activity:
    return _build(models.Activity, row, **_span(row), all_day=bool(row["all_day"]), themes=_list(row["themes"]),
                  peer_member_ids=peers)


# -- participation and outputs --------------------------------------------


def participation_from_row(row: dict) -> Participation:
    return _build(models.Participation, row)


def output_row(output: Output) -> dict:
    return {**_fields(output), "date": _iso(output.date), "themes": json.dumps(list(output.themes))}


def output_from_row(row: dict) -> Output:
    return _build(models.Output, row, date=_date(row["date"]), themes=_list(row["themes"]))


# -- agenda: sessions and roles -------------------------------------------


def session_row(session: Session) -> dict:
    return {**_fields(session, "start", "end"), **_span_columns(session)}


def session_from_row(row: dict) -> Session:
    return _build(models.Session, row, **_span(row))


def role_row(role: Role) -> dict:
    return {**_fields(role), "person_key": role.person_key}


def role_from_row(row: dict) -> Role:
    return _build(models.Role, row)


def change_from_row(row: dict) -> Change:
    return _build(
        models.Change, row,
        at=dt.datetime.fromisoformat(row["at"].replace("Z", "+00:00")),
        before=json.loads(row["before"]) if row["before"] else None,
        after=json.loads(row["after"]) if row["after"] else None,
    )
