"""Members in and out of CSV files.

Import is all or nothing: every row is validated (the model, duplicates in
the file and in the registry, every plugin's rules for the row's network)
before anything is written, so a malformed 500th row imports nothing and
the error names its line: the physical line of the file where the bad
record starts, whatever a quoted cell spanning lines did before it. Every
column is one line of text, so a record that runs over several lines (a
quote never closed) is refused where it starts.

Columns: ``name`` and ``country`` (required); ``email`` and ``type`` (the
member's); ``network``, ``category``, ``role``, ``since`` and ``until`` (its
membership of that network); ``id`` (the member's number in this registry,
as the export writes it). A member may appear on several rows, one per
network: the rows are one member with several memberships.

A row that names a member the registry holds (by ``id``, or by name and
country) is refused, unless the import is told what to do with it:
``existing="update"`` changes the member and its membership of the row's
network with the cells the row gives (a blank cell leaves its field as it
is), ``existing="skip"`` leaves the member as it is. A row whose id names
one member and whose name and country another is refused, naming both.
Without either, the ids of a file are not read: every row is a new member
(a file exported from another registry imports whole).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import IO, Callable, Iterator

import attrs

from .. import plugins
from ..errors import Conflict, PeerlearnError, ValidationError
from ..models import MEMBERSHIP_ROLES, Change, Member, Membership
from ..text import escape_controls, name_key, number_in
from ..timeutil import parse_date
from . import networks
from .members import new_feed_token
from .records import member_from_row, member_row, membership_from_row, membership_row, public, public_json
from .store import Registry, change_row, to_utc_text_precise
from .validation import enforce


COLUMNS = ("id", "name", "country", "category", "email", "type", "network", "role", "since", "until")
REQUIRED = ("name", "country")
#: What an import does with a row naming a member the registry already holds.
EXISTING = ("refuse", "update", "skip")
#: Rows between two calls of ``progress``.
PROGRESS_STEP = 500


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
            repeated = [name for name in COLUMNS if header.count(name) > 1]
            if unknown or missing or repeated:
                parts = []
                if unknown:
                    parts.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
                if missing:
                    parts.append(f"missing column(s) {', '.join(missing)}")
                for name in repeated:  # which of its cells would be read is anyone's guess: refused, not chosen
                    times = header.count(name)
                    parts.append(f"column {name!r} appears {'twice' if times == 2 else f'{times} times'}")
                raise ValidationError(f"{path} line {header_line}: {'; '.join(parts)} (columns: {', '.join(COLUMNS)})")
            width = len(header)
            positions = [header.index(name) if name in header else None for name in COLUMNS]
            for line, cells in records:
                if len(cells) != width:
                    more_or_fewer = "more" if len(cells) > width else "fewer"
                    raise ValidationError(f"{path} line {line}: {more_or_fewer} cells than the header has columns")
                yield line, tuple("" if at is None else _read_cell(cells[at].strip(" ")) for at in positions)
        except UnicodeDecodeError as error:
            raise ValidationError(
                f"{path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start});"
                " save it as UTF-8 and try again"
            ) from None


def _count_lines(path: Path) -> int:
    """The file's lines (each record is one line), counted quickly for progress; 0 where it cannot be read."""
    try:
        with path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) + 1
    except OSError:
        return 0


def _at(path: Path, line: int, error: PeerlearnError) -> PeerlearnError:
    """``error`` (of the same class) with the file and line in front of its message."""
    located = type(error).__new__(type(error))
    located.__dict__.update(error.__dict__)
    located.args = (f"{path} line {line}: {error}",)
    return located


@attrs.frozen
class ImportResult:
    """What an import did: members added, updated, found unchanged, and skipped."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


@attrs.frozen
class _Row:
    line: int
    member: Member
    #: the member's fields the row gives (a blank cell gives none)
    given: dict
    slug: str
    #: the membership's facts the row gives (category, role, since, until)
    facts: dict


def _parse(path: Path, line: int, cells: tuple[str, ...], default_network: str | None,
           new_id: int) -> tuple[int | None, _Row]:
    """A row read: the id it gives (or None), and its member, numbered ``new_id`` should it be a new one."""
    ref, name, country, category, email, member_type, slug, role, since, until = cells
    number = None
    if ref:
        number = number_in(ref)
        if number is None:
            raise ValidationError(f"{path} line {line}: id must be a member's number; got {ref!r}")
    try:
        member = Member(name=name, country=country, email=email, type=member_type or "organisation", id=new_id,
                        feed_token=new_feed_token())
    except (TypeError, ValueError) as error:
        raise ValidationError(f"{path} line {line}: {error}") from None
    if role and role not in MEMBERSHIP_ROLES:
        raise ValidationError(f"{path} line {line}: role must be one of {', '.join(MEMBERSHIP_ROLES)}; got {role!r}")
    facts: dict = {}
    for column, text in (("since", since), ("until", until)):
        if text:
            try:
                facts[column] = parse_date(text)
            except ValueError as error:
                raise ValidationError(f"{path} line {line}: {column}: {error}") from None
    if category:
        facts["category"] = category
    if role:
        facts["role"] = role
    slug = slug or default_network or ""
    if facts and not slug:
        named = [column for column in ("category", "role", "since", "until") if column in facts]
        verb = "belongs" if len(named) == 1 else "belong"
        raise ValidationError(f"{path} line {line}: {' and '.join(named)} {verb} to a membership of a network:"
                              " give the row a network (or the import a default one)")
    given = {"name": member.name, "country": member.country}
    if email:
        given["email"] = member.email
    if member_type:
        given["type"] = member.type
    return number, _Row(line, member, given, slug, facts)


def import_members(registry: Registry, path: Path, default_network: str | None = None, *,
                   existing: str = "refuse", today: dt.date | None = None,
                   progress: Callable[[int, int | None], None] | None = None) -> ImportResult:
    """Import the members of a CSV file (inside a transaction), all or nothing.

    ``existing`` says what to do with a row naming a member the registry
    holds: ``refuse`` it (the whole file, with :class:`Conflict`), ``update``
    the member, or ``skip`` it (see the module's docstring). ``today`` is the day a
    membership without dates is checked on (the system's date by default).
    ``progress(done, total)``, where given, is called as the file's lines are
    read, then checked (``total`` is twice the lines).
    """
    if existing not in EXISTING:
        raise ValueError(f"existing must be one of {', '.join(EXISTING)}")
    path = Path(path)
    today = today or dt.date.today()
    taken = {(row[0], row[1]): row[2] for row in registry.conn.execute("SELECT name_key, country, id FROM members")}
    matching = existing != "refuse"
    ids = {row[0] for row in registry.conn.execute("SELECT id FROM members")} if matching else set()
    network_cache: dict[str, object] = {}
    if default_network:
        network_cache[default_network] = networks.ensure(registry, default_network)

    def network(line: int, slug: str):
        if slug not in network_cache:
            try:
                network_cache[slug] = networks.ensure(registry, slug)
            except PeerlearnError as error:
                raise _at(path, line, error) from error
        return network_cache[slug]

    # Read and group every row first: rows naming one member are one member with several memberships.
    next_id = (registry.conn.execute("SELECT max(id) FROM members").fetchone()[0] or 0) + 1
    sequence = registry.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'members'").fetchone()
    next_id = max(next_id, (sequence[0] if sequence else 0) + 1)
    groups: dict[tuple, list[_Row]] = {}
    claimed: dict[tuple[str, str], tuple[tuple, int]] = {}  # a name and country -> whose, first line
    lines = _count_lines(path) if progress else 0
    for line, cells in _rows(path):
        if progress and not line % PROGRESS_STEP:
            progress(line, 2 * lines)
        number, row = _parse(path, line, cells, default_network, next_id)
        key = (name_key(row.member.name), row.member.country)
        by_key = taken.get(key)
        by_id = number if matching and number in ids else None
        if by_id is not None and by_key is not None and by_id != by_key:
            first, second = _name(registry, by_id), _name(registry, by_key)
            raise ValidationError(f"{path} line {line}: the row matches two members, {first} by its id and"
                                  f" {second} by its name and country; say which in the file")
        target = by_id if by_id is not None else by_key
        if target is not None and not matching:
            raise Conflict(f"{path} line {line}: member {row.member.name!r} ({row.member.country}) already"
                           f" exists as #{target}")
        group = ("member", target) if target is not None else ("new", *key)
        owner = claimed.setdefault(key, (group, line))
        if owner[0] != group:
            raise ValidationError(f"{path} line {line}: member {row.member.name!r} ({row.member.country}) is"
                                  f" another member on line {owner[1]}")
        rows = groups.setdefault(group, [])
        if not rows and group[0] == "new":
            next_id += 1  # the number its member got in _parse is kept
        if rows:
            _same_member(path, rows[0], row)
            if not row.slug or row.slug in {earlier.slug for earlier in rows}:
                where = f"in {row.slug} " if row.slug else ""
                raise ValidationError(f"{path} line {line}: member {row.member.name!r} ({row.member.country}) is"
                                      f" {where}on line {rows[0].line if not row.slug else _line_of(rows, row.slug)}"
                                      " already")
        rows.append(row)

    members: list[tuple] = []
    links: list[tuple] = []
    member_updates: list[tuple] = []
    membership_updates: list[tuple] = []
    changes: list[tuple] = []
    now = dt.datetime.now(dt.timezone.utc)
    at = to_utc_text_precise(now)
    created = now.isoformat()
    actor = registry.actor
    validate = plugins.validate_member
    counts = {"added": 0, "updated": 0, "unchanged": 0, "skipped": 0}

    dated: dict[tuple, object] = {}  # the network as a membership's dates show it, by network and dates

    def check(row: _Row, member: Member, membership: Membership) -> None:
        try:
            span = (membership.network, membership.since, membership.until)
            if span not in dated:
                dated[span] = networks.on_membership_dates(network(row.line, membership.network), membership, today)
            problems = validate(network=dated[span], member=member, membership=membership)
            if problems:
                enforce(registry, problems, f"member {member.name!r} in {membership.network}")
        except PeerlearnError as error:
            raise _at(path, row.line, error) from error

    def change(action: str, entity: str, entity_id: str, net: str | None, before, after) -> None:
        changes.append(change_row(Change(at=now, actor=actor, action=action, entity=entity, entity_id=entity_id,
                                         network=net, before=before, after=after)))

    for done, (group, rows) in enumerate(groups.items()):
        if progress and not done % PROGRESS_STEP:
            progress(lines + lines * done // len(groups), 2 * lines)
        first = rows[0]
        if group[0] == "new":
            member = first.member
            members.append({**member_row(member), "created_at": created})
            changes.append((at, actor, "create", "member", str(member.id), None, None, public_json(member)))
            for row in rows:
                if not row.slug:
                    continue
                network(row.line, row.slug)
                membership = _membership(path, row, member.id)
                check(row, member, membership)
                links.append(membership_row(membership))
                changes.append((at, actor, "join", "membership", f"{member.id}/{row.slug}", row.slug, None,
                                public_json(membership)))
            counts["added"] += 1
            continue
        member_id = group[1]
        if existing == "skip":
            counts["skipped"] += 1
            continue
        current = member_from_row(registry.one("SELECT * FROM members WHERE id = ?", [member_id]))
        try:
            member = attrs.evolve(current, **first.given)
        except (TypeError, ValueError) as error:
            raise ValidationError(f"{path} line {first.line}: {error}") from None
        changed = member != current
        held = {ms.network: ms for ms in map(membership_from_row, registry.query(
            "SELECT * FROM memberships WHERE member_id = ? ORDER BY network", [member_id]))}
        if changed:
            key = (name_key(member.name), member.country)
            if taken.get(key, member_id) != member_id:
                raise ValidationError(f"{path} line {first.line}: member {member.name!r} ({member.country}) already"
                                      f" exists as #{taken[key]}")
            member_updates.append(member_row(member))
            change("update", "member", str(member_id), None, public(current), public(member))
        named = {row.slug: row for row in rows if row.slug}
        for slug, ms in held.items():
            if changed and slug not in named:  # the member's other memberships, checked again as by an edit
                check(first, member, ms)
        memberships_changed = False
        for slug, row in named.items():
            network(row.line, slug)
            before = held.get(slug)
            after = _membership(path, row, member_id, before)
            if after == before and not changed:
                continue
            check(row, member, after)
            if after == before:
                continue
            memberships_changed = True
            membership_updates.append((before is not None, after))
            change("update" if before else "join", "membership", f"{member_id}/{slug}", slug,
                   public(before) if before else None, public(after))
        counts["updated" if changed or memberships_changed else "unchanged"] += 1

    _update(registry, "members", ("id",), member_updates)
    _insert(registry, "members", members)
    _insert(registry, "memberships", links + [membership_row(ms) for is_update, ms in membership_updates
                                              if not is_update])
    _update(registry, "memberships", ("member_id", "network"),
            [membership_row(ms) for is_update, ms in membership_updates if is_update])
    registry.record_many(changes)
    if progress:
        progress(2 * lines, 2 * lines)
    return ImportResult(**counts)


def _name(registry: Registry, member_id: int) -> str:
    row = registry.one("SELECT name, country FROM members WHERE id = ?", [member_id])
    return f"#{member_id} {row['name']!r} ({row['country']})"


def _line_of(rows: list[_Row], slug: str) -> int:
    return next(row.line for row in rows if row.slug == slug)


def _membership(path: Path, row: _Row, member_id: int, before: Membership | None = None) -> Membership:
    """The membership a row describes: ``before`` with the facts the row gives, or a new one."""
    try:
        if before:
            return attrs.evolve(before, **row.facts)
        return Membership(member_id=member_id, network=row.slug, **row.facts)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"{path} line {row.line}: {error}") from None


def _same_member(path: Path, first: _Row, row: _Row) -> None:
    """Refuse a row that names the member of an earlier row with other details (name's spelling, email, type)."""
    differ = [field for field in ("name", "email", "type")
              if getattr(first.member, field) != getattr(row.member, field)]
    if differ:
        raise ValidationError(f"{path} line {row.line}: member {row.member.name!r} ({row.member.country}) is on line"
                              f" {first.line} with another {' and '.join(differ)}; give each of its rows the same"
                              " details")


def _insert(registry: Registry, table: str, rows: list[dict]) -> None:
    """Insert rows as :mod:`records` maps them (all with the same columns) in one statement."""
    if rows:
        columns = list(rows[0])
        registry.conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(row.values()) for row in rows])


def _update(registry: Registry, table: str, keys: tuple[str, ...], rows: list[dict]) -> None:
    """Write rows as :mod:`records` maps them over the stored rows with the same ``keys``."""
    if rows:
        columns = [column for column in rows[0] if column not in keys]
        registry.conn.executemany(
            f"UPDATE {table} SET {', '.join(f'{column} = ?' for column in columns)}"
            f" WHERE {' AND '.join(f'{key} = ?' for key in keys)}",
            [tuple(row[column] for column in (*columns, *keys)) for row in rows])


def export_members(registry: Registry, out: IO[str], network: str | None = None, include_email: bool = False) -> int:
    """Write members as CSV (one row per membership, with its category, role and dates); email only when asked.

    The ``id`` column is the member's number in this registry: an import
    with update finds the member by it, so a renamed member is renamed.
    """
    columns = [c for c in COLUMNS if include_email or c != "email"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    sql = (
        "SELECT m.*, s.network, s.role, s.category, s.since, s.until FROM members m"
        " LEFT JOIN memberships s ON s.member_id = m.id"
        + (" WHERE s.network = ?" if network else "")
        + " ORDER BY m.name_key, m.id, s.network"
    )
    if network:
        networks.get(registry, network)
    count = 0
    for row in registry.rows(sql, [network] if network else []):
        writer.writerow([_safe_cell(escape_controls("" if row.get(column) is None else str(row[column])))
                         for column in columns])
        count += 1
    return count


#: A cell a spreadsheet would run as a formula (its first character after any quotes): written behind one more
#: ``'`` by :func:`_safe_cell`, which :func:`_read_cell` takes off again.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def _safe_cell(value: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula (control characters are already escaped).

    A cell starting with quotes and then such a character gets one more
    quote too, so that reading the file back (:func:`_read_cell`) gives
    every value as it was: ``=SUM(A1)`` is written ``'=SUM(A1)``, and a name
    that really is ``'=SUM(A1)`` is written ``''=SUM(A1)``.
    """
    return "'" + value if _FORMULA.match(value) else value


def _read_cell(value: str) -> str:
    """A cell as :func:`_safe_cell` had it before: one ``'`` taken off a neutralised formula."""
    return value[1:] if value[:1] == "'" and _FORMULA.match(value, 1) else value
