"""Programme files: an activity's agenda as readable YAML, imported and exported.

The format is documented in ``docs/agenda.md``. Times are wall-clock
``HH:MM`` in the activity's timezone on the activity's ``day`` (1 = its
first day), so one file fits the activity wherever it is scheduled. The
file is read node by node (PyYAML's composer, not its constructor) so
every error names the file and line, a typo'd or repeated key is refused
rather than ignored, and ``09:30`` stays a time instead of YAML 1.1's
sexagesimal number. An import validates the whole file before it writes
anything, then replaces the activity's programme. ``export`` writes the
canonical form: importing an export and exporting again gives the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import attrs
import yaml

from ..errors import NotFound, PeerlearnError, ValidationError
from ..models import ROLE_KINDS, ROLE_STATUSES, SESSION_KINDS, SESSION_STATUSES, Activity, Role, Session
from ..registry import activities, members
from ..registry.store import Registry
from ..text import is_number, shown
from ..text import problem as text_problem
from ..timeutil import localize
from . import role_sync
from .changing import after_change, check_inside, open_for_changes, programme_lines_of, raise_sequence_if_changed
from .reading import roles_of, sessions_of
from .sessions import KEY_PATTERN, delete_session, insert_session, write_session

TOP_KEYS = ("tracks", "sessions")
SESSION_KEYS = ("id", "title", "kind", "status", "day", "start", "end", "track", "room", "description", "roles")
ROLE_KEYS = ("role", "status", "name", "affiliation", "member", "email", "speaking_minutes",
             "prerecorded_minutes", "note")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"


class _Clock(str):
    """A time of day, always written quoted ('09:30') so no YAML reader takes it for a number."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Clock, lambda dumper, value: dumper.represent_scalar(_STR, str(value), style="'"))


class ProgrammeError(ValidationError):
    """A programme file that cannot be imported; the message names file and line."""


@attrs.frozen
class PlannedSession:
    """A session read from a file, with its roles, before anything is written."""

    session: Session
    roles: tuple[Role, ...]
    line: int


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: yaml.Node | None, message: str) -> ProgrammeError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return ProgrammeError(f"{self.source}{line}: {message}")

    def mapping(self, node: yaml.Node, allowed: tuple[str, ...], what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping of keys ({', '.join(allowed)})")
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                raise self.fail(key_node, f"unknown key {key!r} in {what} (allowed: {', '.join(allowed)})")
            if key in found:
                raise self.fail(key_node, f"key {key!r} appears twice in {what}")
            found[key] = (key_node, value_node)
        return found

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return list(node.value)

    def text(self, node: yaml.Node, what: str, required: bool = False, multiline: bool = False) -> str:
        """A scalar's text, held to the text rule (one line, or several for ``multiline``)."""
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be text")
        if node.tag == _NULL:
            if required:
                raise self.fail(node, f"{what} must not be empty")
            return ""
        wrong = text_problem(node.value, multiline=multiline)
        if wrong:
            raise self.fail(node, f"{what} {wrong}")
        return node.value

    def number(self, node: yaml.Node, what: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag == _STR or not is_number(node.value):
            raise self.fail(node, f"{what} must be a whole number; got {_as_typed(node)}")
        return int(node.value)


def _as_typed(node: yaml.Node) -> str:
    """A value as the file gives it, for a message: a scalar's text, quoted; else what it is (not its nodes)."""
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def _field(fields: dict, key: str) -> yaml.Node | None:
    return fields[key][1] if key in fields else None


def parse(registry: Registry, activity: Activity, text: str, source: str = "<programme>") -> list[PlannedSession]:
    """Read and validate a programme for ``activity``; raises ProgrammeError naming file and line."""
    reader = _Reader(source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ProgrammeError(f"{source}{line}: not valid YAML: {error.problem or error.context}") from None
    except yaml.reader.ReaderError as error:
        line = text[:error.position].count("\n") + 1 if isinstance(error.position, int) else None
        raise ProgrammeError(f"{source}{f':{line}' if line else ''}: not valid YAML: character"
                             f" {shown(chr(error.character)) if isinstance(error.character, int) else '?'}"
                             " is not allowed") from None
    except yaml.YAMLError as error:
        raise ProgrammeError(f"{source}: not valid YAML: {error}") from None
    except RecursionError:
        raise ProgrammeError(f"{source}: not a programme: lists or mappings nested too deep to read") from None
    if root is None:
        raise ProgrammeError(f"{source}: the file is empty (expected 'tracks:' and 'sessions:')")
    top = reader.mapping(root, TOP_KEYS, "the programme")
    tracks: dict[str, yaml.Node] = {}
    for node in reader.sequence(_field(top, "tracks") or yaml.ScalarNode(_NULL, ""), "tracks"):
        name = reader.text(node, "a track", required=True).strip()
        if name in tracks:
            raise reader.fail(node, f"track {name!r} is declared twice")
        tracks[name] = node
    if "sessions" not in top:
        raise reader.fail(root, "the programme has no 'sessions:' list")
    planned: list[PlannedSession] = []
    keys: dict[str, int] = {}
    for node in reader.sequence(top["sessions"][1], "sessions"):
        item = _session(registry, reader, activity, node, tracks)
        if item.session.key in keys:
            first = keys[item.session.key]
            raise reader.fail(node, f"duplicate session id {item.session.key!r} (first at line {first})")
        keys[item.session.key] = item.line
        planned.append(item)
    return planned


def _clock(reader: _Reader, node: yaml.Node, day: dt.date, tzname: str, what: str) -> dt.datetime:
    text = reader.text(node, what, required=True).strip()
    match = _CLOCK.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise reader.fail(node, f"{what} {text!r} is not a time of day (expected HH:MM, e.g. '09:30')")
    try:
        return localize(dt.datetime.combine(day, dt.time(int(match.group(1)), int(match.group(2)))), tzname)
    except ValueError as error:
        raise reader.fail(node, f"{what}: {error}") from None


def _session(registry: Registry, reader: _Reader, activity: Activity, node: yaml.Node,
             tracks: dict[str, yaml.Node]) -> PlannedSession:
    fields = reader.mapping(node, SESSION_KEYS, "a session")
    for required in ("id", "title", "start", "end"):
        if required not in fields:
            raise reader.fail(node, f"a session needs {required!r}")
    key = reader.text(fields["id"][1], "id", required=True).strip()
    if not KEY_PATTERN.match(key):
        raise reader.fail(fields["id"][1], f"session id {key!r} must be lower-case letters, digits, - or _")
    kind_node = _field(fields, "kind")
    kind = reader.text(kind_node, "kind").strip() if kind_node is not None else "plenary"
    if kind not in SESSION_KINDS:
        raise reader.fail(kind_node, f"unknown session kind {kind!r} (kinds: {', '.join(SESSION_KINDS)})")
    day_node = _field(fields, "day")
    day_number = reader.number(day_node, "day") if day_node is not None else 1
    first_day = activity.local_start.date()
    last_day = (activity.local_end - dt.timedelta(microseconds=1)).date()
    days = (last_day - first_day).days + 1
    if not day_number or day_number > days:
        raise reader.fail(day_node, f"day {day_number} is not a day of activity #{activity.id} (it has {days})")
    day = first_day + dt.timedelta(days=day_number - 1)
    start = _clock(reader, fields["start"][1], day, activity.timezone, "start")
    end = _clock(reader, fields["end"][1], day, activity.timezone, "end")
    if end <= start:
        raise reader.fail(fields["end"][1], f"session {key!r} ends ({end:%H:%M}) before it starts ({start:%H:%M})")
    status_node = _field(fields, "status")
    status = reader.text(status_node, "status").strip() if status_node is not None else "scheduled"
    if status not in SESSION_STATUSES:
        raise reader.fail(status_node, f"unknown session status {status!r} ({', '.join(SESSION_STATUSES)})")
    track_node = _field(fields, "track")
    track = reader.text(track_node, "track").strip() if track_node is not None else ""
    if track and track not in tracks:
        declared = ", ".join(tracks) or "none declared"
        raise reader.fail(track_node, f"unknown track {track!r} (tracks: {declared}; declare it under 'tracks:')")
    title = reader.text(fields["title"][1], "title", required=True)
    room = reader.text(_field(fields, "room") or yaml.ScalarNode(_NULL, ""), "room")
    description = reader.text(_field(fields, "description") or yaml.ScalarNode(_NULL, ""), "description",
                              multiline=True)
    try:
        session = Session(activity_id=activity.id, key=key, title=title, kind=kind, start=start, end=end,
                          timezone=activity.timezone, track=track, room=room, description=description,
                          status=status)
        check_inside(activity, session)
    except (ValueError, PeerlearnError) as error:
        raise reader.fail(node, f"session {key!r}: {error}") from None
    role_nodes = reader.sequence(_field(fields, "roles") or yaml.ScalarNode(_NULL, ""), "roles")
    roles = tuple(_role(registry, reader, role_node, key) for role_node in role_nodes)
    return PlannedSession(session, roles, node.start_mark.line + 1)


def _role(registry: Registry, reader: _Reader, node: yaml.Node, session_key: str) -> Role:
    fields = reader.mapping(node, ROLE_KEYS, f"a role of session {session_key!r}")
    if "role" not in fields:
        raise reader.fail(node, f"a role of session {session_key!r} needs 'role' ({', '.join(ROLE_KINDS)})")
    values: dict[str, Any] = {}
    for key in ("role", "status", "name", "affiliation", "email", "note"):
        if key in fields:
            values[key] = reader.text(fields[key][1], key, multiline=key == "note").strip()
    for key, (what, choices) in {"role": ("role", ROLE_KINDS), "status": ("status", ROLE_STATUSES)}.items():
        if key in values and values[key] not in choices:
            raise reader.fail(fields[key][1], f"unknown {what} {values[key]!r} ({', '.join(choices)})")
    for key in ("speaking_minutes", "prerecorded_minutes"):
        if key in fields:
            values[key] = reader.number(fields[key][1], key)
    if "member" in fields:
        ref = reader.text(fields["member"][1], "member", required=True)
        try:
            values["member_id"] = members.get(registry, ref).id
        except NotFound as error:
            raise reader.fail(fields["member"][1], str(error)) from None
    try:
        return Role(session_id=0, **values)
    except (TypeError, ValueError) as error:
        raise reader.fail(node, f"role in session {session_key!r}: {error}") from None


def import_programme(registry: Registry, activity_id: int | str, text: str, source: str = "<programme>") -> dict:
    """Replace an activity's programme with the one in ``text``; returns counts.

    A session whose key is already in the programme is updated in place, so
    it keeps its number and its calendar UID: subscribers see it change, not
    vanish and reappear. Its roles are matched person by person: a role whose
    person stays keeps its number and is updated only where the file
    differs (a role's private email is kept when the file leaves it out, as
    exports do). Sessions no longer in the file are removed. The declared
    ``tracks:`` become the activity's order of tracks. Importing a file that
    matches the programme writes nothing and records nothing.
    """
    from . import tracks as track_order

    activity = activities.get(registry, activity_id)
    open_for_changes(activity)
    planned = parse(registry, activity, text, source)
    existing = {session.key: session for session in sessions_of(registry, activity.id)}
    kept = {item.session.key for item in planned} & existing.keys()
    removed = [session for key, session in existing.items() if key not in kept]
    programme_before = programme_lines_of(registry, activity)
    changes_before = len(registry.pending_changes or ())
    for session in removed:
        delete_session(registry, activity, session)
    roles = 0
    for item in planned:
        current = existing.get(item.session.key)
        if current is None:
            session = insert_session(registry, activity, item.session)
        else:
            changes = {field: getattr(item.session, field)
                       for field in ("title", "kind", "start", "end", "track", "room", "description", "status")}
            session = write_session(registry, activity, current, "update", **changes)
        role_sync.sync_roles(registry, activity, session.id, item.roles, merge=_keep_private_email)
        roles += len(item.roles)
    track_order.set_explicit_order(registry, activity, _declared_tracks(text))
    if len(registry.pending_changes or ()) > changes_before:
        registry.record("import", "programme", activity.id, network=activity.network,
                        before={"sessions": len(existing)}, after={"sessions": len(planned), "roles": roles,
                                                                 "source": source})
        after_change(registry, activity)
        raise_sequence_if_changed(registry, activity, programme_before)
    return {"sessions": len(planned), "roles": roles, "replaced": len(removed), "kept": len(kept),
            "changes": len(registry.pending_changes or ()) - changes_before}


def _keep_private_email(current: Role, wanted: Role) -> Role:
    """The file's role, keeping the stored email where the file gives none (exports leave it out)."""
    return wanted if wanted.email else attrs.evolve(wanted, email=current.email)


def _declared_tracks(text: str) -> list[str]:
    """The ``tracks:`` a programme (already parsed without error) declares, in order."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    for key_node, value_node in root.value:
        if key_node.value == "tracks" and isinstance(value_node, yaml.SequenceNode):
            return [node.value.strip() for node in value_node.value]
    return []


def export_programme(registry: Registry, activity_id: int | str, *, include_private: bool = False) -> str:
    """The activity's programme as a programme file (canonical form)."""
    activity = activities.get(registry, activity_id)
    sessions = sessions_of(registry, activity.id)
    roles: dict[int, list[Role]] = {}
    for role in roles_of(registry, activity.id):
        roles.setdefault(role.session_id, []).append(role)
    member_names = {row["id"]: row["name"] for row in registry.query(
        "SELECT DISTINCT m.id, m.name FROM members m JOIN roles r ON r.member_id = m.id"
        " JOIN sessions s ON s.id = r.session_id WHERE s.activity_id = ?", [activity.id])}
    from . import tracks as track_order

    tracks = [track for track in track_order.ordered({session.track for session in sessions},
                                                     track_order.explicit_order(registry, activity.id)) if track]
    first_day = activity.local_start.date()
    items = []
    for session in sessions:
        item: dict[str, Any] = {"id": session.key, "title": session.title, "kind": session.kind}
        if session.status != "scheduled":
            item["status"] = session.status
        day = (session.local_start.date() - first_day).days + 1
        if day != 1:
            item["day"] = day
        item["start"] = _Clock(f"{session.local_start:%H:%M}")
        item["end"] = _Clock(f"{session.local_end:%H:%M}")
        for key in ("track", "room", "description"):
            if getattr(session, key):
                item[key] = getattr(session, key)
        if session.id in roles:
            item["roles"] = [_role_data(role, member_names, include_private) for role in roles[session.id]]
        items.append(item)
    data: dict[str, Any] = {}
    if tracks:
        data["tracks"] = tracks
    data["sessions"] = items
    header = (f"# Programme of {activity.title}\n"
              f"# Times are HH:MM in {activity.timezone}; format: docs/agenda.md (peerlearn agenda import).\n")
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                              default_flow_style=False)


def _role_data(role: Role, member_names: dict[int, str], include_private: bool) -> dict:
    data: dict[str, Any] = {"role": role.role, "status": role.status}
    if role.name:
        data["name"] = role.name
    if role.affiliation:
        data["affiliation"] = role.affiliation
    if role.member_id is not None:
        data["member"] = member_names.get(role.member_id, str(role.member_id))
    if role.email and include_private:
        data["email"] = role.email
    for key in ("speaking_minutes", "prerecorded_minutes"):
        if getattr(role, key) is not None:
            data[key] = getattr(role, key)
    if role.note:
        data["note"] = role.note
    return data
