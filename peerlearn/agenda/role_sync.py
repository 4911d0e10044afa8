"""Bringing a session's roles in line with an imported list while keeping each role whose person stays.

Imports (a programme YAML, a schedule file) describe a session's people
afresh; replacing the roles would give everyone new numbers and fill the
change log with deletions and creations. Instead each wanted role takes the
current role of the same person, which keeps its number and is updated only
where it differs.
"""

from __future__ import annotations

from typing import Callable, Sequence

import attrs

from ..models import Activity, Role
from ..registry.store import Registry
from .reading import roles_of
from .roles import delete_role, insert_role, write_role


def same_person(current: Role, wanted: Role) -> bool:
    """Whether ``wanted`` is ``current``'s part: the same kind of role, held by the same person (or by no one yet)."""
    if current.role != wanted.role:
        return False
    if current.member_id is not None and current.member_id == wanted.member_id:
        return True
    return current.person_key == wanted.person_key


@attrs.frozen
class RoleSync:
    """What :func:`sync_roles` did to a session's roles."""

    added: tuple[Role, ...] = ()
    changed: tuple[tuple[Role, Role], ...] = ()
    removed: tuple[Role, ...] = ()


def sync_roles(registry: Registry, activity: Activity, session_id: int, wanted: Sequence[Role], *,
               match: Callable[[Role, Role], bool] = same_person,
               merge: Callable[[Role, Role], Role] = lambda current, wanted: wanted,
               keep: Callable[[Role], bool] = lambda role: False,
               current: Sequence[Role] | None = None) -> RoleSync:
    r"""Make a session's roles ``wanted`` (in that order) while keeping each role whose person stays.

    Each wanted role takes the first current role it ``match``\ es: that role
    keeps its number and becomes ``merge(current, wanted)`` (recorded only if
    it changed). Wanted roles that match none are added; current roles that
    no wanted role took are removed, unless ``keep`` says otherwise. No
    checks run (for imports, which check the whole programme once). An
    import that read the roles already passes the session's ``current`` ones.
    """
    unmatched = list(current) if current is not None else roles_of(registry, activity.id, session_id)
    added, changed = [], []
    for position, role in enumerate(wanted, start=1):
        current = next((candidate for candidate in unmatched if match(candidate, role)), None)
        if current is None:
            added.append(insert_role(registry, activity, attrs.evolve(role, session_id=session_id), position))
            continue
        unmatched.remove(current)
        updated = write_role(registry, activity, current, merge(current, role), position=position)
        if updated != current:
            changed.append((current, updated))
    removed = [role for role in unmatched if not keep(role)]
    for role in removed:
        delete_role(registry, activity, role)
    return RoleSync(tuple(added), tuple(changed), tuple(removed))
