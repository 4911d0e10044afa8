"""peerlearn's own notices, registered as a default plugin on ``peerlearn_before_commit``.

Imported by every command when the plugins load: it imports nothing else
until a transaction commits changes that concern someone.
"""

from __future__ import annotations

from typing import Any

from ..hookmarks import hookimpl


@hookimpl
def peerlearn_before_commit(registry: Any, changes: list, dry_run: bool) -> list[str]:
    """Queue a notice in the outbox for each person the transaction's changes concern."""
    if not changes:
        return []
    from ..notify.outbox import queue_changes

    return queue_changes(registry, changes, dry_run)
