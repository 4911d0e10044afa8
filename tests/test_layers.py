"""Meta-tests: imports in peerlearn flow one way, from the command line down to the small utilities.

Every import of every module is read, those inside functions and under
``TYPE_CHECKING`` included, so a cycle cannot hide behind a deferred import.
The layers, from the top (see ``docs/architecture.md``):

    cli, testing, __main__        the command line and the pytest plugin
    authoring                     the plugin scaffold, the hook and API references
    the public API                peerlearn/__init__.py: the names plugins use, loaded lazily
    default_plugins               the core's own plugins
    publishing                    peerlearn publish: the features (and plugins' pages) in one folder
    notify                        notices by email (it builds the feeds' events)
    feeds | reports | schedules   three features side by side, none importing another
    agenda                        sessions, roles and their checks
    registry                      the SQLite file and its records
    models, hookspecs, plugins    the records' classes and the plugin machinery
    utilities                     errors, time, countries, text, links, emails, atomic files, item files

A module may import its own unit and any unit of a lower layer. Two units of
one layer import each other only where the layer says so (the small modules
of the bottom two layers do; the features do not).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "peerlearn"

#: From the top down: (layer, its units, whether its units may import each other).
LAYERS = [
    ("command line", ["peerlearn.cli", "peerlearn.testing", "peerlearn.__main__"], True),
    ("authoring", ["peerlearn.authoring"], False),
    ("public API", ["peerlearn"], False),
    ("default plugins", ["peerlearn.default_plugins"], False),
    ("publishing", ["peerlearn.publishing"], False),
    ("notices", ["peerlearn.notify"], False),
    ("features", ["peerlearn.feeds", "peerlearn.reports", "peerlearn.schedules"], False),
    ("agenda", ["peerlearn.agenda"], False),
    ("registry", ["peerlearn.registry"], False),
    ("core", ["peerlearn.models", "peerlearn.hookspecs", "peerlearn.plugins"], True),
    ("utilities", ["peerlearn.errors", "peerlearn.timeutil", "peerlearn.countries", "peerlearn.text",
                   "peerlearn.urls", "peerlearn.emails", "peerlearn.atomic", "peerlearn.protected",
                   "peerlearn.hookmarks", "peerlearn.itemfile", "peerlearn.version", "peerlearn.installed",
                   "peerlearn.limits"], True),
]
#: What ``peerlearn/__init__.py`` defines itself (the rest it loads lazily from the modules below it).
FACE = "peerlearn:face"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _defined_in_face() -> set[str]:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """The peerlearn modules ``name`` imports, anywhere in it, with the line of each import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    face = _defined_in_face()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names if alias.name.startswith("peerlearn")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module != "peerlearn" and not module.startswith("peerlearn."):
                continue
            for alias in node.names:
                full = f"{module}.{alias.name}"
                if full in known:
                    found.append((full, node.lineno))
                elif module == "peerlearn" and alias.name in face:
                    found.append((FACE, node.lineno))
                else:
                    found.append((module, node.lineno))
    return found


def graph() -> dict[str, list[tuple[str, int]]]:
    found = modules()
    return {name: [(target, line) for target, line in imports(name, path, set(found)) if target != name]
            for name, path in found.items()}


def unit_of(module: str) -> tuple[int, str]:
    """The layer (0 = the top) and unit a module belongs to."""
    if module == FACE:
        return len(LAYERS), FACE  # beneath everything: hookimpl and __version__ import nothing of peerlearn
    best = None
    for rank, (_layer, units, _open) in enumerate(LAYERS):
        for unit in units:
            inside = module == unit or (unit != "peerlearn" and module.startswith(unit + "."))
            if inside and (best is None or len(unit) > len(best[1])):
                best = (rank, unit)
    if best is None:
        raise AssertionError(f"{module} is in no layer: place it in tests/test_layers.py LAYERS")
    return best


def test_every_module_is_in_a_layer():
    for name in modules():
        unit_of(name)


def test_no_import_runs_up_a_layer_or_across_features():
    wrong = []
    for name, targets in graph().items():
        rank, unit = unit_of(name)
        for target, line in targets:
            target_rank, target_unit = unit_of(target)
            if target_unit == unit or target_rank > rank:
                continue
            if target_rank == rank and LAYERS[rank][2]:
                continue
            where = "up" if target_rank < rank else "across"
            wrong.append(f"{name} (line {line}) imports {target}: {where} from {LAYERS[rank][0]}"
                         f" to {LAYERS[target_rank][0] if target_rank < len(LAYERS) else 'the face'}")
    assert wrong == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    edges = {name: {target for target, _line in targets if target != FACE} for name, targets in graph().items()}
    # a package's __init__ is imported with each of its modules: a module importing its own package's
    # face is no cycle of the code, so only faces that define something count
    assert cycles(edges) == []


@pytest.mark.parametrize("edges, found", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
    ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
])
def test_the_cycle_finder_finds_cycles(edges, found):
    assert sorted(cycles(edges)) == found


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    module = PACKAGE / "registry" / "store.py"
    known = set(modules())
    found = {target for target, _line in imports("peerlearn.registry.store", module, known)}
    assert "peerlearn.registry.migrations" in found  # imported inside Registry._prepare only
