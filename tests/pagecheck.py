"""Independent checkers of the published pages: the Nu Html Checker and axe-core.

- The Nu Html Checker (``vnu.jar``, the W3C's HTML validator) from the npm
  package ``vnu-jar``, run by Java (Debian's ``default-jre-headless``).
- axe-core from npm, injected into a page that headless Chromium shows.

Both live in ``tests/js`` (``npm ci --ignore-scripts --prefix tests/js``;
tox runs it). Where Java, node's packages or Chromium are missing a test is
skipped with the reason, unless ``PEERLEARN_REQUIRE_VALIDATORS=1`` (tox sets
it), which makes it a failure: CI never skips them silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent / "js" / "node_modules"
VNU_JAR = JS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = JS / "axe-core" / "axe.min.js"
#: Set (tox does) to make a missing checker a failure instead of a skip.
REQUIRE = "PEERLEARN_REQUIRE_VALIDATORS"
#: The rules axe runs: WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices (landmarks, one main, …).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def missing(reason: str) -> None:
    """Skip for want of a checker, or fail where ``PEERLEARN_REQUIRE_VALIDATORS=1``."""
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason}, and {REQUIRE}=1 requires the check")
    pytest.skip(f"{reason} (tox installs it)")


def java_and_vnu() -> tuple[str, Path]:
    java = shutil.which("java")
    if not java:
        missing("Java is not installed (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing(f"the Nu Html Checker is not installed in {JS.parent} (npm ci --ignore-scripts --prefix tests/js)")
    return java, VNU_JAR


def nu_messages(paths: list[Path]) -> list[dict]:
    """Every message the Nu Html Checker gives on ``paths`` (one run of the checker for all)."""
    java, jar = java_and_vnu()
    result = subprocess.run([java, "-jar", str(jar), "--format", "json", "--exit-zero-always",
                             *map(str, paths)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stderr)["messages"]


def nu_errors(paths: list[Path]) -> list[str]:
    """The errors (not the notes) the Nu Html Checker finds, one line each: file, line, message."""
    return [f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m['message']}"
            for m in nu_messages(paths) if m["type"] in ("error", "non-document-error")]


def axe_source() -> str:
    if not AXE.exists():
        missing(f"axe-core is not installed in {JS.parent} (npm ci --ignore-scripts --prefix tests/js)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(driver, source: str) -> list[str]:
    """Run axe-core on the page ``driver`` shows; one line per violation and element."""
    driver.execute_script(source)
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(result => done(result.violations.map(v => ({id: v.id, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))), error => done([{id: 'axe-error', help: String(error),"
        " nodes: []}]));", AXE_TAGS)
    return [f"{v['id']}: {v['help']} ({', '.join(v['nodes'][:5])})" for v in found]


def horizontal_overflow(driver) -> list[str]:
    """What sticks out to the right of the viewport (the page scrolls sideways), as short descriptions.

    A wide table inside a scrolling box is not counted: the box scrolls, the page does not.
    """
    return driver.execute_script("""
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        const found = [];
        for (const element of document.body.querySelectorAll('*')) {
            const box = element.getBoundingClientRect();
            if (box.right > width + 0.5 && box.width > 0) {
                let inside = false;
                for (let parent = element.parentElement; parent; parent = parent.parentElement) {
                    const overflow = getComputedStyle(parent).overflowX;
                    if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') { inside = true; break; }
                }
                if (!inside) found.push(element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
                                        + (element.className && element.className.baseVal === undefined
                                           ? '.' + element.className : '') + ' ' + Math.round(box.right) + 'px');
            }
        }
        return found.length ? found.slice(0, 10) : ['document ' + document.documentElement.scrollWidth + 'px'];
    """)
