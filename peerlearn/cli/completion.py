"""Dynamic shell completion: network slugs, activity kinds and activities, read from the registry.

Click calls these while the shell completes a word (``_PEERLEARN_COMPLETE``;
see the README). They read the registry that ``--db`` or ``$PEERLEARN_DB``
names, opened for reading only, exactly as a read command opens it (never
created, migrated or written), and they never fail: no registry, an older
one, or any error gives no suggestions rather than a traceback in the shell.
Importing this module loads nothing heavy.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

import click

if TYPE_CHECKING:  # pragma: no cover
    from click.shell_completion import CompletionItem


@contextmanager
def _registry(ctx: click.Context) -> Iterator[Any]:
    """The registry of --db / $PEERLEARN_DB (else the default file) for reading, or None where there is none."""
    import os
    from pathlib import Path

    from ..registry.store import Registry, default_path

    db = ctx.find_root().params.get("db_path") or os.environ.get("PEERLEARN_DB")
    path = Path(db) if db else default_path()
    if not path.is_file():
        yield None
        return
    try:
        registry = Registry.open(path, create=False, upgrade=False)
    except Exception:  # noqa: BLE001 - an unreadable or older registry completes nothing
        yield None
        return
    try:
        yield registry
    finally:
        registry.close()


def _matching(pairs: list[tuple[str, str | None]], incomplete: str) -> list["CompletionItem"]:
    """The (value, help) pairs whose value starts with what was typed (in any case), as click's items."""
    from click.shell_completion import CompletionItem

    typed = incomplete.casefold()
    return [CompletionItem(value, help=help_text) for value, help_text in pairs if value.casefold().startswith(typed)]


def complete_network(ctx: click.Context, param: click.Parameter, incomplete: str) -> list["CompletionItem"]:
    """Network slugs, each with the network's name as its help."""
    try:
        with _registry(ctx) as registry:
            if registry is None:
                return []
            from ..registry import networks

            found = sorted(networks.definitions(registry), key=lambda network: network.slug)
    except Exception:  # noqa: BLE001 - completion never fails
        return []
    return _matching([(network.slug, network.name) for network in found], incomplete)


def complete_kind(ctx: click.Context, param: click.Parameter, incomplete: str) -> list["CompletionItem"]:
    """Kinds of activity: those the plugins declare (with their labels) and those the networks name."""
    items: dict[str, str] = {}
    try:
        from .. import plugins

        for name, kind in plugins.activity_kinds().items():
            items[name] = kind.label
        with _registry(ctx) as registry:
            if registry is not None:
                from ..registry import networks

                for network in networks.definitions(registry):
                    for name in network.kinds:
                        items.setdefault(name, "")
    except Exception:  # noqa: BLE001 - completion never fails
        pass
    return _matching([(name, label or None) for name, label in sorted(items.items())], incomplete)


def complete_activity(ctx: click.Context, param: click.Parameter, incomplete: str) -> list["CompletionItem"]:
    """Activity numbers, each with its date and title as help (the network's, where --network is given)."""
    network = ctx.params.get("network") if isinstance(ctx.params.get("network"), str) else None
    try:
        with _registry(ctx) as registry:
            if registry is None:
                return []
            from ..registry import activities

            found = activities.list_activities(registry, network=network)
    except Exception:  # noqa: BLE001 - completion never fails
        return []
    return _matching([(str(activity.id), f"{activity.local_start:%Y-%m-%d} {activity.title}") for activity in found],
                     incomplete)
