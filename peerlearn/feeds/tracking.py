"""What changed since a feeds build, read from the registry: which feeds a rebuild must write again.

A build leaves a stamp with its output (:class:`Stamp`): the last change of
the change log it saw, the window it selected and what shaped every feed
(the block signature — format, plugins' code, networks —, the VTIMEZONE
data, the base URL). The next build with the same shape reads only the
changes recorded since (:func:`affected`) and the activities and sessions
that left or entered the window as time moved, and rebuilds only the feeds
those reach:

- an activity (its fields, its peers and host, its cancelled occurrences, its
  programme, its sessions and their roles) reaches its own feed, its
  network's feed and the feeds of every member it concerns, then or now
  (participants, host, peers, people holding a role on its sessions);
- a participation reaches the member's feed; a membership, the member's;
- a member's name reaches its feed, a rotated token or a deleted member the
  set of member feeds;
- anything else that a feed may show and this module does not know of (a
  network edited in the registry, an entity it has never seen) asks for a
  whole build, which is always right, only slower.

Each write of the registry records its change in the same transaction
(``Registry.record``), so the change log is a complete account of what
moved; rows written around it (by hand, with SQL) are not seen until the
next whole build (``feeds build --full`` or a removed manifest).
"""

from __future__ import annotations

import json
from typing import NamedTuple

from ..registry.store import Registry, chunks
from .events import HIDDEN_ROLE_STATUS
from .selection import MEMBER_STATUSES

#: Entities whose changes never reach a feed.
UNSEEN = frozenset({"output"})


class Stamp(NamedTuple):
    """What a build was made from; two builds with the same ``shape`` differ only by the changes between them."""

    #: what shaped every feed: block signature, VTIMEZONE data, base URL, the folders written
    shape: str
    #: the last change (``changes.id``) the build saw
    change: int
    #: the window's start (UTC text): activities and sessions ending before it were left out
    window: str
    #: when that change was made (``changes.at``; ``""`` for an empty log): a registry whose change ``change``
    #: was made at another moment is another registry (a copy restored and written since, or another file),
    #: and its changes since cannot be traced from the stamp
    change_at: str = ""

    def as_dict(self) -> dict:
        return self._asdict()

    @classmethod
    def from_dict(cls, data: object) -> "Stamp | None":
        """The stamp ``data`` holds; None where it is not one (a stamp of an older format lacks ``change_at``)."""
        try:
            return cls(str(data["shape"]), int(data["change"]), str(data["window"]),  # type: ignore[index]
                       str(data["change_at"]))  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return None

    def traces(self, registry: Registry) -> bool:
        """Whether ``registry``'s change log holds this stamp's last change, as made then: only then do the
        changes after it say all that moved since."""
        if not self.change:
            return not self.change_at
        row = registry.conn.execute("SELECT at FROM changes WHERE id = ?", [self.change]).fetchone()
        return row is not None and row[0] == self.change_at


class Affected:
    """The feeds a rebuild must write again (a plain class: a rebuild's import pays for no attrs class)."""

    __slots__ = ("activities", "members", "networks", "member_set", "index", "everything")

    def __init__(self) -> None:
        self.activities: set[int] = set()
        self.members: set[int] = set()
        self.networks: set[str] = set()
        #: members were added, deleted or given a new token: the set of member feeds moved
        self.member_set = False
        #: an activity came, went, or changed its title or status: the list of public feeds (the index) may move
        self.index = False
        #: something no rule here covers: build everything
        self.everything = False

    def __repr__(self) -> str:
        return "Affected(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"

    def __bool__(self) -> bool:
        return bool(self.activities or self.members or self.networks or self.member_set or self.index
                    or self.everything)


def stamp(registry: Registry, shape: str, window: str) -> Stamp:
    """The stamp of a build of ``shape`` and ``window`` made now: with the change log's last change."""
    # (registry.since.last_change's query: that module's attrs class would cost each rebuild 2 ms to import)
    number, at = registry.conn.execute("SELECT id, at FROM changes ORDER BY id DESC LIMIT 1").fetchone() or (0, "")
    return Stamp(shape, number, window, at)


def _json(text: str | None) -> dict:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def affected(registry: Registry, since: int, old_window: str, new_window: str) -> Affected:
    """The feeds that the changes after ``since``, and the window moving from ``old_window``, reach."""
    found = Affected()
    sessions: set[int] = set()
    rows = registry.conn.execute(
        "SELECT action, entity, entity_id, network, before, after FROM changes WHERE id > ? ORDER BY id", [since])
    for action, entity, entity_id, network, before, after in rows:
        if entity in UNSEEN:
            continue
        snapshots = [_json(before), _json(after)]
        if network and entity in ("activity", "programme", "session", "role"):
            found.networks.add(network)  # the network feed shows the activity, its programme
        if entity in ("activity", "programme"):
            found.activities.add(int(entity_id))
            if action in ("create", "delete") or any(snapshots[0].get(field) != snapshots[1].get(field)
                                                      for field in ("title", "status")):
                found.index = True
            for snapshot in snapshots:
                if snapshot.get("host_member_id"):
                    found.members.add(int(snapshot["host_member_id"]))
                found.members.update(int(member) for member in snapshot.get("peer_member_ids") or ())
            if action == "delete":
                found.members.update(_former_participants(registry, int(entity_id)))
        elif entity == "session":
            for snapshot in snapshots:
                if snapshot.get("activity_id"):
                    found.activities.add(int(snapshot["activity_id"]))
            sessions.add(int(entity_id))
        elif entity == "role":
            for snapshot in snapshots:
                if snapshot.get("session_id"):
                    sessions.add(int(snapshot["session_id"]))
                if snapshot.get("member_id"):
                    found.members.add(int(snapshot["member_id"]))
        elif entity == "participation":
            activity_id, _, member_id = entity_id.partition("/")
            found.members.add(int(member_id))
        elif entity == "membership":
            found.members.add(int(entity_id.partition("/")[0]))
        elif entity == "member":
            found.members.add(int(entity_id))
            if action != "update":
                found.member_set = True
        else:  # a network, or an entity this module does not know
            found.everything = True
    found.activities.update(_activities_of_sessions(registry, sessions))
    found.activities.update(_crossing_window(registry, old_window, new_window))
    found.members.update(concerned_members(registry, found.activities))
    found.networks.update(networks_of(registry, found.activities))
    return found


def networks_of(registry: Registry, activity_ids: set[int]) -> set[str]:
    return {row[0] for row in registry.select_in("SELECT DISTINCT network FROM activities WHERE id IN ({ids})",
                                                 sorted(activity_ids))}


def _activities_of_sessions(registry: Registry, sessions: set[int]) -> set[int]:
    """The activities of these sessions, as they stand.

    A session deleted since is not found here, and need not be: its own
    deletion is among the same changes, and names its activity.
    """
    return {row[0] for row in registry.select_in("SELECT DISTINCT activity_id FROM sessions WHERE id IN ({ids})",
                                                 sorted(sessions))}


def _former_participants(registry: Registry, activity_id: int) -> set[int]:
    """Members who ever took part in a deleted activity (its participations left with it)."""
    return {int(entity_id.partition("/")[2]) for (entity_id,) in registry.conn.execute(
        "SELECT entity_id FROM changes WHERE entity = 'participation' AND entity_id LIKE ?", [f"{activity_id}/%"])}


def _crossing_window(registry: Registry, old: str, new: str) -> set[int]:
    """Activities, and activities of sessions, ending between the two window starts: they left (or came back)."""
    if old == new:
        return set()
    low, high = sorted((old, new))
    found = {row[0] for row in registry.conn.execute(
        "SELECT id FROM activities WHERE end_utc > ? AND end_utc <= ? AND rrule = ''", [low, high])}
    found.update(row[0] for row in registry.conn.execute(
        "SELECT DISTINCT activity_id FROM sessions WHERE end_utc > ? AND end_utc <= ?", [low, high]))
    return found


def concerned_members(registry: Registry, activity_ids: set[int]) -> set[int]:
    """Members whose feed may hold one of these activities or one of its sessions."""
    found: set[int] = set()
    statuses = ", ".join(f"'{status}'" for status in MEMBER_STATUSES)
    for chunk in chunks(sorted(activity_ids)):
        marks = ", ".join("?" * len(chunk))
        found.update(row[0] for row in registry.conn.execute(
            f"SELECT member_id FROM participations WHERE activity_id IN ({marks}) AND status IN ({statuses})"
            f" UNION SELECT host_member_id FROM activities WHERE id IN ({marks}) AND host_member_id IS NOT NULL"
            f" UNION SELECT member_id FROM activity_peers WHERE activity_id IN ({marks})"
            f" UNION SELECT r.member_id FROM roles r JOIN sessions s ON s.id = r.session_id"
            f" WHERE s.activity_id IN ({marks}) AND r.member_id IS NOT NULL AND r.status != ?",
            [*chunk, *chunk, *chunk, *chunk, HIDDEN_ROLE_STATUS]))
    return found
