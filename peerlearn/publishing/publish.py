"""``peerlearn publish``: the feeds, the logs and reports, and what plugins add, in one folder, all or nothing.

The folder's layout::

    DIR/feeds/networks/<slug>.ics, feeds/activities/<id>.ics, feeds/index.html   public calendar feeds
    DIR/logs/<slug>-log.csv, <slug>-log.html      each network's activity log
    DIR/logs/<slug>-report-<year>.html            each network's yearly report (the year of today)
    DIR/logs/changes.csv                          the change log (private data removed)
    DIR/index.html, networks/, activities/ …      what plugins add (the event website)
    PRIVATE/feeds/members/<token>.ics             member feeds: only with a private folder, never in DIR

The registry is read in one transaction, so every file shows the same
moment of it. Every file is written through :func:`peerlearn.atomic.batches.batch`:
nothing lands until all of it has been written, and an error anywhere (a
plugin that raises, a disk that refuses) leaves both folders as they were.
Only files whose bytes change are rewritten; the logs and reports of a
network nothing has changed for since the last publication are not even
rendered again (the folder's manifest keeps the last change seen). Where a
few activities changed, a long log renders their rows only and copies the
others (:mod:`peerlearn.publishing.rows`), a report reuses the charts whose
figures did not move, and the change log gets its new rows after a copy of
its old ones: the same bytes as a fresh publication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Callable

import attrs

from .. import plugins
from ..atomic.places import write_error
from ..version import __version__
from ..feeds import publish as feeds_publish
from ..feeds.layout import check_base_url
from ..registry import networks as registry_networks
from ..registry.since import changes_since, last_change
from ..registry.store import Registry, chunks
from ..text import is_number
from .folder import Counts, Publication, open_publication

FEEDS = "feeds"
LOGS = "logs"


@attrs.frozen
class PublishReport:
    """What a publication did: files written, unchanged and removed by part (``feeds``, ``logs``, ``site``…)."""

    #: the folder published
    folder: Path
    #: by part (``feeds``, ``logs``, ``site``, a plugin's): ``{"written": n, "unchanged": n, "removed": n}``
    parts: dict[str, dict[str, int]]
    #: member feeds published into the private folder
    private: int = 0
    #: member feeds not written, for want of a private folder
    left_out: int = 0
    #: one line per event left out of the feeds because it cannot be written
    warnings: tuple[str, ...] = ()

    def total(self, what: str) -> int:
        """Files ``written``, ``unchanged`` or ``removed``, all parts together."""
        return sum(counts[what] for counts in self.parts.values())


def publish(registry: Registry, folder: str | Path, *, base_url: str = "", networks: tuple[str, ...] = (),
            private_folder: str | Path | None = None, now: dt.datetime | None = None,
            today: dt.date | None = None, progress: Callable[[int, int | None], None] | None = None,
            ) -> PublishReport:
    """Publish into ``folder`` (created if missing; its parent must exist); member feeds into ``private_folder``.

    ``networks`` narrows the logs, the reports and what plugins publish (the
    website) to those networks; the calendar feeds are always every
    network's, since a member's feed spans its networks. ``now`` and ``today``
    (default: the clock) decide what is upcoming and the reports' year.
    ``progress(done, total)``, where given, is called as each network's logs
    and then the plugins' files are done, then as the feeds are built.
    """
    base = check_base_url(base_url, field="base_url") if base_url else ""
    folder = Path(folder)
    if private_folder is not None:
        feeds_publish.check_apart(folder, Path(private_folder))
    now = now or dt.datetime.now(dt.timezone.utc)
    today = today or now.date()
    slugs = _networks(registry, networks)
    private = (Path(private_folder),) if private_folder is not None else ()
    with open_publication(folder, also=private, base_url=base, networks=tuple(networks), now=now, today=today,
                          feeds=FEEDS) as publication, reading(registry):
        steps = len(slugs) + 1
        publish_logs(registry, publication, slugs, progress=(lambda done: progress(done, steps)) if progress else None)
        plugins.publish(registry, publication)
        if progress:
            progress(steps, steps)
        feeds = feeds_publish.build(registry, folder / FEEDS, base_url=f"{base}/{FEEDS}" if base else "",
                                    private_folder=private[0] / FEEDS if private else None, now=now,
                                    progress=progress)
        publication.note("feeds", Counts(len(feeds.written), feeds.unchanged, len(feeds.removed)))
    return PublishReport(folder, publication.summary(), private=feeds.private, left_out=feeds.left_out,
                         warnings=feeds.warnings)


def _networks(registry: Registry, chosen: tuple[str, ...]) -> list[str]:
    """The slugs to publish the logs of: ``chosen`` (each checked), else every network."""
    if chosen:
        return [registry_networks.get(registry, slug).slug for slug in dict.fromkeys(chosen)]
    return sorted(network.slug for network in registry_networks.definitions(registry))


def reading(registry: Registry):
    """One transaction around the whole publication, so every file shows the same registry.

    It changes no record; the feeds' block cache, which it may fill, is kept
    when it ends well (a read-only registry keeps that cache in memory).
    """
    return registry.snapshot()


def publish_logs(registry: Registry, publication: Publication, slugs: list[str],
                 progress: Callable[[int], None] | None = None) -> None:
    """Each network's activity log (csv, html) and yearly reports (html), and the change log (csv).

    The reports are this year's and those of every year published into the
    folder before: last year's report stays published, kept up to date. A
    file that nothing has changed since the last publication into the folder
    (the same plugins) is kept as it is, unrendered.
    """
    part = "logs"
    year = publication.today.year
    signature = _signature(slugs)
    state = publication.state(part)
    changed = None
    if state.get("signature") == signature and isinstance(state.get("change"), int):
        changed = changes_since(registry, state["change"], state.get("change_at", ""))
    previous = set(publication.previous(part))  # (read once: the manifest lists every file of the folder)
    drawn = state.get("charts") if isinstance(state.get("charts"), dict) else {}
    charts: dict[str, dict] = {}
    for number, slug in enumerate(slugs):
        if progress:
            progress(number)
        logs = [("csv", f"{LOGS}/{slug}-log.csv"), ("html", f"{LOGS}/{slug}-log.html")]
        everything = changed is None or changed.unscoped or bool(changed.other & {"registry", "network"})
        if (everything or slug in changed.networks
                or not _kept(publication, part, previous, [name for _f, name in logs])):
            network = registry_networks.get(registry, slug)
            for format_name, name in logs:
                _log(registry, publication, part, name, network, format_name, signature,
                     None if everything else changed, name in previous)
        # this year's report, and those of the years published before (kept up to date, never dropped); every
        # report of a network says when its data last changed, so any change to the network renders them again
        for report_year in sorted({year} | _report_years(previous, slug)):
            report = f"{LOGS}/{slug}-report-{report_year}.html"
            if (everything or slug in changed.networks
                    or not _kept(publication, part, previous, [report])):
                charts[report] = _report(registry, publication, part, report, slug, report_year,
                                         drawn.get(report) if changed is not None else None)
            elif report in drawn:
                charts[report] = drawn[report]
    name = f"{LOGS}/changes.csv"
    size = state.get("changes_size") if changed is not None else None
    if changed is None or not changed.none or not _kept(publication, part, previous, [name]):
        size = _change_log(registry, publication, part, name, slugs, changed, state, name in previous)
    number, at = last_change(registry)
    publication.set_state(part, {"signature": signature, "change": number, "change_at": at,
                                 **({"changes_size": size} if isinstance(size, int) else {}),
                                 **({"charts": charts} if charts else {})})


def _log(registry: Registry, publication: Publication, part: str, name: str, network, format_name: str,
         signature: str, changed, published: bool) -> None:
    """Write ``network``'s activity log ``name`` in ``format_name``.

    A log of many rows (:data:`peerlearn.publishing.rows.SPLICE_ROWS`) keeps
    where each row is; after changes to a few of its activities (``changed``,
    None where anything may have moved), only their rows are rendered and
    the others are copied from the file (:mod:`peerlearn.publishing.rows`).
    """
    from ..feeds.splice import flush
    from ..reports import activity_log
    from ..reports.exports import export, exporter_for
    from . import rows as log_rows

    context = {"columns": activity_log.COLUMNS, "display_columns": activity_log.display_columns(),
               "title": activity_log.title(network.name, None, None), "empty": "No activities yet.",
               "network": network}

    def write(records, out) -> None:
        export("activity-log", format_name, records, out, **context)

    target = publication.path(name)
    if not log_rows.streams(exporter_for("activity-log", format_name).write):
        with publication.open(part, name) as out:
            write(activity_log.rows(registry, network.slug), out)
        log_rows.forget(target)
        return
    source = log_rows.source_of(signature, format_name)
    old = None
    if changed is not None and published:
        old = log_rows.read(target, source)
    ids = sorted(changed.activities) if changed is not None else []
    if old is not None and len(ids) > max(len(old.ids) // 4, 8):
        old = None  # most rows moved: as well written whole
    counts = publication.counts.get(part)
    written = counts.written if counts else 0
    with publication.open(part, name) as out:
        rows = None
        if old is not None:
            records, starts = [], {}
            for chunk in chunks(ids):
                records += activity_log.rows(registry, network.slug, ids=chunk)
            starts.update(registry.select_in("SELECT id, start_utc FROM activities WHERE id IN ({ids})", ids))
            rows = log_rows.write_spliced(out, target, old, write, records, set(ids), starts)
        if rows is None:
            starts = dict(registry.conn.execute("SELECT id, start_utc FROM activities WHERE network = ?",
                                                [network.slug]))
            rows = log_rows.write_whole(out, target, write, activity_log.rows(registry, network.slug), starts)
        flush(out, target)
        status = os.fstat(out.fileno())
    if publication.counts[part].written == written:  # its bytes were already there: the file stays
        status = os.stat(target)
    if rows is None:
        log_rows.forget(target)
    else:
        log_rows.keep(target, source, status, rows)


def _report(registry: Registry, publication: Publication, part: str, name: str, slug: str, year: int,
            before: object) -> dict:
    """Write the yearly report ``name``; return where its charts are in it, for the next publication.

    A chart is drawn by matplotlib (half a second to load it). Where the
    last publication wrote this report (still of the size it left,
    ``before``) with a chart drawn from the same figures
    (:func:`peerlearn.reports.charts.key`), that chart's SVG is read back
    from the file instead: the page has the same bytes as if it were drawn.
    """
    from ..reports import charts as drawing
    from ..reports import yearly
    from ..reports.exports import export, exporter_for

    report = yearly.build(registry, slug, year)
    write = exporter_for("report", "html").write
    if (getattr(write, "__module__", ""), getattr(write, "__qualname__", "")) != \
            ("peerlearn.reports.yearly_formats", "write_html"):  # a plugin's format: it draws its own way
        with publication.open(part, name) as out:
            export("report", "html", report, out)
        return {}
    found: dict[str, str] = {}
    target = publication.path(name)
    if isinstance(before, dict) and isinstance(before.get("charts"), dict):
        try:
            if os.lstat(target).st_size == before.get("size"):
                with open(target, "rb") as old:
                    for chart in drawing.drawn(report):
                        kept = before["charts"].get(chart)
                        if isinstance(kept, list) and len(kept) == 3 and kept[0] == drawing.key(report, chart):
                            old.seek(kept[1])
                            text = old.read(kept[2]).decode("utf-8")
                            if text.startswith("<svg ") and text.endswith("</svg>"):
                                found[chart] = text
        except (OSError, TypeError, ValueError, UnicodeDecodeError):
            found.clear()
    buffer = io.StringIO()
    export("report", "html", report, buffer, charts=found)
    page = buffer.getvalue()
    with publication.open(part, name) as out:
        out.write(page)
    places = {}
    for chart, svg in found.items():
        at = page.find(svg)
        if at >= 0:
            places[chart] = [drawing.key(report, chart), len(page[:at].encode("utf-8")), len(svg.encode("utf-8"))]
    return {"size": len(page.encode("utf-8")), "charts": places}


def _change_log(registry: Registry, publication: Publication, part: str, name: str, slugs: list[str],
                changed, state: dict, published: bool) -> int | None:
    """Write the change log (csv) for ``slugs``; return its size in bytes.

    The change log is append-only and each of its rows is written on its own,
    so where the file holds what the last publication wrote (its size says
    so) and the core's CSV writes it, only the rows of the changes since are
    written after a copy of its bytes: the same bytes as written afresh.
    """
    from ..atomic.files import copy_range
    from ..feeds.splice import flush
    from ..reports import changes as change_log
    from ..reports.exports import export, exporter_for

    chosen = set(slugs) if publication.networks else None
    target = publication.path(name)
    since = state.get("change") if changed is not None and not changed.other & {"registry"} else None
    old_size = state.get("changes_size")
    write = exporter_for("change-log", "csv").write
    streamed = (getattr(write, "__module__", ""), getattr(write, "__qualname__", "")) == \
        ("peerlearn.default_plugins.formats", "write_csv")  # one row at a time: appending gives the same bytes
    try:
        appending = (streamed and isinstance(since, int) and isinstance(old_size, int)
                     and published and os.lstat(target).st_size == old_size)
    except OSError:
        appending = False

    def rows(after: int | None):
        return (row for row in change_log.export_rows(registry, after=after) if chosen is None or row.network in chosen)

    def render(records) -> str:
        buffer = io.StringIO()
        export("change-log", "csv", records, buffer, columns=change_log.COLUMNS, title="Change log",
               empty="No changes yet.")
        return buffer.getvalue()

    with publication.open(part, name) as out:
        if appending:
            heading, text = render(()), render(rows(since))
            appending = text.startswith(heading)
        if appending:
            flush(out, target)
            try:
                with open(target, "rb") as old:
                    copy_range(old.fileno(), out.fileno(), 0, old_size)
            except OSError as error:  # (a full disk): named as the publication names its own
                raise write_error(target, error) from None
            out.write(text[len(heading):])
        else:
            export("change-log", "csv", rows(None), out, columns=change_log.COLUMNS, title="Change log",
                   empty="No changes yet.")  # (as render() does, streamed)
        flush(out, target)
        return os.fstat(out.fileno()).st_size


def _kept(publication: Publication, part: str, previous: set[str], names: list[str]) -> bool:
    """Keep ``names`` as the last publication left them, where it wrote them all and they are all there."""
    return all(name in previous for name in names) and not publication.keep_many(part, names)


def _report_years(names: set[str], slug: str) -> set[int]:
    """The years of ``slug``'s reports among ``names`` (``logs/<slug>-report-<year>.html``)."""
    prefix, suffix = f"{LOGS}/{slug}-report-", ".html"
    found = set()
    for name in names:
        middle = name[len(prefix):-len(suffix)] if name.startswith(prefix) and name.endswith(suffix) else ""
        if len(middle) == 4 and is_number(middle):
            found.add(int(middle))
    return found


def _signature(slugs: list[str]) -> str:
    """What the logs are made with besides the registry: the networks, peerlearn and its plugins."""
    described = [(info.name, info.version) for info in plugins.describe()]
    text = json.dumps([__version__, slugs, described], default=str)
    return hashlib.sha256(text.encode()).hexdigest()
