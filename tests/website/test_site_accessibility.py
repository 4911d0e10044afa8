"""Accessibility of the built pages: language, landmarks, headings, table headers, alt text, contrast."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

LANDMARKS = ("header", "nav", "main", "footer")


def _pages(site):
    return sorted(site.rglob("*.html"))


def test_every_page_has_lang_landmarks_and_ordered_headings(demo_site, parse):
    pages = _pages(demo_site)
    assert len(pages) > 10
    for path in pages:
        page = parse(path)
        where = path.relative_to(demo_site)
        html = page.all("html")
        assert html and html[0].get("lang") == "en", where
        tags = [tag for tag, _attrs in page.tags]
        for landmark in LANDMARKS:
            assert tags.count(landmark) >= 1, f"{where} has no <{landmark}>"
        assert tags.count("main") == 1, where
        assert len(page.all("title")) == 1, where
        levels = [level for level, _title in page.headings]
        assert levels and levels[0] == 1 and levels.count(1) == 1, f"{where}: one h1, first"
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{where}: heading level jumps from h{before} to h{after}"
        assert all(title for _level, title in page.headings), f"{where}: an empty heading"
        for image in page.all("img"):
            assert image.get("alt") is not None, f"{where}: an image without alt text"
        assert not page.all("script"), f"{where}: pages need no JavaScript"
        for link in page.all("a"):
            assert link.get("href"), f"{where}: a link without href"


def test_timetable_headers_have_scope(demo_site, mlc_id, parse):
    page = parse(demo_site / "activities" / f"{mlc_id}.html")
    headers = page.all("th")
    assert len(headers) >= 4 + 10  # Time and the three tracks, then one row header per row
    assert all(th.get("scope") in ("col", "row") for th in headers)
    assert [th["scope"] for th in headers[:4]] == ["col"] * 4
    assert len(page.all("caption")) == 1
    texts = page.text
    assert "Time Track A Track B Track C" in texts


def _hex(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    if len(value) == 3:
        value = "".join(char * 2 for char in value)
    return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background colour) of every rule that sets a text colour."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict((name.strip().lower(), value.strip()) for name, _, value in
                            (part.partition(":") for part in body.split(";")) if value.strip())
        if "color" in declarations:
            pairs.append((selector.strip(), declarations["color"], declarations.get("background-color", "")))
    return pairs


def test_contrast_helper_knows_the_wcag_figures():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_stylesheet_colours_have_enough_contrast():
    css = files("peerlearn_plugins.site").joinpath("static", "site.css").read_text(encoding="utf-8")
    pairs = colour_pairs(css)
    assert len(pairs) >= 10
    for selector, foreground, background in pairs:
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", foreground), f"{selector}: colour {foreground!r} is not #rrggbb"
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", background), \
            f"{selector}: sets a text colour but no background-color to check it against"
        ratio = contrast(foreground, background)
        assert ratio >= 4.5, f"{selector}: {foreground} on {background} has contrast {ratio:.2f} (< 4.5)"
    assert "@media print" in css
