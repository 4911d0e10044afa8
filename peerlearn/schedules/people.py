"""The people of a session, with their part and status, written where every schedule tool keeps them.

The schedule format knows a session's ``persons`` only by name. So that a
chair stays a chair and "to be confirmed" stays said, peerlearn ends each
event's ``description`` with a block that every tool keeps and shows as
text (and reads it back on import)::

    People:
    - Chair: Katarina Ivankovic Knezevic — European Commission, DG EMPL [tbc]
    - Panellist: Thomas Liebig — OECD [tbc]
    - Moderator: to be announced [tbd]

Declined roles are not public and never written. A session without
public people gets no block, unless its description itself ends in lines
shaped like one: then an empty block (``People:`` and ``(nobody)``) follows,
so that reading the file back takes those lines as the description they are.
"""

from __future__ import annotations

import re

from ..models import ROLE_KINDS, ROLE_STATUSES, Role

HEADING = "People:"
TBA = "to be announced"
#: the one line of an empty block
NOBODY = "(nobody)"
_LINE = re.compile(r"^- (?P<role>[A-Za-z]+): (?P<who>.+?)(?: — (?P<affiliation>.+?))? \[(?P<status>[a-z]+)\]$")


def line(role: Role) -> str:
    """One person as the block writes them."""
    text = f"- {role.role.capitalize()}: {role.name or TBA}"
    if role.affiliation:
        text += f" — {role.affiliation}"
    return f"{text} [{role.status}]"


def block(roles: list[Role]) -> str:
    """The block for ``roles`` (public ones: declined roles are left out), or ``""`` for none."""
    lines = [line(role) for role in roles if role.status != "declined"]
    return "\n".join([HEADING, *lines]) if lines else ""


def with_block(text: str, roles: list[Role]) -> str:
    """``text`` followed by the people block (an empty one where ``text`` would otherwise be read as ending in one)."""
    people = block(roles)
    if not people and split(text)[1] is not None:
        people = f"{HEADING}\n{NOBODY}"
    return "\n\n".join(part for part in (text.strip(), people) if part)


def split(text: str) -> tuple[str, list[Role] | None]:
    """``text`` without a trailing people block, and the roles the block names (None when there is none)."""
    text = (text or "").replace("\r\n", "\n").rstrip()
    head, found, tail = text.rpartition(HEADING)
    if not found or (head and not head.endswith("\n")):
        return text, None
    lines = tail.split("\n")
    if lines[0].strip() or len(lines) < 2:
        return text, None
    if [item.strip() for item in lines[1:]] == [NOBODY]:
        return head.rstrip(), []
    roles = []
    for item in lines[1:]:
        match = _LINE.match(item.strip())
        if not match or match["role"].casefold() not in ROLE_KINDS or match["status"] not in ROLE_STATUSES:
            return text, None
        name = "" if match["who"] == TBA and match["status"] == "tbd" else match["who"]
        try:
            roles.append(Role(session_id=0, role=match["role"].casefold(), status=match["status"], name=name,
                              affiliation=match["affiliation"] or ""))
        except ValueError:
            return text, None
    return head.rstrip(), roles
