"""Fixtures for the event website's tests: the site plugin loaded, a demo site built, HTML parsed."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import peerlearn_plugins.site
import pytest


@pytest.fixture
def site_env(env):
    """The temporary registry of ``env``, created, with the site plugin registered."""
    env.register(peerlearn_plugins.site, name="site")
    assert env.run("init").exit_code == 0
    return env


@pytest.fixture
def demo_site(demo_env, tmp_path) -> Path:
    """The site of the demo registry, built by ``peerlearn site build``."""
    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "site"
    result = demo_env.run("site", "build", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def mlc_id(demo_env) -> int:
    from peerlearn_plugins.demo.data import MLC_TITLE

    with demo_env.open() as registry:
        return registry.one("SELECT id FROM activities WHERE title = ?", [MLC_TITLE])["id"]


class Page(HTMLParser):
    """A page as a list of (tag, attributes) start tags, with text per element id and the whole text."""

    INLINE = {"a", "abbr", "b", "bdi", "code", "em", "i", "small", "span", "strong", "time"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[int, str]] = []
        self.text_parts: list[str] = []
        self._heading: list | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.INLINE:
            self.text_parts.append(" ")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = [int(tag[1]), ""]

    def handle_endtag(self, tag):
        if tag not in self.INLINE:
            self.text_parts.append(" ")
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._heading is not None:
            self._heading[1] += data

    @property
    def text(self) -> str:
        return " ".join("".join(self.text_parts).split())

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture
def parse():
    """Parse a page's HTML (a path or a string) with html.parser."""
    def parse(source) -> Page:
        html = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
        return Page(html)

    return parse
