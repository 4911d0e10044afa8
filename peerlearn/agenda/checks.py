"""Checking programmes: every check, peerlearn's own and the plugins', through ``peerlearn_agenda_checks``.

peerlearn's own checks (:mod:`peerlearn.agenda.clashes`) are a default
plugin on the hook like any other. One activity is checked by asking every
plugin about it; the whole registry (``agenda check --all``) by asking the
plugins that take a ``scope`` once, each sweeping every programme in a few
queries, and the others once per activity with sessions. Each problem
becomes a :class:`~peerlearn.agenda.clashes.Finding`; a plugin's plain
``Problem`` is coded ``plugin:<its name>``.
"""

from __future__ import annotations

from typing import Iterator

from .. import plugins
from ..models import Activity, Problem
from ..registry import activities, networks
from ..registry.store import Registry
from .clashes import Finding
from .reading import roles_of, sessions_of, taking_place


def _finding(plugin: str, problem: Problem, activity: Activity | None) -> Finding:
    if isinstance(problem, Finding):
        return problem
    return Finding(problem.message, problem.severity, code=f"plugin:{plugin}",
                   activity_ids=(activity.id,) if activity is not None else ())


def check_activity(registry: Registry, activity: Activity, *, unscoped_only: bool = False) -> list[Finding]:
    """Every check of one activity's programme (with ``unscoped_only``, only the plugins that take no scope).

    A read: the network is read, never stored.
    """
    network = networks.get(registry, activity.network)
    sessions = taking_place(sessions_of(registry, activity.id))
    kept = {session.id for session in sessions}
    roles = [role for role in roles_of(registry, activity.id) if role.session_id in kept]
    return [_finding(plugin, problem, activity)
            for plugin, problem in plugins.agenda_checks(network, activity, sessions, roles, registry,
                                                         unscoped_only=unscoped_only)]


def check_registry(registry: Registry) -> Iterator[Finding]:
    """Every check of every programme: one sweep per plugin that takes a scope, then the others per activity.

    Findings come one at a time, as the checks produce them (print them as
    they come: a whole registry's need never be held at once).
    """
    for plugin, problem in plugins.agenda_sweep(registry):
        yield _finding(plugin, problem, None)
    if plugins.unscoped_agenda_checks():
        ids = [row[0] for row in registry.conn.execute(
            "SELECT DISTINCT s.activity_id FROM sessions s JOIN activities a ON a.id = s.activity_id"
            " WHERE a.status != 'cancelled' AND s.status != 'cancelled' ORDER BY s.activity_id")]
        for activity_id in ids:
            yield from check_activity(registry, activities.get(registry, activity_id), unscoped_only=True)
