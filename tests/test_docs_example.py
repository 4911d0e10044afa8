"""The worked example of docs/writing-a-plugin.md works as the page says, built from the page's own code.

The page's plugin module and its tests (the code blocks marked ``<!-- file:
PATH -->``) are written into a project of their own, which is made a plugin
the way ``pip install`` would (an entry point in the group ``peerlearn``,
declared by the project's metadata on the path), and the page's tests run
against it with pytest in a process of their own: a plugin that restricts a
role by country and adds a kind of activity to its own network only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from peerlearn.testing import public_api_violations

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "writing-a-plugin.md"
_BLOCK = re.compile(r"<!-- file: (?P<path>\S+) -->\n```python\n(?P<code>.*?)\n```", re.S)


def files_of_the_page() -> dict[str, str]:
    return {match["path"]: match["code"] + "\n" for match in _BLOCK.finditer(DOC.read_text(encoding="utf-8"))}


@pytest.fixture
def project(tmp_path):
    """The page's project, its module importable and declared as the plugin ``nordic_welfare``."""
    folder = tmp_path / "peerlearn-nordic-welfare"
    for path, code in files_of_the_page().items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(code, encoding="utf-8")
    metadata = folder / "peerlearn_nordic_welfare-0.1.0.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text("Metadata-Version: 2.1\nName: peerlearn-nordic-welfare\nVersion: 0.1.0\n")
    (metadata / "entry_points.txt").write_text("[peerlearn]\nnordic_welfare = peerlearn_nordic_welfare\n")
    return folder


def test_the_page_holds_the_plugin_and_its_tests():
    found = files_of_the_page()
    assert set(found) == {"peerlearn_nordic_welfare.py", "tests/test_peerlearn_nordic_welfare.py"}
    module = found["peerlearn_nordic_welfare.py"]
    assert "def peerlearn_validate_member(" in module and 'membership.role != "secretariat"' in module
    assert "network=SLUG" in module  # the kind is the network's alone
    tests = found["tests/test_peerlearn_nordic_welfare.py"]
    assert "def test_only_a_swedish_member_holds_the_secretariat(" in tests
    assert "def test_welfare_labs_are_this_networks_alone(" in tests


def test_the_page_plugin_imports_only_the_public_api():
    assert public_api_violations(files_of_the_page()["peerlearn_nordic_welfare.py"]) == []


def test_the_page_tests_pass_against_the_page_plugin(project):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PEERLEARN_")}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project), environment.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=project,
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.search(r"(\d+) passed", result.stdout)
    said = re.search(r"\$ python -m pytest\n\.\.\.\n(\d+) passed", DOC.read_text(encoding="utf-8"))
    assert passed and said and passed.group(1) == said.group(1) == "5"  # as many as the page says


def test_the_page_tests_fail_when_the_plugin_breaks_its_rules(project):
    """The page's tests are real: without the role rule, or with the kind open to all, they fail."""
    module = project / "peerlearn_nordic_welfare.py"
    source = module.read_text(encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PEERLEARN_")}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project), environment.get("PYTHONPATH")]))
    for broken in (source.replace('membership.role != "secretariat"', 'membership.role != "nobody"'),
                   source.replace("network=SLUG)", "network=None)")):
        assert broken != source
        module.write_text(broken, encoding="utf-8")
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                                cwd=project, env=environment, capture_output=True, text=True, timeout=300)
        assert result.returncode == 1 and "1 failed, 4 passed" in result.stdout, result.stdout
