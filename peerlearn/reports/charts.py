"""The yearly report's charts, drawn by matplotlib as SVG to embed inline.

matplotlib is imported only when a chart is drawn (never by ``peerlearn
--help`` or the other commands), with the Agg backend so that no display is
needed. The SVG is made reproducible: a fixed hash salt, no creation date
or metadata, text kept as text. The XML prologue and the DOCTYPE (which
names an outside DTD) are dropped, so the SVG sits in an HTML page that
refers to nothing outside itself.

Two charts share one page, and matplotlib names the elements of every
figure alike (``figure_1``, ``axes_1``, ``patch_1``…), so each chart's ids,
and every reference to them, are prefixed with the chart's own name: an
HTML page may hold an id only once. The chart is one image to assistive
technology (``role="img"`` and a label); its figures are in the table beside it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import re
from html import escape
from typing import Any, Iterator

from ..countries import country_label
from .yearly import Report, month_label

#: Colour-blind-safe palette (Okabe & Ito), one colour per kind of activity.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
#: An id, or a reference to one: id="x", url(#x), href="#x" (xlink:href too).
_IDS = re.compile(r'(\bid=")([^"]+)(")|(url\(#)([^)]+)(\))|(href="#)([^"]+)(")')
#: The charts of a report, by name: what draws each.
CHARTS = ("months", "countries")
#: Countries the attendance chart shows, the largest first.
COUNTRIES_SHOWN = 30


def drawn(report: Report) -> list[str]:
    """The charts ``report``'s page holds."""
    if report.empty:
        return []
    return ["months", "countries"] if report.by_country else ["months"]


def key(report: Report, name: str) -> str:
    """A digest of everything chart ``name`` of ``report`` is drawn from: where it is the same, the SVG is too.

    Drawing a chart costs matplotlib (half a second to load it); a
    publication keeps the charts it drew with this key and, where nothing
    they show has changed, puts the same SVG in the page without drawing.
    """
    if name == "months":
        from .labels import kind_labels

        label = kind_labels()
        data = [[kind, label(kind)] for kind in report.kinds], \
            [[month_label(month), [counts.get(kind, 0) for kind in report.kinds]] for month, counts in report.by_month]
    else:
        data = [[row.country, country_label(row.country), row.attended] for row in report.by_country[:COUNTRIES_SHOWN]]
    return hashlib.sha256(json.dumps([name, report.year, data, _drawing()], default=str).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _drawing() -> list[str]:
    """What draws the charts: this module's code and matplotlib's version."""
    from pathlib import Path

    from ..installed import installed_version

    return [hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), installed_version("matplotlib")]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot

    return pyplot


@contextlib.contextmanager
def _plain_text() -> Iterator[Any]:
    """pyplot, drawing every text as it is written: matplotlib would read what lies between two ``$`` of a
    label (a kind's, a country's) as mathematics, and fail on a lone ``$$``."""
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False}):
        yield _pyplot()


def _svg(figure, name: str, label: str) -> str:
    """The figure as SVG for an HTML page: ids prefixed with ``name``, one image labelled ``label``."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"peerlearn-{name}", "svg.fonttype": "none",
                                "svg.image_inline": True}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                                       "Type": None}, bbox_inches="tight")
    _pyplot().close(figure)
    text = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    text = _METADATA.sub("", text, count=1).strip()
    text = prefix_ids(text, f"chart-{name}-")
    return text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def prefix_ids(svg: str, prefix: str) -> str:
    """``svg`` with every element id and every reference to one (``url(#…)``, ``href="#…"``) prefixed."""
    def rename(match: re.Match) -> str:
        groups = match.groups()
        for start in (0, 3, 6):
            if groups[start] is not None:
                return groups[start] + prefix + groups[start + 1] + groups[start + 2]
        return match.group(0)  # pragma: no cover - the pattern has three alternatives

    return _IDS.sub(rename, svg)


def _style(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_axisbelow(True)


def activities_by_month(report: Report) -> str:
    """A stacked bar chart of activities per month, one colour per kind; SVG text."""
    with _plain_text() as pyplot:
        figure, axes = pyplot.subplots(figsize=(8, 3.6), dpi=100)
        from .labels import kind_labels

        kind_label = kind_labels()
        labels = [month_label(month) for month, _ in report.by_month]
        bottoms = [0] * len(labels)
        for index, kind in enumerate(report.kinds):
            heights = [counts.get(kind, 0) for _, counts in report.by_month]
            axes.bar(labels, heights, bottom=bottoms, label=kind_label(kind),
                     color=PALETTE[index % len(PALETTE)], width=0.7)
            bottoms = [b + h for b, h in zip(bottoms, heights)]
        axes.set_ylabel("activities")
        axes.set_title(f"Activities per month, {report.year}", loc="left", fontsize=11)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.grid(axis="y", color="#e1e4e8")
        _style(axes)
        if report.kinds:
            axes.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(figure, "months", f"Bar chart: activities per month by kind, {report.year}."
                                      " The table below gives the figures.")


def participants_by_country(report: Report, limit: int = COUNTRIES_SHOWN) -> str:
    """A horizontal bar chart of attendance by country (the ``limit`` largest); SVG text."""
    with _plain_text() as pyplot:
        rows = report.by_country[:limit]
        figure, axes = pyplot.subplots(figsize=(8, max(1.6, 0.28 * len(rows) + 0.9)), dpi=100)
        countries = [country_label(row.country) for row in reversed(rows)]
        values = [row.attended for row in reversed(rows)]
        bars = axes.barh(countries, values, color=PALETTE[0], height=0.65)
        axes.bar_label(bars, padding=3, fontsize=8)
        axes.set_xlabel("participants who attended")
        axes.set_title(f"Participants by country, {report.year}", loc="left", fontsize=11)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.grid(axis="x", color="#e1e4e8")
        _style(axes)
        return _svg(figure, "countries", f"Bar chart: participants who attended by country, {report.year}."
                                         " The table below gives the figures.")
