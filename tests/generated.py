"""The benchmarks' registry generator (``benchmarks/registry_factory.py``), for tests that need a large registry.

It lives with the benchmarks, outside the package; loaded once, by path.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def registry_factory() -> ModuleType:
    """The module ``registry_factory``: its ``make(path, activities, ...)`` writes a registry in seconds."""
    if "registry_factory" in sys.modules:
        return sys.modules["registry_factory"]
    path = Path(__file__).parent.parent / "benchmarks" / "registry_factory.py"
    spec = importlib.util.spec_from_file_location("registry_factory", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["registry_factory"] = module
    spec.loader.exec_module(module)
    return module
