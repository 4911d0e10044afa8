"""Members in and out of CSV files.

Import is all or nothing: every row is validated (the model, duplicates in
the file and in the registry, every plugin's rules for the row's network)
before one bulk insert, so a malformed 500th row imports nothing and the
error names its line: the physical line of the file where the bad record
starts, whatever a quoted cell spanning lines did before it. Every column
is one line of text, so a record that runs over several lines (a quote
never closed) is refused where it starts. Columns: ``name`` and ``country``
(required), ``category``, ``email``, ``type``, ``network``, ``role``. A
member may appear on several rows with different networks.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import IO, Iterator

from . import networks
from .. import plugins
from ..errors import PeerlearnError, ValidationError
from .members import new_feed_token
from .records import feed_token_hash
from ..models import MEMBERSHIP_ROLES, Member, Membership
from .store import Registry, to_utc_text_precise
from ..text import escape_controls, name_key
from .validation import enforce

_json_text = json.JSONEncoder(ensure_ascii=False).encode

COLUMNS = ("name", "country", "category", "email", "type", "network", "role")
REQUIRED = ("name", "country")


def _records(path: Path, reader) -> Iterator[tuple[int, list[str]]]:
    """Yield (physical line where the record starts, its cells); blank lines are skipped."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise ValidationError(f"{path} line {start}: a quote opened on this line is never closed") from None
            raise ValidationError(f"{path} line {start}: {error}") from None
        if reader.line_num > start:
            raise ValidationError(f"{path} line {start}: a quoted cell runs on to line {reader.line_num}, but every"
                                  " column is one line (is a closing quote missing?)")
        if cells:
            yield start, cells


def _rows(path: Path) -> Iterator[tuple[int, tuple[str, ...]]]:
    """Yield (line number, cells in ``COLUMNS`` order, "" where absent)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ValidationError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        reader = csv.reader(handle, strict=True)
        records = _records(path, reader)
        try:
            header_line, header = next(records, (1, None))
            if not header:
                raise ValidationError(f"{path}: the file is empty (expected a header row: {', '.join(COLUMNS)})")
            header = [name.strip() for name in header]
            unknown = [name for name in header if name not in COLUMNS]
            missing = [name for name in REQUIRED if name not in header]
            if unknown or missing:
                parts = []
                if unknown:
                    parts.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
                if missing:
                    parts.append(f"missing column(s) {', '.join(missing)}")
                raise ValidationError(f"{path} line {header_line}: {'; '.join(parts)} (columns: {', '.join(COLUMNS)})")
            width = len(header)
            positions = [header.index(name) if name in header else None for name in COLUMNS]
            for line, cells in records:
                if len(cells) != width:
                    more_or_fewer = "more" if len(cells) > width else "fewer"
                    raise ValidationError(f"{path} line {line}: {more_or_fewer} cells than the header has columns")
                yield line, tuple("" if at is None else cells[at].strip(" ") for at in positions)
        except UnicodeDecodeError as error:
            raise ValidationError(
                f"{path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start});"
                " save it as UTF-8 and try again"
            ) from None


def _at(path: Path, line: int, error: PeerlearnError) -> PeerlearnError:
    """``error`` (of the same class) with the file and line in front of its message."""
    located = type(error).__new__(type(error))
    located.__dict__.update(error.__dict__)
    located.args = (f"{path} line {line}: {error}",)
    return located


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
    validate = plugins.validate_member
    for line, (name, country, category, email, member_type, slug, role) in _rows(path):
        try:
            member = Member(name=name, country=country, category=category, email=email,
                            type=member_type or "organisation", id=next_id, feed_token=new_feed_token())
        except (TypeError, ValueError) as error:
            raise ValidationError(f"{path} line {line}: {error}") from None
        key = (name_key(member.name), member.country)
        if key in taken:
            raise ValidationError(f"{path} line {line}: member {member.name!r} ({member.country})"
                                  f" already exists as #{taken[key]}")
        slug = slug or default_network
        role = role or "member"
        if key in seen:
            first, joined = seen[key]
            if _details(first) != _details(member) or not slug or slug in joined:
                raise ValidationError(f"{path} line {line}: member {member.name!r} ({member.country})"
                                      " appears twice in the file")
            member = first
        else:
            next_id += 1
            seen[key] = (member, set())
            members.append((member.id, member.name, key[0], member.country, member.category, member.email,
                            member.type, member.feed_token, feed_token_hash(member.feed_token), created))
            changes.append((at, actor, "create", "member", str(member.id), None, None, _change_json(member)))
        if not slug:
            continue
        if role not in MEMBERSHIP_ROLES:
            raise ValidationError(f"{path} line {line}: role must be one of {', '.join(MEMBERSHIP_ROLES)};"
                                  f" got {role!r}")
        try:
            if slug not in network_cache:
                network_cache[slug] = networks.ensure(registry, slug)
            problems = validate(network=network_cache[slug], member=member,
                                membership=Membership(member_id=member.id, network=slug, role=role))
            if problems:
                enforce(registry, problems, f"member {member.name!r} in {slug}")
        except PeerlearnError as error:
            raise _at(path, line, error) from error
        seen[key][1].add(slug)
        links.append((member.id, slug, role))
        changes.append((at, actor, "join", "membership", f"{member.id}/{slug}", slug, None,
                        _membership_json(member.id, slug, role)))
    conn = registry.db.conn
    conn.executemany(
        "INSERT INTO members (id, name, name_key, country, category, email, type, feed_token, feed_token_hash,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        members,
    )
    conn.executemany("INSERT INTO memberships (member_id, network, role) VALUES (?, ?, ?)", links)
    registry.record_many(changes)
    return len(members)


def _details(member: Member) -> tuple:
    return (member.name, member.country, member.category, member.email, member.type)


def _change_json(member: Member) -> str:
    """What ``json.dumps(records.public(member))`` gives, built faster: imports create many."""
    text = _json_text
    return (f'{{"category": {text(member.category)}, "country": {text(member.country)}, '
            f'"email": {text("(private)" if member.email else "")}, "id": {member.id}, '
            f'"name": {text(member.name)}, "type": {text(member.type)}}}')


def _membership_json(member_id: int, network: str, role: str) -> str:
    """What ``json.dumps(records.public(membership))`` gives for a new membership."""
    return (f'{{"member_id": {member_id}, "network": {_json_text(network)}, "role": {_json_text(role)}, '
            f'"since": null, "until": null}}')


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
        writer.writerow([_safe_cell(escape_controls(row.get(column) or "")) for column in columns])
        count += 1
    return count


def _safe_cell(value: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula (control characters are already escaped)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
