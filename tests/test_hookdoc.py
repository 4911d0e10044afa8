"""docs/writing-a-plugin.md keeps its hook reference in step with peerlearn/hookspecs.py."""

import inspect
import re
from pathlib import Path

import pytest

from peerlearn import hookdoc, hookspecs

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
    assert hookdoc.update(text) == text, "run: python -m peerlearn.hookdoc docs/writing-a-plugin.md"


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


def test_hookdoc_command_checks_and_rewrites(tmp_path, capsys):
    stale = tmp_path / "doc.md"
    stale.write_text(f"# Plugins\n\n{hookdoc.BEGIN}\nold text\n{hookdoc.END}\n\nAfter.\n", encoding="utf-8")
    assert hookdoc.main(["--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert hookdoc.main([str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("# Plugins\n\n") and text.endswith("\n\nAfter.\n") and "old text" not in text
    assert all(f"#### `{name}`" in text for name in spec_names())
    assert hookdoc.main(["--check", str(stale)]) == 0


def test_hookdoc_refuses_a_document_without_markers(tmp_path, capsys):
    plain = tmp_path / "doc.md"
    plain.write_text("# No markers\n", encoding="utf-8")
    assert hookdoc.main([str(plain)]) == 1
    assert "needs the marker lines" in capsys.readouterr().err
    assert plain.read_text(encoding="utf-8") == "# No markers\n"
