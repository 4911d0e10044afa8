"""Members in and out of CSV files.

Import is all or nothing: every row is validated (the model, duplicates in
the file and in the registry, every plugin's rules for the row's network)
before one bulk insert, so a malformed 500th row imports nothing and the
error names its line. Columns: ``name`` and ``country`` (required),
``category``, ``email``, ``type``, ``network``, ``role``. A member may appear
on several rows with different networks.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import IO, Iterator

import attrs

from . import networks, plugins
from .errors import ValidationError
from .members import new_feed_token
from .models import MEMBERSHIP_ROLES, Member, Membership
from .records import public
from .store import Registry, to_utc_text_precise
from .validation import enforce

COLUMNS = ("name", "country", "category", "email", "type", "network", "role")
REQUIRED = ("name", "country")


def _rows(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ValidationError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames
            if not header:
                raise ValidationError(f"{path}: the file is empty (expected a header row: {', '.join(COLUMNS)})")
            unknown = [name for name in header if name not in COLUMNS]
            missing = [name for name in REQUIRED if name not in header]
            if unknown or missing:
                parts = []
                if unknown:
                    parts.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
                if missing:
                    parts.append(f"missing column(s) {', '.join(missing)}")
                raise ValidationError(f"{path} line 1: {'; '.join(parts)} (columns: {', '.join(COLUMNS)})")
            for row in reader:
                if None in row:
                    raise ValidationError(f"{path} line {reader.line_num}: more cells than the header has columns")
                if any(value is None for value in row.values()):
                    raise ValidationError(f"{path} line {reader.line_num}: fewer cells than the header has columns")
                yield reader.line_num, row
        except UnicodeDecodeError as error:
            raise ValidationError(
                f"{path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start});"
                " save it as UTF-8 and try again"
            ) from None
        except csv.Error as error:
            raise ValidationError(f"{path} line {reader.line_num}: {error}") from None


def import_members(registry: Registry, path: Path, default_network: str | None = None) -> int:
    """Import the members of a CSV file (inside a transaction); returns how many."""
    path = Path(path)
    taken = {(row[0], row[1]): row[2] for row in registry.db.execute("SELECT name_key, country, id FROM members")}
    next_id = (registry.db.execute("SELECT max(id) FROM members").fetchone()[0] or 0) + 1
    network_cache: dict[str, object] = {}
    if default_network:
        network_cache[default_network] = networks.ensure(registry, default_network)
    seen: dict[tuple[str, str], tuple[Member, set[str]]] = {}
    members: list[tuple] = []
    links: list[tuple] = []
    changes: list[tuple] = []
    now = dt.datetime.now(dt.timezone.utc)
    at = to_utc_text_precise(now)
    created = now.isoformat()
    actor = registry.actor
    for line, row in _rows(path):
        where = f"{path} line {line}"
        try:
            member = Member(
                name=row["name"] or "",
                country=row["country"] or "",
                category=(row.get("category") or "").strip(),
                email=(row.get("email") or "").strip(),
                type=(row.get("type") or "").strip() or "organisation",
            )
        except (TypeError, ValueError) as error:
            raise ValidationError(f"{where}: {error}") from None
        key = (member.name.casefold(), member.country)
        if key in taken:
            raise ValidationError(f"{where}: member {member.name!r} ({member.country}) already exists as #{taken[key]}")
        slug = (row.get("network") or "").strip() or default_network
        role = (row.get("role") or "").strip() or "member"
        if key in seen:
            first, joined = seen[key]
            if attrs.evolve(first, id=None, feed_token=None) != member or not slug or slug in joined:
                raise ValidationError(f"{where}: member {member.name!r} ({member.country}) appears twice in the file")
            member = first
        else:
            member = Member(name=member.name, country=member.country, category=member.category, email=member.email,
                            type=member.type, id=next_id, feed_token=new_feed_token())
            next_id += 1
            seen[key] = (member, set())
            members.append((member.id, member.name, key[0], member.country, member.category, member.email,
                            member.type, member.feed_token, created))
            changes.append((at, actor, "create", "member", str(member.id), None, None,
                            json.dumps(public(member), sort_keys=True, ensure_ascii=False)))
        if slug:
            if role not in MEMBERSHIP_ROLES:
                raise ValidationError(f"{where}: role must be one of {', '.join(MEMBERSHIP_ROLES)}; got {role!r}")
            if slug not in network_cache:
                try:
                    network_cache[slug] = networks.ensure(registry, slug)
                except Exception as error:
                    raise type(error)(f"{where}: {error}") from None
            membership = Membership(member_id=member.id, network=slug, role=role)
            problems = plugins.validate_member(network=network_cache[slug], member=member, membership=membership)
            try:
                enforce(registry, problems, f"member {member.name!r} in {slug}")
            except ValidationError as error:
                raise ValidationError(f"{where}: {error}") from None
            seen[key][1].add(slug)
            links.append((member.id, slug, role))
            changes.append((at, actor, "join", "membership", f"{member.id}/{slug}", slug, None,
                            json.dumps({"member_id": member.id, "network": slug, "role": role,
                                        "since": None, "until": None}, sort_keys=True)))
    conn = registry.db.conn
    conn.executemany(
        "INSERT INTO members (id, name, name_key, country, category, email, type, feed_token, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        members,
    )
    conn.executemany("INSERT INTO memberships (member_id, network, role) VALUES (?, ?, ?)", links)
    registry.record_many(changes)
    return len(members)


def export_members(registry: Registry, out: IO[str], network: str | None = None, include_email: bool = False) -> int:
    """Write members as CSV (one row per membership); email only when asked."""
    columns = [c for c in COLUMNS if include_email or c != "email"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    sql = (
        "SELECT m.*, s.network, s.role FROM members m LEFT JOIN memberships s ON s.member_id = m.id"
        + (" WHERE s.network = ?" if network else "")
        + " ORDER BY m.name_key, m.id, s.network"
    )
    if network:
        networks.get(registry, network)
    count = 0
    for row in registry.db.query(sql, [network] if network else []):
        writer.writerow([_safe_cell(row.get(column) or "") for column in columns])
        count += 1
    return count


def _safe_cell(value: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
