"""Build the website: gather each page's content, render it with Jinja2, write what changed."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import namedtuple
from pathlib import Path
from typing import TYPE_CHECKING

from peerlearn import clean_text, country_label, kind_labels, web_link

from . import links

if TYPE_CHECKING:  # pragma: no cover
    from . import content  # (loaded by what renders: a rebuild where nothing changed renders nothing)

#: The plugin's folder: its templates and its stylesheet (read as files: importlib.resources costs a rebuild more).
HERE = Path(__file__).parent
#: The pages run no script, embed nothing and submit no form: they may load only their own stylesheet.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none';"
                           " form-action 'none'")


class SiteOptions(namedtuple("SiteOptions", "base_url feeds title", defaults=(None, "feeds", "peerlearn events"))):
    """How the site is built: see ``peerlearn site build --help`` (``base_url``, ``feeds``, ``title``)."""

    __slots__ = ()


class BuildReport(namedtuple("BuildReport", "pages written unchanged")):
    """What a build did: pages rendered, and files written or left unchanged (kept or rendered to the same bytes)."""

    __slots__ = ()


def environment():
    """The Jinja2 environment: the package's templates, autoescaping on, undefined names an error.

    Every value a page shows passes through :func:`shown`; a link is made
    only of what ``peerlearn.web_link`` accepts. The compiled templates are
    kept in Jinja2's bytecode cache (a folder of the user's own in the
    system's temporary folder, checked against each template's source): a
    rebuild that renders a few pages would otherwise spend most of its time
    compiling the templates again.
    """
    import jinja2

    from . import content

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("peerlearn_plugins.site", "templates"),
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
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


#: The part of a publication the site writes (``peerlearn.Publication``).
PART = "site"
#: How many upcoming activities the index page shows.
UPCOMING_ON_INDEX = 10


def build_site(registry, publication, options: SiteOptions = SiteOptions(), *,
               networks: tuple[str, ...] | list[str] = (), progress=None) -> BuildReport:
    """Write the site for ``networks`` (default: all) into ``publication`` (a ``peerlearn.Publication``).

    Each page is written as soon as it is rendered. What changed since the
    last build into the same folder is learnt from the registry (the change
    log after the last change that build saw, and the activities whose end
    the clock has crossed since): only the pages it touches are rendered
    again, and the rest are kept as they are. Anything else that shapes the pages (the options,
    the networks chosen, the plugins, the templates) changing makes a full
    build. Either way only files whose bytes change are rewritten.
    ``progress(done, total)``, where given, is called as each activity's
    pages are rendered.
    """
    from peerlearn import activities_crossed, changes_since, ends_around, get_network, last_change, list_networks

    now = publication.now
    if networks:
        chosen = [get_network(registry, slug) for slug in dict.fromkeys(networks)]
    else:
        chosen = list_networks(registry)
    slugs = {network.slug for network in chosen}
    signature = _signature(options, sorted(slugs))
    state = publication.state(PART)
    dirty = None  # None: everything; else what to render again
    around = state.get("around")
    if (state.get("signature") == signature and isinstance(state.get("change"), int) and isinstance(around, list)
            and len(around) == 2):
        changed = changes_since(registry, state["change"], state.get("change_at", ""))
        if not changed.other & {"network", "registry"}:
            ended = activities_crossed(registry, tuple(around), now)
            dirty = _Dirty(activities=set(changed.activities), networks=set(changed.networks) & slugs)
            dirty.crossed = {network for _id, network in ended if network in slugs}
            dirty.networks |= dirty.crossed
            dirty.current = _current(registry, dirty.activities)
            dirty.networks |= {activity.network for activity in dirty.current.values() if activity} & slugs
            dirty.index = bool(dirty.networks or dirty.activities)
    counts = _Counts()
    publication.watch(PART, WATCHED)
    if dirty is not None:
        files = state.get("files")
        _keep_untouched(publication, dirty, counts, files if isinstance(files, int) else None)
        dirty.current.update(_current(registry, dirty.activities - dirty.current.keys()))  # pages gone missing
    total = 0
    if progress:  # the activities to render: a full build's counted by the registry, else those changed
        from peerlearn import upcoming_activities

        total = len(dirty.activities) if dirty is not None else sum(
            found.upcoming + found.past for found in (upcoming_activities(registry, network.slug, now, 0)
                                                       for network in chosen))
    renderer = _Renderer(registry, publication, options, now, counts, progress, total)
    network_pages = []  # what the index shows of each network: counts and the first activities ahead
    kept_summaries = state.get("summaries") if isinstance(state.get("summaries"), dict) else {}
    if dirty is None or dirty.index:
        from . import content
    for network in chosen:
        if dirty is not None and not dirty.index:
            break
        if dirty is not None and network.slug not in dirty.networks:  # the same as last time, if it was kept
            summary = content.NetworkSummary.from_state(network, kept_summaries.get(network.slug))
            network_pages.append(summary or content.NetworkSummary.read(registry, network, now, UPCOMING_ON_INDEX))
            continue
        kept = None
        if dirty is not None:
            last = _read(publication.path(links.network_page(network.slug)))
            before = content.NetworkSummary.from_state(network, kept_summaries.get(network.slug))
            if before is not None and _splice_network_page(renderer, network, last, dirty):
                # every activity listed where it was: as many ahead and past, the same first ones ahead
                network_pages.append(before.restarted(dirty.current))
                continue
            kept = _kept_items(last)
        summary = content.NetworkSummary.read(registry, network, now, UPCOMING_ON_INDEX)
        network_pages.append(summary)
        page = content.network_page(registry, network, now, (summary.upcoming_count, summary.past_count),
                                    renderer.item, kept, dirty.activities if dirty is not None else ())
        renderer.network(page)
        if dirty is None:
            from peerlearn import iter_activities

            for activity in itertools.chain(
                    iter_activities(registry, network=network.slug, published=True, ending_after=now),
                    iter_activities(registry, network=network.slug, published=True, ending_by=now,
                                    latest_first=True)):
                renderer.activity(network, activity)
    if dirty is not None:
        for activity in _published(dirty.current, {network.slug: network for network in chosen}):
            renderer.activity(*activity)
    if (dirty is not None and dirty.index and _index_as_before(dirty, network_pages, kept_summaries)
            and not publication.keep_many(PART, ["index.html"])):
        counts.unchanged += 1
        dirty.index = False
    if dirty is None or dirty.index:
        renderer.index(network_pages)
    if dirty is None or dirty.stylesheet:
        stylesheet = (HERE / "static" / "site.css").read_bytes()
        renderer.write("site.css", stylesheet, page=False)
    if progress:
        progress(total, total)
    # where the clock stands among the activities' ends, rather than the moment itself: the same between two ends
    number, at = last_change(registry)
    summaries = ({page.network.slug: page.as_state() for page in network_pages} if len(network_pages) == len(chosen)
                 else kept_summaries)
    publication.set_state(PART, {"signature": signature, "change": number, "change_at": at,
                                 "around": list(ends_around(registry, now)), "summaries": summaries,
                                 # the site's files now: those kept, and those written or rendered to the same bytes
                                 "files": counts.written + counts.unchanged})
    return BuildReport(pages=counts.pages, written=counts.written, unchanged=counts.unchanged)


class _Dirty:
    """What a build renders again: these activities' files, these networks' pages, perhaps the index."""

    def __init__(self, activities: set, networks: set) -> None:
        self.activities = activities
        self.networks = networks
        self.index = False
        #: the networks some of whose activities have become past (or upcoming again) since, as the clock moved
        self.crossed: set = set()
        #: the activities that changed as the registry holds them now, by number (None: deleted)
        self.current: dict = {}
        #: the index is rendered even where what it shows is as before (it went missing)
        self.index_missing = False
        self.stylesheet = False


class _Counts:
    def __init__(self) -> None:
        self.pages = self.written = self.unchanged = 0


def _current(registry, activity_ids: set) -> dict:
    """Each of ``activity_ids`` as the registry holds it now, by number (None where it was deleted)."""
    if not activity_ids:  # (nothing changed: the activities' module is not even loaded)
        return {}
    from peerlearn import NotFound, get_activity

    found = {}
    for activity_id in sorted(activity_ids):
        try:
            found[activity_id] = get_activity(registry, str(activity_id))
        except NotFound:  # deleted: the change log named its network
            found[activity_id] = None
    return found


def _published(current: dict, networks: dict) -> list:
    """(network, activity) for each of the ``current`` activities that exists, is published and is in ``networks``."""
    return [(networks[activity.network], activity) for _number, activity in sorted(current.items())
            if activity is not None and activity.published and activity.network in networks]


def _index_as_before(dirty: _Dirty, network_pages: list, kept: dict) -> bool:
    """Whether the index would show what it showed last time: every network's counts and first activities ahead
    as the last build kept them, and none of the activities it lists among those changed.

    (A change to a network, or to anything else the index shows, makes a full build.)
    """
    from . import content

    if dirty.index_missing or any(page.as_state() != kept.get(page.network.slug) for page in network_pages):
        return False
    return not any(number in dirty.activities for _network, number in content.coming_next(network_pages,
                                                                                          UPCOMING_ON_INDEX))


#: The folders of the site whose files are looked at one by one only when something was deleted from them (their
#: modification time moved) since the last build: the pages at the top (index.html, site.css) are looked at each time.
WATCHED = ("networks", "activities")
TOP = ("index.html", "site.css")


def _keep_untouched(publication, dirty: _Dirty, counts: _Counts, files: int | None) -> None:
    """Keep the files of the last build that nothing changed, unrendered; render again what has gone missing.

    Memory and time go with what changed, not with the files kept: these
    are neither listed nor looked at, unless something was deleted from the
    site's folders since (a page deleted by hand).
    """
    for name in publication.missing(PART, TOP) + publication.missing(PART):
        dirty.index = True  # deleted by hand: render it, and what links to it, again
        dirty.index_missing = dirty.index_missing or name == "index.html"
        owner = _activity_of(name)
        if owner is not None:
            dirty.activities.add(owner)
        elif name.startswith("networks/"):
            dirty.networks.add(name[len("networks/"):-len(".html")])
        elif name == "site.css":
            dirty.stylesheet = True
    renewed = [links.activity_page(activity) for activity in dirty.activities]
    renewed += [f"activities/{activity}/" for activity in dirty.activities]
    renewed += [links.network_page(slug) for slug in dirty.networks]
    renewed += ["index.html"] if dirty.index else []
    renewed += ["site.css"] if dirty.stylesheet else []
    counts.unchanged += publication.keep_rest(PART, renewed=renewed, total=files)


#: An activity's item on its network's page, as ``_activity_item.html`` renders it.
_ITEM = r'^<li class="activity[^"\n]*">\n<a href="\.\./activities/(\d+)\.html">.*?</li>$'
#: The same, in the page's bytes, where it is the whole of its line(s) (the items of a list are a line each).
_ITEM_BYTES = re.compile(rb'<li class="activity[^"\n]*">\n<a href="\.\./activities/(\d+)\.html">.*?</li>\n', re.S)
#: Where a network's page lists its past activities (after those upcoming).
_PAST = b'<h2 id="past-heading">'


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _kept_items(page: bytes | None) -> dict[int, str]:
    """The items of a network's page as its last build wrote them, by activity (none where it cannot be read)."""
    try:
        text = page.decode("utf-8") if page is not None else ""
    except UnicodeDecodeError:
        return {}
    return {int(found.group(1)): found.group(0) for found in re.finditer(_ITEM, text, re.M | re.S)}


def _splice_network_page(renderer: "_Renderer", network, last: bytes | None, dirty: _Dirty) -> bool:
    """Write a network's page by replacing, in its last build's bytes, the items of the activities that changed.

    Only where that gives the page a full render would: no activity has
    become past since (the clock), none that changed has come onto the page
    or left it, and each that the page lists keeps its list and its place
    between the same two neighbours (none of them changed), which is what a
    change of title, place or status gives; the page then lists the same
    activities in the same order. Time and memory go with the change, not
    with the network (whose page lists every activity): the page is neither
    parsed nor rendered, nor are its activities counted. False where it
    cannot be done so (nothing is written then).
    """
    from peerlearn import clean_text

    if last is None or network.slug in dirty.crossed:
        return False
    past = last.find(_PAST)
    if past < 0:
        return False
    now = renderer.now
    replaced = []
    for number in sorted(dirty.activities):
        anchor = last.find(b'\n<a href="../activities/%d.html">' % number)
        activity = dirty.current.get(number)
        listed = activity is not None and activity.published and activity.network == network.slug
        if anchor < 0:
            if listed:
                return False  # new to the page: its place is not known without reading the whole list
            continue
        if not listed:
            return False  # gone from the page
        item = _ITEM_BYTES.match(last, last.rfind(b"\n", 0, anchor) + 1)
        upcoming = anchor < past
        if (item is None or int(item.group(1)) != number
                or upcoming != (_utc(activity.end) > now.astimezone(dt.timezone.utc))
                or not _in_place(renderer.registry, last, item, activity, upcoming, dirty.activities)):
            return False
        replaced.append((item.start(), item.end(), (clean_text(str(renderer.item(activity))) + "\n").encode()))
    name = links.network_page(network.slug)
    if all(data == last[start:end] for start, end, data in replaced):  # (a change its items do not show)
        if not renderer.publication.keep_many(PART, [name]):
            renderer.counts.pages += 1
            renderer.counts.unchanged += 1
            return True
    renderer.splice(name, replaced)  # the rest of the page is copied, not read and written again
    return True


def _in_place(registry, page: bytes, item: re.Match, activity, upcoming: bool, changed: set) -> bool:
    """Whether ``activity``'s item stays where it is in its list: after its neighbour before, before the one after.

    The lists are in time order (upcoming) or its reverse (past), ties by
    number, as ``peerlearn.iter_activities`` gives them. A neighbour that
    changed too, or a time finer than a second, is not decided here (False).
    """
    from peerlearn import get_activity

    before = page.rfind(b"\n<li ", 0, item.start() - 1) + 1
    neighbours = [(_ITEM_BYTES.match(page, before) if before else None, True),
                  (_ITEM_BYTES.match(page, item.end()), False)]
    key = (_utc(activity.start), activity.id)
    if activity.start.microsecond:
        return False
    for found, earlier in neighbours:
        if found is None or (earlier and found.end() != item.start()):
            continue  # the first or last of its list
        number = int(found.group(1))
        if number in changed:  # (it may be gone)
            return False
        other = get_activity(registry, number)
        if other.start.microsecond:
            return False
        other_key = (_utc(other.start), other.id)
        if (other_key < key) != (earlier == upcoming):
            return False
    return True


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc)


def _activity_of(name: str) -> int | None:
    if not name.startswith("activities/"):
        return None
    head = name[len("activities/"):].split("/", 1)[0].removesuffix(".html")
    return int(head) if head.isascii() and head.isdigit() else None  # ("²" is a digit int() refuses)


class _Renderer:
    """Renders pages and writes each at once (nothing is held once written)."""

    def __init__(self, registry, publication, options: SiteOptions, now: dt.datetime, counts: _Counts,
                 progress=None, total: int = 0) -> None:
        self.registry = registry
        self.progress = progress
        self.total = total
        self.activities = 0
        self.publication = publication
        self.counts = counts
        self.link = links.Links(options.base_url, options.feeds)
        self._env = None
        self.common = {"site": options, "links": self.link, "generated": now}
        self.now = now

    @property
    def env(self):
        if self._env is None:
            self._env = environment()
        return self._env

    def write(self, name: str, data: bytes, *, page: bool = True) -> None:
        changed = self.publication.write(PART, name, data)
        self.counts.pages += page
        self.counts.written += changed
        self.counts.unchanged += not changed

    def splice(self, name: str, replacements: list[tuple[int, int, bytes]]) -> None:
        changed = self.publication.splice(PART, name, replacements)
        self.counts.pages += 1
        self.counts.written += changed
        self.counts.unchanged += not changed

    def render(self, template: str, name: str, **values) -> None:
        self.write(name, self.env.get_template(template).render(here=name, **values, **self.common).encode("utf-8"))

    def stream(self, template: str, name: str, **values) -> None:
        """Render a long page straight into its file, piece by piece (a network's page lists every activity)."""
        counts = self.publication.counts.get(PART)
        written = counts.written if counts else 0
        with self.publication.open(PART, name) as out:
            for piece in self.env.get_template(template).generate(here=name, **values, **self.common):
                out.write(piece)
        changed = self.publication.counts[PART].written > written
        self.counts.pages += 1
        self.counts.written += changed
        self.counts.unchanged += not changed

    def item(self, activity):
        """An activity's item on its network's page (its ``<li>``), as HTML."""
        from markupsafe import Markup

        return Markup(self.env.get_template("_activity_item.html").render(activity=activity, depth=1, **self.common))

    def network(self, page: content.NetworkPage) -> None:
        slug = page.network.slug
        self.stream("network.html", links.network_page(slug), page=page, depth=1,
                    feed=self.link.feed("network", slug, 1))

    def activity(self, network, activity) -> None:
        if self.progress:
            self.progress(min(self.activities, self.total), self.total)
            self.activities += 1
        from . import content

        target = links.activity_page(activity.id)
        activity_page = content.activity_page(self.registry, network, activity)
        self.render("activity.html", target, page=activity_page, depth=1,
                    feed=self.link.feed("activity", activity.id, 1))
        for release in activity_page.releases:
            self.render("version.html", links.version_page(activity.id, release.version.number),
                        page=activity_page, release=release, depth=3)
        for name, data in programme_files(self.registry, network, activity_page, self.link).items():
            self.write(name, data, page=False)

    def index(self, network_pages: list) -> None:
        from . import content

        upcoming = content.next_activities(self.registry, network_pages, UPCOMING_ON_INDEX)
        feeds = [(page.network, self.link.feed("network", page.network.slug, 0)) for page in network_pages]
        self.render("index.html", "index.html", networks=network_pages, upcoming=upcoming, feeds=feeds,
                    depth=0)


def _signature(options: SiteOptions, slugs: list[str]) -> str:
    """Everything besides the registry that shapes the pages: a change makes a full build."""
    import hashlib
    import json

    from peerlearn import __version__

    digest = hashlib.sha256()
    for folder in ("templates", "static"):
        for item in sorted((HERE / folder).iterdir(), key=lambda item: item.name):
            digest.update(item.name.encode() + b"\0" + item.read_bytes())
    from peerlearn import hook_signature

    plugin_code = [hook_signature(hook) for hook in ("peerlearn_site_blocks", "peerlearn_activity_kinds")]
    text = json.dumps([__version__, options._asdict(), slugs, UPCOMING_ON_INDEX, plugin_code,
                       digest.hexdigest()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
