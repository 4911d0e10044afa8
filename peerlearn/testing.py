"""Test helpers for peerlearn and its plugins, registered as a pytest plugin.

The ``peerlearn_env`` fixture gives a test a temporary registry, an actor,
and a plugin manager holding no entry-point plugin unless the test asks for
some — so a plugin's tests see just that plugin::

    import my_plugin

    def test_rule(peerlearn_env):
        peerlearn_env.register(my_plugin)
        result = peerlearn_env.run("networks", "list", "--json")
        assert result.exit_code == 0

Installed with peerlearn, it is available to every test suite without an
import (through the ``pytest11`` entry point).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable

import pytest


class PeerlearnEnv:
    """A temporary registry and plugin selection for one test."""

    def __init__(self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.db = db
        self._monkeypatch = monkeypatch

    def load(self, *names: str) -> None:
        """Load only these entry-point plugins (none where no name is given)."""
        from . import plugins

        self._monkeypatch.setenv("PEERLEARN_LOAD_PLUGINS", ",".join(names))
        self._monkeypatch.delenv("PEERLEARN_DISABLE_PLUGINS", raising=False)
        plugins.reset()

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object (a module or an instance) for this test."""
        from . import plugins

        return plugins.register(plugin, name=name)

    def run(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
        """Run ``peerlearn ARGS`` on this registry with click's CliRunner.

        Returns click's ``Result``: ``stdout`` and ``stderr`` are separate.
        """
        from click.testing import CliRunner

        from .cli import cli

        return CliRunner().invoke(cli, ["--db", str(self.db), *args], input=input, env=env,
                                  catch_exceptions=False, prog_name="peerlearn")

    def open(self):
        """Open the registry (a ``peerlearn.registry.store.Registry``; close it after use)."""
        from .registry.store import Registry

        return Registry.open(self.db, actor="tester")

    def fingerprint(self) -> str:
        """A hash of the registry file's bytes (with its WAL, if any), to prove nothing changed."""
        digest = hashlib.sha256()
        for suffix in ("", "-wal"):
            path = Path(f"{self.db}{suffix}")
            digest.update(path.read_bytes() if path.exists() else b"-")
        return digest.hexdigest()


def public_api_violations(source: str, *, allow: Iterable[str] = (), package: bool = False) -> list[str]:
    """The imports in a plugin's ``source`` that reach past peerlearn's public API.

    A plugin should import only names listed in ``peerlearn.__all__`` (``from
    peerlearn import Network, hookimpl``), the standard library and the
    distributions it depends on, named by their top-level module in
    ``allow`` (``{"jinja2", "markupsafe"}``); a plugin that is a package
    (``package=True``) may import its own modules relatively. Each other
    import is returned as a short description with its line, so that a
    plugin's test can assert ``public_api_violations(source) == []``.
    """
    import ast
    import sys

    import peerlearn

    allowed = set(allow)

    def stdlib(module: str) -> bool:
        top = module.split(".")[0]
        return top in sys.stdlib_module_names or module == "__future__" or top in allowed

    violations = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            violations += [f"import {alias.name} (line {node.lineno})" for alias in node.names
                           if alias.name != "peerlearn" and not stdlib(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level and not package:
                violations.append(f"relative import from {'.' * node.level}{module} (line {node.lineno})")
            elif node.level:
                continue
            elif module == "peerlearn":
                violations += [f"from peerlearn import {alias.name} (line {node.lineno})"
                               for alias in node.names if alias.name not in peerlearn.__all__]
            elif not stdlib(module):
                violations.append(f"from {module} import … (line {node.lineno})")
    return violations


@pytest.fixture
def peerlearn_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A temporary registry, no entry-point plugins loaded, actor ``tester``."""
    from . import plugins

    monkeypatch.setenv("PEERLEARN_DB", str(tmp_path / "registry.db"))
    monkeypatch.setenv("PEERLEARN_ACTOR", "tester")
    monkeypatch.setenv("PEERLEARN_LOAD_PLUGINS", "")
    monkeypatch.delenv("PEERLEARN_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("PEERLEARN_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)  # tables keep whole cells unless a test sets a width
    plugins.reset()
    environment = PeerlearnEnv(tmp_path / "registry.db", monkeypatch)
    yield environment
    plugins.reset()
