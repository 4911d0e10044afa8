"""Build the website: gather each page's content, render it with Jinja2, write what changed."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files as package_files
from pathlib import Path

import attrs

from peerlearn.atomic import prepare_folder, write_atomic

from . import content, links


@attrs.frozen
class SiteOptions:
    """How the site is built: see ``peerlearn site build --help``."""

    base_url: str | None = None
    feeds: str = "feeds"
    title: str = "peerlearn events"
    lang: str = "en"


@attrs.frozen
class BuildReport:
    pages: int
    written: int
    unchanged: int
    files: tuple[str, ...]


def environment():
    """The Jinja2 environment: the package's templates, autoescaping on, undefined names an error."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("peerlearn_plugins.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = long_date
    env.filters["hm"] = lambda value: f"{value:%H:%M}"
    env.globals["track_label"] = content.track_label
    env.globals["session_label"] = content.session_label
    env.globals["when"] = when
    return env


def long_date(value: dt.date) -> str:
    """A date for people: Tuesday 13 April 2027."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def when(activity) -> str:
    """An activity's dates and times in its own timezone, for people."""
    start, end = activity.local_start, activity.local_end
    day = long_date
    if activity.all_day:
        last = (end - dt.timedelta(days=1)).date()
        return day(start.date()) + (f" to {day(last)}" if last != start.date() else "")
    if start.date() == end.date():
        return f"{day(start.date())}, {start:%H:%M}–{end:%H:%M}"
    return f"{day(start.date())} {start:%H:%M} to {day(end.date())} {end:%H:%M}"


def build_site(registry, directory: str | Path, options: SiteOptions = SiteOptions(), *,
               networks: tuple[str, ...] | list[str] = (), now: dt.datetime | None = None) -> BuildReport:
    """Write the site for ``networks`` (default: all) into ``directory``; other files there are kept."""
    from peerlearn import networks as network_lib

    out = Path(directory)
    now = now or dt.datetime.now(dt.timezone.utc)
    link = links.Links(options.base_url, options.feeds)
    if networks:
        chosen = [network_lib.get(registry, slug) for slug in dict.fromkeys(networks)]
    else:
        chosen = [entry.network for entry in network_lib.known(registry).values()]
    env = environment()
    common = {"site": options, "links": link, "generated": now}
    pages: dict[str, str] = {}
    network_pages = []
    for network in chosen:
        page = content.network_page(registry, network, now)
        network_pages.append(page)
        target = links.network_page(network.slug)
        pages[target] = env.get_template("network.html").render(
            page=page, depth=1, here=target, feed=link.feed("networks", network.slug, 1), **common)
        for activity in (*page.upcoming, *page.past):
            target = links.activity_page(activity.id)
            pages[target] = env.get_template("activity.html").render(
                page=content.activity_page(registry, network, activity), depth=1, here=target,
                feed=link.feed("activities", activity.id, 1), **common)
    pages["index.html"] = env.get_template("index.html").render(networks=network_pages, depth=0,
                                                                here="index.html", **common)
    stylesheet = package_files("peerlearn_plugins.site").joinpath("static", "site.css").read_bytes()
    outputs = {name: html.encode("utf-8") for name, html in pages.items()}
    outputs["site.css"] = stylesheet
    prepare_folder(out, parents=True)
    written = sum(write_atomic(out / name, data) for name, data in sorted(outputs.items()))
    return BuildReport(pages=len(pages), written=written, unchanged=len(outputs) - written,
                       files=tuple(sorted(outputs)))
