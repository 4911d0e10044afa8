"""The core's export formats, registered as a default plugin through ``peerlearn_exporters``.

CSV, JSON Lines, Markdown and HTML for the tabular exports (the activity log
and the change log; see :mod:`peerlearn.reports.exports` for what they receive), and
Markdown and HTML for the yearly report (:mod:`peerlearn.reports.yearly_formats`).
Every writer streams: it reads each record once and keeps none, so a log of
any length takes the same memory. The same records always give the same
bytes.

Safety: a CSV cell that a spreadsheet would run as a formula (it begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with an
apostrophe; HTML is written by Jinja2 with autoescaping on, so text from the
registry is always shown as text, with any control character (in a row stored
before they were refused) replaced, under a Content-Security-Policy that lets
the page run no script and fetch nothing; Markdown escapes what would become
markup. Every flat format shows text through :func:`peerlearn.reports.exports.plain_text`,
which writes control characters as escapes (``\\x1b``).
"""

from __future__ import annotations

from typing import Any, Iterable, TextIO

from ..hookmarks import hookimpl

#: What a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TABLE_KINDS = ("activity-log", "change-log")
#: Separates a row's cells while they are escaped together (removed from the cells first).
_CELL = "\x1f"


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: numbers as they are, risky text behind ``'``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(records: Iterable[Any], out: TextIO, *, columns, **context: Any) -> None:
    """CSV with a header row; lists and dicts as text; formulas neutralised."""
    import csv  # here: every command loads this plugin, few write CSV

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(column.heading) for column in columns])
    for record in records:
        writer.writerow([_csv_value(column.text, column.value(record)) for column in columns])


def _csv_value(text, value: Any) -> Any:
    if type(value) is int:
        return value
    value = text(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_jsonl(records: Iterable[Any], out: TextIO, *, columns, **context: Any) -> None:
    """One JSON object a line, keys in column order, lists and dicts kept whole (control characters escaped)."""
    import json

    from ..text import json_safe

    for record in records:
        line = {column.name: record.get(column.name) for column in columns}
        out.write(json_safe(json.dumps(line, ensure_ascii=False, separators=(", ", ": "))) + "\n")


def write_markdown(records: Iterable[Any], out: TextIO, *, columns, title: str = "", empty: str = "",
                   display_columns=None, **context: Any) -> None:
    """A Markdown (GitHub-flavoured) table under a heading, in the display columns when given."""
    from ..reports.rendering import markdown_text

    columns = display_columns or columns
    if title:
        out.write(f"# {markdown_text(title)}\n\n")
    out.write("| " + " | ".join(markdown_text(column.heading) for column in columns) + " |\n")
    out.write("|" + "|".join(" --- " for _ in columns) + "|\n")
    count = 0
    for record in records:
        cells = (markdown_text(column.text(column.value(record))) for column in columns)
        out.write("| " + " | ".join(cells) + " |\n")
        count += 1
    if not count and empty:
        out.write(f"\n{markdown_text(empty)}\n")


def write_html(records: Iterable[Any], out: TextIO, *, columns, title: str = "", empty: str = "",
               display_columns=None, **context: Any) -> None:
    """A standalone HTML page holding the table (no scripts, no outside resources), in the display columns.

    Jinja2 writes the page with autoescaping. A row's cells are escaped by
    markupsafe (the escaper autoescaping uses) in one call per row, joined
    by a separator that cannot survive in a cell; that keeps a log of
    50,000 rows fast. How each column is laid out (dates that never wrap,
    the heading shown beside each value when a narrow screen lays a row out
    as a block) is said once, in the page's style, by the column's position,
    rather than on each of its cells.
    """
    from markupsafe import Markup, escape

    from ..reports.rendering import templates

    columns = display_columns or columns

    def row(record: Any) -> Markup:
        cells = _CELL.join([column.text(column.value(record)).replace(_CELL, " ") for column in columns])
        return Markup("<td>" + str(escape(cells)).replace(_CELL, "</td><td>") + "</td>")

    rows = ({"cells": row(record), "state": record.get("state", "")} for record in records)
    template = templates().get_template("table.html.j2")
    for chunk in template.generate(title=title, columns=columns, rows=rows, empty=empty,
                                   column_style=Markup(column_style(columns))):
        out.write(chunk)


#: How a page lays out a column's cells, by the column's ``style``.
_CELL_STYLES = {"date": "white-space: nowrap;", "number": "white-space: nowrap; text-align: right;",
                "long": "min-width: 8rem; overflow-wrap: anywhere;"}


def column_style(columns) -> str:
    """CSS for a records table's columns, by position: their layout, and the label a narrow screen shows."""
    rules, labels = [], []
    for index, column in enumerate(columns, 1):
        cell = f"table.records td:nth-child({index})"
        if column.style in _CELL_STYLES:
            rules.append(f"{cell} {{ {_CELL_STYLES[column.style]} }}")
            labels.append(f"  {cell} {{ text-align: left; min-width: 0; }}")
        labels.append(f"  {cell}::before {{ content: {css_string(column.heading + ': ')}; font-weight: 600; }}")
    labels.append("  table.records td.empty::before { content: none; }")
    return "\n".join([*rules, "@media (max-width: 40rem) {", *labels, "}"]) + "\n"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end its quotes or the ``<style>`` element around it."""
    escaped = "".join(char if char.isalnum() or char in " :,.()-_" else f"\\{ord(char):x} " for char in text)
    return f'"{escaped}"'


@hookimpl
def peerlearn_exporters():
    from ..models import Exporter
    from ..reports import yearly_formats

    found = []
    for kind in TABLE_KINDS:
        found += [
            Exporter("csv", kind, write_csv, "text/csv; charset=utf-8", ".csv",
                     "Comma-separated values, one row per record; safe to open in a spreadsheet."),
            Exporter("jsonl", kind, write_jsonl, "application/jsonl; charset=utf-8", ".jsonl",
                     "JSON Lines: one JSON object per record."),
            Exporter("md", kind, write_markdown, "text/markdown; charset=utf-8", ".md",
                     "A Markdown table."),
            Exporter("html", kind, write_html, "text/html; charset=utf-8", ".html",
                     "A standalone HTML page with the table."),
        ]
    found += [
        Exporter("md", "report", yearly_formats.write_markdown, "text/markdown; charset=utf-8", ".md",
                 "The yearly report in Markdown."),
        Exporter("html", "report", yearly_formats.write_html, "text/html; charset=utf-8", ".html",
                 "The yearly report as one standalone HTML file with its charts inline."),
    ]
    return found
