"""Who spoke at an activity, read from its agenda.

Agendas (``sessions`` and the people on them, ``roles``) are kept by the
agenda feature; this module is the one place the logs read them. A
speaker is anyone on a session as speaker, panellist, chair, moderator or
rapporteur who has a name and has not declined; each person is listed once
per activity, in the order of the programme.
"""

from __future__ import annotations

from typing import Iterable

from ..registry.store import Registry
from ..text import name_key

SPEAKING_ROLES = ("speaker", "panellist", "chair", "moderator", "rapporteur")


def speakers_by_activity(registry: Registry, activity_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The speakers of each of ``activity_ids``, as ``{"name", "affiliation"}`` dicts.

    Activities without speakers are left out. Only names and affiliations
    are read: contact details and notes never leave the agenda.
    """
    ids = list(activity_ids)
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    roles = ", ".join("?" for _ in SPEAKING_ROLES)
    sql = (
        "SELECT s.activity_id, trim(r.name) AS name, trim(r.affiliation) AS affiliation"
        " FROM roles r JOIN sessions s ON s.id = r.session_id"
        f" WHERE s.activity_id IN ({marks}) AND r.role IN ({roles}) AND trim(r.name) != ''"
        " AND r.status != 'declined'"
        " ORDER BY s.activity_id, s.start_utc, s.id, r.position, r.id"
    )
    found: dict[int, list[dict]] = {}
    seen: set[tuple[int, str]] = set()
    for activity_id, name, affiliation in registry.conn.execute(sql, [*ids, *SPEAKING_ROLES]):
        key = (activity_id, name_key(name))
        if key in seen:
            continue
        seen.add(key)
        found.setdefault(activity_id, []).append({"name": name, "affiliation": affiliation})
    return found


def speaker_text(speaker: dict) -> str:
    """``Name (Affiliation)``, or just the name."""
    affiliation = speaker.get("affiliation")
    return f"{speaker['name']} ({affiliation})" if affiliation else speaker["name"]
