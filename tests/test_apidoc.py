"""docs/api.md, the API reference, is generated from peerlearn.__all__ and stays in step with it."""

import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import peerlearn
from peerlearn.authoring import apidoc

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "api.md"


def test_api_reference_is_up_to_date():
    assert apidoc.render() == DOC.read_text(encoding="utf-8"), "run: python -m peerlearn.authoring"


def test_every_public_name_and_field_is_described():
    assert apidoc.undocumented() == []


@pytest.mark.parametrize("name", peerlearn.__all__)
def test_every_public_name_has_its_entry(name):
    text = DOC.read_text(encoding="utf-8")
    assert f"### `{name}`" in text
    obj = getattr(peerlearn, name)
    if isinstance(obj, type) and attrs.has(obj):
        for field in attrs.fields(obj):
            assert f"| `{field.name}` |" in text.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]


def test_the_reference_names_what_each_function_takes():
    text = DOC.read_text(encoding="utf-8")
    assert "get_activity(registry: Registry, activity_id: int | str) -> Activity" in text
    assert "call_hook(hook: str, /, **arguments: Any) -> list[tuple[str, Any]]" in text
    assert "| `network` | `str \\| None` | `None` | the slug of the one network that runs this kind" in text


def test_a_stale_reference_is_flagged_and_rewritten(tmp_path):
    stale = tmp_path / "api.md"
    stale.write_text("# API reference\n\nold\n", encoding="utf-8")
    run = [sys.executable, "-m", "peerlearn.authoring"]
    checked = subprocess.run([*run, "--check", str(stale)], capture_output=True, text=True)
    assert checked.returncode == 1 and "API reference is out of date" in checked.stderr
    assert subprocess.run([*run, str(stale)], capture_output=True, text=True).returncode == 0
    assert stale.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
    assert subprocess.run([*run, "--check", str(stale)], capture_output=True, text=True).returncode == 0


def test_the_reference_is_the_same_whatever_the_hash_seed(tmp_path):
    """Sets are listed sorted: the page does not change from one run to the next."""
    code = "from peerlearn.authoring import apidoc; print(apidoc.render(), end='')"
    texts = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(texts) == 1 and texts == {DOC.read_text(encoding="utf-8")}
