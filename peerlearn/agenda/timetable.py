"""The timetable of an activity: its sessions in blocks, parallel tracks side by side.

Sessions that overlap (directly or through one another) form a block; a
block whose sessions sit in more than one track is drawn as columns, one
per track, so parallel workshops stand side by side in the terminal. The
same structure is what ``agenda show --json`` prints. A cancelled session
keeps its place: labelled ``CANCELLED`` and its title struck through (with
U+0336, which survives pipes and files, unlike a terminal's colours).
"""

from __future__ import annotations

import datetime as dt
import textwrap
import unicodedata
from typing import Any, Sequence

import attrs

from ..models import Activity, Role, Session
from .tracks import ordered

MIN_COLUMN = 14
#: COMBINING LONG STROKE OVERLAY: drawn through the character it follows.
STRIKE = "\u0336"


@attrs.frozen
class Block:
    """Sessions that overlap one another; ``tracks`` in timetable order."""

    sessions: tuple[Session, ...]
    tracks: tuple[str, ...]

    @property
    def parallel(self) -> bool:
        return len(self.tracks) > 1


def blocks(sessions: list[Session], track_order: Sequence[str] = ()) -> list[Block]:
    """Group sessions (any order) into blocks of overlapping ones, in time order.

    A block's tracks follow :func:`peerlearn.agenda.tracks.ordered`: the explicit
    ``track_order``, then by name, never the order the sessions start in.
    """
    order = {track: index for index, track in enumerate(ordered({s.track for s in sessions}, track_order))}
    found: list[list[Session]] = []
    block_end = None
    for session in sorted(sessions, key=lambda s: (s.start, order[s.track], s.id or 0)):
        if block_end is None or session.start >= block_end or \
                session.local_start.date() != found[-1][0].local_start.date():
            found.append([])
            block_end = session.end
        found[-1].append(session)
        block_end = max(block_end, session.end)
    return [Block(tuple(group), tuple(sorted({s.track for s in group}, key=order.__getitem__))) for group in found]


def programme_lines(activity: Activity, sessions: list[Session]) -> list[str]:
    """The programme as an activity's calendar event describes it: one line per session, in time order.

    ``11:45-13:00 Workshop 1: Skills (Room A)``, or for a cancelled session
    ``11:45-13:00 CANCELLED: Workshop 2: Housing (Room B)``; each line starts
    with its date when the programme spans several days. Only what a
    participant plans by is here (time, title, room, status), so these lines
    change exactly when the activity's SEQUENCE must rise for its programme.
    """
    in_order = sorted(sessions, key=lambda s: (s.start, s.track, s.id or 0))
    return lines_of([(f"{s.local_start:%Y-%m-%dT%H:%M}", f"{s.local_end:%Y-%m-%dT%H:%M}", s.title, s.room, s.status)
                     for s in in_order])


def lines_of(rows: list[tuple[str, str, str, str, str]]) -> list[str]:
    """:func:`programme_lines` from ``(start_local, end_local, title, room, status)`` rows in time order.

    Times are stored wall times (``YYYY-MM-DDTHH:MM…``), so the feeds format
    thousands of programmes without building a model per session.
    """
    several_days = len({row[0][:10] for row in rows}) > 1
    lines = []
    for start, end, title, room, status in rows:
        when = f"{start[11:16]}-{end[11:16]}"
        if several_days or end[:10] != start[:10]:
            when = f"{start[:10]} {when}"
        mark = "CANCELLED: " if status == "cancelled" else ""
        lines.append(f"{when} {mark}{title}" + (f" ({room})" if room else ""))
    return lines


def programme_text(tzname: str, lines: list[str]) -> str:
    """Programme ``lines`` under a heading naming their timezone, or ``""`` for none."""
    return f"Programme ({tzname} time):\n" + "\n".join(lines) if lines else ""


def _role_line(role: Role) -> str:
    text = f"{role.role}: {role.who}"
    if role.affiliation:
        text += f", {role.affiliation}"
    if role.name or role.status != "tbd":
        text += f" [{role.status}]"
    if role.speaking_minutes is not None:
        text += f" {role.speaking_minutes} min"
    if role.prerecorded_minutes:
        text += f" +{role.prerecorded_minutes} rec"
    return text


def struck(text: str) -> str:
    """``text`` struck through, character by character (spaces included, so the line is unbroken)."""
    return "".join(character + STRIKE for character in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, then padded to it."""
    kept, used = [], 0
    for character in text:
        if not unicodedata.combining(character):
            if used == width:
                break
            used += 1
        kept.append(character)
    return "".join(kept) + " " * (width - used)


def _cell(session: Session, roles: list[Role], width: int) -> list[str]:
    cancelled = session.status == "cancelled"
    lines = [f"{session.local_start:%H:%M}-{session.local_end:%H:%M} {session.kind}"
             + (f" @ {session.room}" if session.room else "")]
    title = textwrap.wrap(session.title, width) or [""]
    lines += ["CANCELLED", *(struck(line) for line in title)] if cancelled else title
    for role in roles:
        lines += textwrap.wrap(_role_line(role), width, initial_indent="- ", subsequent_indent="  ")
    return [_fit(line, width).rstrip() for line in lines]


def render(activity: Activity, sessions: list[Session], roles: list[Role], width: int = 100,
           track_order: Sequence[str] = ()) -> str:
    """The timetable as text ``width`` characters wide, tracks in ``track_order`` then by name."""
    by_session: dict[int | None, list[Role]] = {}
    for role in roles:
        by_session.setdefault(role.session_id, []).append(role)
    out = [activity.title, f"{_when(activity)} ({activity.timezone})" + (f", {activity.city}" if activity.city else "")]
    if activity.status == "cancelled":
        out.append("CANCELLED (programme kept for the record)")
    if not sessions:
        out.append("No sessions yet.")
        return "\n".join(out) + "\n"
    day, previous = None, [width - 4]
    for block in blocks(sessions, track_order):
        block_day = block.sessions[0].local_start.date()
        if block_day != day:
            if day is not None:
                out.append(_rule(previous))
            out += ["", f"{block_day:%A %d %B %Y}"]
            day = block_day
        columns = len(block.tracks)
        inner = max(MIN_COLUMN, (width - 4 - 3 * (columns - 1)) // columns)
        previous = [inner] * columns
        out.append(_rule(previous))
        if block.parallel:
            cells = []
            for track in block.tracks:
                stacked = [f"Track {track}" if track else "Main track"]
                for session in (s for s in block.sessions if s.track == track):
                    stacked += _cell(session, by_session.get(session.id, []), inner)
                cells.append(stacked)
        else:
            cells = [[line for session in block.sessions
                      for line in [*_cell(session, by_session.get(session.id, []), inner), ""]][:-1]]
        for index in range(max(len(cell) for cell in cells)):
            parts = [_fit(cell[index] if index < len(cell) else "", inner) for cell in cells]
            out.append("| " + " | ".join(parts) + " |")
    out.append(_rule(previous))
    return "\n".join(out) + "\n"


def _when(activity: Activity) -> str:
    start, end = activity.local_start, activity.local_end
    if activity.all_day:
        last = (end - dt.timedelta(days=1)).date()
        return f"{start:%A %d %B %Y}" + (f" to {last:%A %d %B %Y}" if last != start.date() else "")
    if start.date() == end.date():
        return f"{start:%A %d %B %Y %H:%M}-{end:%H:%M}"
    return f"{start:%A %d %B %Y %H:%M} to {end:%A %d %B %Y %H:%M}"


def _rule(widths: list[int]) -> str:
    return "+" + "+".join("-" * (w + 2) for w in widths) + "+"


def as_data(activity: Activity, sessions: list[Session], roles: list[Role],
            track_order: Sequence[str] = ()) -> dict[str, Any]:
    """The timetable as plain data: blocks of sessions, each with its roles (private fields dropped)."""
    from ..registry.records import plain, public

    by_session: dict[int | None, list[dict]] = {}
    for role in roles:
        by_session.setdefault(role.session_id, []).append(public(role))
    return {
        "activity": {key: value for key, value in plain(activity).items()
                     if key in ("id", "title", "network", "status", "start", "end", "timezone", "city")},
        "blocks": [
            {
                "start": min(s.start for s in block.sessions).isoformat(),
                "end": max(s.end for s in block.sessions).isoformat(),
                "parallel": block.parallel,
                "tracks": list(block.tracks),
                "sessions": [{**plain(s), "roles": by_session.get(s.id, [])} for s in block.sessions],
            }
            for block in blocks(sessions, track_order)
        ],
    }
