"""Built-in commands loaded only when they are used: each command's module is imported on first use.

``peerlearn networks list`` imports ``peerlearn.cli.networks`` and none of
the other command modules (click's "lazily loading subcommands" pattern).
:class:`LazyCommands` stands in for a click group's ``commands`` dict: it
knows every built-in command by name (and the first paragraph of its help,
for the group's help listing) before loading any, and imports a command's
module when the command itself is asked for. Everything that walks
``group.commands`` (click, plugins, tests) still sees every command.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from importlib import import_module

import click


class LazyCommands(MutableMapping):
    """A group's commands by name: those given as ``{name: ("module:attribute", summary)}`` imported when looked up.

    ``module`` is relative to this package (``networks:networks`` is
    ``peerlearn.cli.networks.networks``); ``summary`` is the first paragraph
    of the command's help, which the group's help listing shows without
    importing the command (a test keeps the two the same).
    """

    def __init__(self, lazy: dict[str, tuple[str, str]]) -> None:
        self._lazy = dict(lazy)
        self._loaded: dict[str, click.Command] = {}

    def summary(self, name: str) -> str | None:
        """The help summary of command ``name`` while it is not loaded yet, else None."""
        entry = self._lazy.get(name) if name not in self._loaded else None
        return entry[1] if entry else None

    def __getitem__(self, name: str) -> click.Command:
        command = self._loaded.get(name)
        if command is None:
            target, _summary = self._lazy[name]  # KeyError for a command there is not
            module, _, attribute = target.partition(":")
            command = self._loaded[name] = getattr(import_module(f"{__package__}.{module}"), attribute)
            del self._lazy[name]
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._lazy.pop(name, None)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._lazy.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        yield from list(self._loaded)
        yield from [name for name in self._lazy if name not in self._loaded]

    def __len__(self) -> int:
        return len(self._loaded.keys() | self._lazy.keys())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({sorted(self)!r})"

