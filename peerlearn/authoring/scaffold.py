"""A new plugin project, as ``peerlearn plugin new NAME`` writes it.

The project is a folder ``peerlearn-<name>/`` holding a ``pyproject.toml``
whose entry point in the group ``peerlearn`` names one module
``peerlearn_<name>``; the module imports only from ``peerlearn`` and
contributes one network with one rule; ``tests/`` holds passing tests that
use the ``peerlearn_env`` fixture; a README says what to do next. The
templates live in ``peerlearn/authoring/plugin_template/`` as package data.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template
from typing import NamedTuple

from ..errors import Conflict, ValidationError

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
#: The longest name: ``tests/test_peerlearn_<name>.py`` stays well inside a file name's 255 bytes.
MAX_NAME = 100

#: template file (under plugin_template/) -> path in the project, with $placeholders
TEMPLATES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "module.py.tmpl": "${module}.py",
    "test_module.py.tmpl": "tests/test_${module}.py",
    "README.md.tmpl": "README.md",
    "gitignore.tmpl": ".gitignore",
}


class PluginNames(NamedTuple):
    """How one plugin is called in each place."""

    #: the entry-point name, used in ``PEERLEARN_LOAD_PLUGINS``, e.g. ``nordic_network``
    plugin: str
    #: the network slug the example contributes (the same as ``plugin``)
    slug: str
    #: the distribution and folder, e.g. ``peerlearn-nordic-network``
    distribution: str
    #: the module, e.g. ``peerlearn_nordic_network``
    module: str
    #: a title for people, e.g. ``Nordic Network``
    title: str


def names(name: str) -> PluginNames:
    """Derive every name from what the user typed (``nordic-network``, ``nordic_network``…)."""
    text = name.strip().lower()
    for prefix in ("peerlearn-", "peerlearn_"):
        text = text.removeprefix(prefix)
    if len(text) > MAX_NAME:
        raise ValidationError(f"plugin name {name[:20]!r}…: {len(text)} characters; at most {MAX_NAME}")
    if not _NAME.match(text):
        raise ValidationError(
            f"plugin name {name!r}: use lower-case letters and digits, words joined by - or _,"
            " starting with a letter (e.g. nordic-network)"
        )
    words = re.split(r"[-_]", text)
    plugin = "_".join(words)
    return PluginNames(plugin=plugin, slug=plugin, distribution="peerlearn-" + "-".join(words),
                       module=f"peerlearn_{plugin}", title=" ".join(word.capitalize() for word in words))


def render(name: str) -> dict[str, str]:
    """The project's files for plugin ``name``: relative path -> text."""
    found = names(name)
    values = found._asdict()
    folder = resources.files("peerlearn.authoring") / "plugin_template"
    files = {}
    for template, target in TEMPLATES.items():
        text = (folder / template).read_text(encoding="utf-8")
        files[Template(target).substitute(values)] = Template(text).substitute(values)
    return files


def write(name: str, parent: Path | str = ".", *, dry_run: bool = False) -> tuple[Path, list[Path]]:
    """Write the project into ``parent/peerlearn-<name>/``; returns the folder and the files.

    Refuses (Conflict) when the folder exists, and writes nothing then.
    """
    found = names(name)
    folder = Path(parent) / found.distribution
    try:
        exists = folder.exists()
    except OSError as error:  # (a path longer than the system takes)
        raise ValidationError(f"cannot create {folder}: {error.strerror}", field="parent") from None
    if exists:
        raise Conflict(f"{folder} already exists; nothing was written (choose another name, or another folder)",
                       field="parent")
    files = render(name)
    paths = [folder / relative for relative in files]
    if dry_run:
        return folder, paths
    try:
        folder.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        raise Conflict(f"{folder} already exists; nothing was written") from None
    except OSError as error:
        raise ValidationError(f"cannot create {folder}: {error.strerror}") from None
    for path, text in zip(paths, files.values()):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder, paths
