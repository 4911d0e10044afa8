"""The yearly report written as Markdown or as one standalone HTML file.

Both receive a :class:`peerlearn.reports.yearly.Report`. The HTML page carries its
style and its two charts (activities per month by kind, participants by
country) inline as SVG: it opens from a mail attachment or a USB stick with
nothing else beside it, prints cleanly, runs no script and fetches nothing.
"""

from __future__ import annotations

from typing import Any, Iterable, TextIO

from ..countries import country_label
from ..urls import web_link
from .labels import kind_labels, output_label
from .rendering import markdown_text, templates
from .yearly import Report, month_label


def _table(out: TextIO, headings: list[str], rows: Iterable[list[Any]], numeric: list[bool] | None = None) -> None:
    """A Markdown table; columns holding numbers are right-aligned.

    Where ``numeric`` says which columns hold numbers, ``rows`` are read
    once, as they come (the report's long lists); else they are looked at
    first to tell.
    """
    if numeric is None:
        rows = list(rows)
        numeric = [bool(rows) and all(isinstance(row[i], int) for row in rows) for i in range(len(headings))]
    out.write("| " + " | ".join(markdown_text(heading) for heading in headings) + " |\n")
    out.write("|" + "|".join(" ---: " if right else " --- " for right in numeric) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(markdown_text("" if cell is None else str(cell)) for cell in row) + " |\n")
    out.write("\n")


def write_markdown(report: Report, out: TextIO, **context: Any) -> None:
    """The report as Markdown: headings, short paragraphs and tables."""
    md = markdown_text
    kind, country = kind_labels(), country_label
    out.write(f"# {md(report.network_name)}: activity report {report.year}\n\n")
    if report.as_of:
        as_of = report.as_of[:16].replace("T", " ")
        out.write(f"Figures from the registry as of its last change for this network, {as_of} UTC.\n\n")
    totals = report.totals
    out.write("## Summary\n\n")
    if report.empty:
        out.write(f"No activities are recorded for {report.year}.\n\n")
        return
    out.write(f"{totals['total']} activities: {totals['completed']} completed, {totals['planned']} planned"
              f" and {totals['cancelled']} cancelled. {report.attendance['participations']} participations"
              f" were attended by {report.attendance['members']} members from"
              f" {report.attendance['countries']} countries.\n\n")
    out.write("## Activities by kind\n\n")
    _table(out, ["kind", "total", "completed", "planned", "cancelled"],
           [[kind(k.kind), k.total, k.completed, k.planned, k.cancelled] for k in report.by_kind]
           + [["all", totals["total"], totals["completed"], totals["planned"], totals["cancelled"]]])
    out.write("## Activities by month\n\nCancelled activities are not counted.\n\n")
    _table(out, ["month", *(kind(name) for name in report.kinds), "total"],
           [[month_label(month), *(counts.get(name, 0) for name in report.kinds), sum(counts.values())]
            for month, counts in report.by_month])
    out.write("## Participation by country\n\n")
    if report.by_country:
        _table(out, ["country", "attended", "members", "activities"],
               [[country(c.country), c.attended, c.members, c.activities] for c in report.by_country])
    else:
        out.write("No attendance is recorded.\n\n")
    out.write("## Hosts\n\n")
    _table(out, ["held in", "activities"],
           [[country(code) if code != "online" else code, count] for code, count in report.host_countries])
    if report.host_members:
        _table(out, ["host member", "country", "activities"],
               [[host.name, country(host.country), host.activities] for host in report.host_members])
    out.write("## Outputs\n\n")
    if report.outputs:
        _table(out, ["date", "kind", "title", "activity", "url"],
               ([o["date"], output_label(o["kind"]), o["title"], o["activity"], o["url"]] for o in report.outputs),
               numeric=[False] * 5)
    else:
        out.write("No outputs are recorded.\n\n")
    out.write("## Good practices\n\n")
    if report.good_practices:
        _table(out, ["country", "title", "themes", "description", "activity", "url"],
               ([country(p["country"]), p["title"], ", ".join(p["themes"]), p["description"], p["activity"], p["url"]]
                for p in report.good_practices), numeric=[False] * 6)
    else:
        out.write("No good practices are recorded.\n\n")
    out.write("## Cancellations\n\n")
    if report.cancellations:
        _table(out, ["date", "kind", "title", "where"],
               ([c["date"], kind(c["kind"]), c["title"], c["where"]] for c in report.cancellations), numeric=[False] * 4)
    else:
        out.write("No activity or session was cancelled.\n\n")


def write_html(report: Report, out: TextIO, *, charts: dict[str, str] | None = None, **context: Any) -> None:
    """The report as one HTML file with its two charts inline (SVG drawn by matplotlib).

    ``charts``, where given, holds SVGs already drawn for this report, by
    name (``months``, ``countries``: see :func:`peerlearn.reports.charts.key`),
    used instead of drawing them; the charts drawn are added to it.
    """
    from markupsafe import Markup

    from . import charts as drawing

    found = charts if charts is not None else {}
    draw = {"months": drawing.activities_by_month, "countries": drawing.participants_by_country}
    for name in drawing.drawn(report):
        if name not in found:
            found[name] = draw[name](report)
    chart_months = Markup(found["months"]) if "months" in drawing.drawn(report) else None
    chart_countries = Markup(found["countries"]) if "countries" in drawing.drawn(report) else None
    chunks = templates().get_template("report.html.j2").generate(
        title=f"{report.network_name}: activity report {report.year}", report=report, label=kind_labels(),
        output_label=output_label, country=country_label, web_link=web_link, month_label=month_label,
        chart_months=chart_months,
        chart_countries=chart_countries, as_of=(report.as_of or "")[:16].replace("T", " "),
    )
    for chunk in chunks:
        out.write(chunk)
