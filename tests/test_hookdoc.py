"""docs/writing-a-plugin.md keeps its hook reference in step with peerlearn/hookspecs.py."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from peerlearn import hookspecs
from peerlearn.authoring import hookdoc

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing-a-plugin.md"

NEW_HOOK = '''
# -- Calendars: when a feed is built ---

@hookspec(firstresult=True)
def peerlearn_feed_name(network: Network) -> str | None:
    """Name the feed of ``network``; see :class:`peerlearn.Network`."""
'''


def spec_names():
    return sorted(name for name in vars(hookspecs) if name.startswith("peerlearn_"))


def test_hook_reference_is_up_to_date():
    text = DOC.read_text(encoding="utf-8")
    assert hookdoc.update(text) == text, "run: python -m peerlearn.authoring"


@pytest.mark.parametrize("name", spec_names())
def test_every_hookspec_is_documented_with_its_signature(name):
    text = DOC.read_text(encoding="utf-8")
    source = inspect.getsource(getattr(hookspecs, name))
    signature = " ".join(source[source.index("def ") + 4:source.index(":\n")].split())
    signature = re.sub(r",?\s*\)", ")", re.sub(r"\(\s+", "(", signature))
    assert f"#### `{name}`" in text
    assert " ".join(signature.split()) in " ".join(text.split())


def test_a_new_hook_is_flagged_until_documented(tmp_path):
    source = inspect.getsource(hookspecs) + NEW_HOOK
    rendered = hookdoc.render(source)
    assert "### Calendars\n\n*When a feed is built.*" in rendered
    assert "peerlearn_feed_name(network: Network) -> str | None" in rendered
    assert "Spec options: `firstresult=True`." in rendered
    assert "Name the feed of `network`; see `peerlearn.Network`." in rendered
    text = DOC.read_text(encoding="utf-8")
    assert hookdoc.update(text, source) != text


def authoring(*args):
    """Run ``python -m peerlearn.authoring ARGS``, as a developer does."""
    return subprocess.run([sys.executable, "-m", "peerlearn.authoring", *args], capture_output=True, text=True)


def test_hookdoc_command_checks_and_rewrites(tmp_path):
    stale = tmp_path / "doc.md"
    stale.write_text(f"# Plugins\n\n{hookdoc.BEGIN}\nold text\n{hookdoc.END}\n\nAfter.\n", encoding="utf-8")
    checked = authoring("--check", str(stale))
    assert checked.returncode == 1 and "out of date" in checked.stderr
    assert authoring(str(stale)).returncode == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("# Plugins\n\n") and text.endswith("\n\nAfter.\n") and "old text" not in text
    assert all(f"#### `{name}`" in text for name in spec_names())
    assert authoring("--check", str(stale)).returncode == 0


def test_hookdoc_refuses_a_document_without_markers(tmp_path):
    plain = tmp_path / "doc.md"
    plain.write_text("# No markers\n", encoding="utf-8")
    refused = authoring(str(plain))
    assert refused.returncode == 1 and "needs the marker lines" in refused.stderr
    assert plain.read_text(encoding="utf-8") == "# No markers\n"
