"""Build the website: gather each page's content, render it with Jinja2, write what changed."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files as package_files
from pathlib import Path

import attrs

from peerlearn import clean_text, country_label, kind_labels, prepare_folder, web_link, write_atomic

from . import content, links

#: The pages run no script, embed nothing and submit no form: they may load only their own stylesheet.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none';"
                           " form-action 'none'")


@attrs.frozen
class SiteOptions:
    """How the site is built: see ``peerlearn site build --help``."""

    base_url: str | None = None
    feeds: str = "feeds"
    title: str = "peerlearn events"


@attrs.frozen
class BuildReport:
    pages: int
    written: int
    unchanged: int
    files: tuple[str, ...]


def environment():
    """The Jinja2 environment: the package's templates, autoescaping on, undefined names an error.

    Every value a page shows passes through :func:`shown`; a link is made
    only of what ``peerlearn.web_link`` accepts.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("peerlearn_plugins.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown,
    )
    env.filters["date"] = long_date
    env.filters["hm"] = lambda value: f"{value:%H:%M}"
    env.globals["track_label"] = content.track_label
    env.globals["session_label"] = content.session_label
    env.globals["when"] = when
    env.globals["web_link"] = web_link
    env.globals["csp"] = CONTENT_SECURITY_POLICY
    env.globals["release_summary"] = release_summary
    env.globals["country"] = country_label
    env.globals["kind_label"] = kind_labels()
    return env


def shown(value):
    """A value as a page shows it: control characters (in rows stored before they were refused) replaced."""
    from markupsafe import Markup

    if isinstance(value, Markup):
        return Markup(clean_text(str(value)))
    return clean_text(value) if isinstance(value, str) else value


def release_summary(changes) -> str:
    """``3 change(s): 1 added, 1 cancelled, 1 change(s) to people`` (or ``no changes``)."""
    from peerlearn import release_summary as summary

    return summary(changes)


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


def programme_files(registry, network, page: content.ActivityPage, link: links.Links) -> dict[str, bytes]:
    """The files beside an activity's page: the programme it shows as schedule.xml and schedule.json
    (the latest release, else the working programme), and the Atom feed announcing its releases."""
    from peerlearn import ScheduleOptions, release_feed, schedule_json, schedule_xml

    activity = page.activity
    options = ScheduleOptions(base_url=link.base_url)
    found = {}
    if page.programme.sessions:
        found[links.activity_file(activity.id, "schedule.xml")] = \
            schedule_xml(activity, network, page.programme, options).encode("utf-8")
        found[links.activity_file(activity.id, "schedule.json")] = \
            schedule_json(activity, network, page.programme, options).encode("utf-8")
    atom = links.activity_file(activity.id, "releases.atom")
    found[atom] = release_feed(
        registry, activity, network, page=link.canonical(links.activity_page(activity.id)) or f"../{activity.id}.html",
        version_page=lambda number: link.canonical(links.version_page(activity.id, number)) or f"versions/{number}.html",
        self_url=link.canonical(atom), releases=list(page.releases))
    return found


def build_site(registry, directory: str | Path, options: SiteOptions = SiteOptions(), *,
               networks: tuple[str, ...] | list[str] = (), now: dt.datetime | None = None,
               progress=None) -> BuildReport:
    """Write the site for ``networks`` (default: all) into ``directory``; other files there are kept.

    ``progress(done, total)``, where given, is called as activity pages are
    made, then as files are written (``total`` is twice the activities).
    """
    from peerlearn import get_network, list_networks

    out = Path(directory)
    now = now or dt.datetime.now(dt.timezone.utc)
    link = links.Links(options.base_url, options.feeds)
    if networks:
        chosen = [get_network(registry, slug) for slug in dict.fromkeys(networks)]
    else:
        chosen = list_networks(registry)
    env = environment()
    common = {"site": options, "links": link, "generated": now}
    pages: dict[str, str] = {}
    files: dict[str, bytes] = {}
    network_pages = [content.network_page(registry, network, now) for network in chosen]
    total = 2 * sum(len(page.upcoming) + len(page.past) for page in network_pages)
    done = 0
    for network, page in zip(chosen, network_pages):
        target = links.network_page(network.slug)
        pages[target] = env.get_template("network.html").render(
            page=page, depth=1, here=target, feed=link.feed("network", network.slug, 1), **common)
        for activity in (*page.upcoming, *page.past):
            if progress:
                progress(done, total)
            done += 1
            target = links.activity_page(activity.id)
            activity_page = content.activity_page(registry, network, activity)
            pages[target] = env.get_template("activity.html").render(
                page=activity_page, depth=1, here=target, feed=link.feed("activity", activity.id, 1), **common)
            for release in activity_page.releases:
                target = links.version_page(activity.id, release.version.number)
                pages[target] = env.get_template("version.html").render(
                    page=activity_page, release=release, depth=3, here=target, **common)
            files.update(programme_files(registry, network, activity_page, link))
    pages["index.html"] = env.get_template("index.html").render(networks=network_pages, depth=0,
                                                                here="index.html", **common)
    stylesheet = package_files("peerlearn_plugins.site").joinpath("static", "site.css").read_bytes()
    outputs = {name: html.encode("utf-8") for name, html in pages.items()}
    outputs["site.css"] = stylesheet
    outputs.update(files)
    prepare_folder(out, parents=True)
    written = 0
    for number, (name, data) in enumerate(sorted(outputs.items())):
        if progress:
            progress(done + done * number // len(outputs), total)
        written += write_atomic(out / name, data)
    if progress:
        progress(total, total)
    return BuildReport(pages=len(pages), written=written, unchanged=len(outputs) - written,
                       files=tuple(sorted(outputs)))
