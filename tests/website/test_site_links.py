"""A crawl of the built site from its index finds no broken internal link."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

EXTERNAL_SCHEMES = ("http", "https", "webcal", "mailto")


def crawl(site: Path, parse, skip_prefixes=("feeds/",)) -> tuple[set[Path], list[str]]:
    """Follow every link and stylesheet from index.html; return the pages reached and the broken links."""
    seen: set[Path] = set()
    broken: list[str] = []
    todo = [site / "index.html"]
    anchors: dict[Path, set[str]] = {}
    pending_fragments: list[tuple[Path, Path, str]] = []
    while todo:
        page_path = todo.pop()
        if page_path in seen:
            continue
        seen.add(page_path)
        page = parse(page_path)
        anchors[page_path] = {attrs["id"] for _tag, attrs in page.tags if attrs.get("id")}
        for tag, attrs in page.tags:
            href = attrs.get("href") if tag in ("a", "link") else None
            if href is None:
                continue
            if urlsplit(href).scheme in EXTERNAL_SCHEMES:
                continue
            path_part, fragment = urldefrag(href)
            target = (page_path.parent / unquote(path_part)).resolve() if path_part else page_path
            relative = target.relative_to(site.resolve()) if target.is_relative_to(site.resolve()) else None
            if relative is None:
                broken.append(f"{page_path.name}: {href} leaves the site")
                continue
            if any(str(relative).startswith(prefix) for prefix in skip_prefixes):
                continue
            if not target.is_file():
                broken.append(f"{page_path.relative_to(site)}: {href}")
                continue
            if fragment:
                pending_fragments.append((page_path, target, fragment))
            if target.suffix == ".html":
                todo.append(target)
    for page_path, target, fragment in pending_fragments:
        if target in anchors and fragment not in anchors[target]:
            broken.append(f"{page_path.relative_to(site)}: #{fragment} not found in {target.name}")
    return seen, broken


def test_no_broken_internal_link(demo_site, parse):
    reached, broken = crawl(demo_site.resolve(), parse)
    assert broken == []
    every_page = {path.resolve() for path in demo_site.rglob("*.html")}
    assert reached == every_page  # every page can be reached from the index


def test_the_crawler_finds_a_broken_link(demo_site, parse):
    (demo_site / "activities" / "1.html").unlink()
    _reached, broken = crawl(demo_site.resolve(), parse)
    assert any(item.endswith("../activities/1.html") for item in broken)


def test_feed_links_point_into_the_feeds_folder(demo_site, parse):
    found = 0
    for path in demo_site.rglob("*.html"):
        up = "../" * (len(path.relative_to(demo_site).parts) - 1)
        for link in parse(path).all("a"):
            if link["href"].endswith(".ics"):
                found += 1
                assert link["href"].startswith((f"{up}feeds/networks/", f"{up}feeds/activities/")), (path, link)
    assert found


def test_a_published_folder_has_every_page_and_feed_its_links_name(demo_env, tmp_path, parse):
    """After ``peerlearn publish`` (no base URL: relative links) the crawl follows the feed links too."""
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    public = tmp_path / "public"
    result = demo_env.run("publish", str(public), "--private-dir", str(tmp_path / "private"))
    assert result.exit_code == 0, result.output
    reached, broken = crawl(public.resolve(), parse, skip_prefixes=())
    assert broken == []
    pages = {path.resolve() for path in public.rglob("*.html")
             if not path.relative_to(public).parts[0] in ("feeds", "logs")}
    assert pages <= reached
