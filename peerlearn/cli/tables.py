"""Plain-text tables that fit the terminal: the widest text columns are cut short with an ellipsis.

The width is ``$COLUMNS`` where set, else the terminal's when standard
output is one; output to a pipe or a file (no ``$COLUMNS``) keeps every
cell whole. ``--json`` never goes through here.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

import click

ELLIPSIS = "…"
#: Separator between columns.
GAP = "  "
#: A column is never cut to fewer display columns than this (or its heading, if longer).
NARROWEST = 6


def output_width() -> int | None:
    """How wide a line may be: ``$COLUMNS``, else the terminal's width when stdout is one, else None (no limit)."""
    import os
    import sys

    from ..text import is_number

    text = os.environ.get("COLUMNS", "").strip()
    if is_number(text) and int(text) > 0:
        return int(text)
    stream = sys.stdout
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):  # replaced by a test runner, or closed
        pass
    return None


def char_width(character: str) -> int:
    """Columns a character takes on a terminal: 0 for combining marks, 2 for wide East Asian ones, else 1."""
    if unicodedata.combining(character):
        return 0
    return 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (printable ASCII, the common case, one column a character)."""
    if text.isascii():
        return len(text)
    return sum(char_width(character) for character in text)


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns: whole, or cut short ending with ``…``."""
    if text_width(text) <= width:
        return text
    kept, used = [], 0
    for character in text:
        size = char_width(character)
        if used + size > width - 1:
            break
        kept.append(character)
        used += size
    return "".join(kept) + ELLIPSIS


def pad(text: str, width: int) -> str:
    return text + " " * (width - text_width(text))


def fit_widths(natural: dict[str, int], limit: int | None, shrink: Iterable[str]) -> dict[str, int]:
    """Column widths within ``limit``: the widest of the ``shrink`` columns are narrowed first, to a common cap.

    Columns outside ``shrink`` (numbers, dates) are narrowed only when the
    others cannot make room; none goes below :data:`NARROWEST` or its heading.
    """
    widths = dict(natural)
    if limit is None:
        return widths
    room = limit - len(GAP) * (len(widths) - 1)
    for candidates in ([c for c in widths if c in set(shrink)], list(widths)):
        if sum(widths.values()) <= room or not candidates:
            continue
        floor = {c: min(widths[c], max(NARROWEST, len(c))) for c in candidates}
        others = sum(width for c, width in widths.items() if c not in floor)
        # the largest cap at which the candidates fit (each keeps its floor)
        cap = max(widths[c] for c in candidates)
        while cap > 0 and others + sum(max(floor[c], min(widths[c], cap)) for c in candidates) > room:
            cap -= 1
        for c in candidates:
            widths[c] = max(floor[c], min(widths[c], cap))
    return widths


def render(rows: list[dict[str, str]], columns: list[str], limit: int | None,
           shrink: Iterable[str] | None = None) -> list[str]:
    """The lines of a table of ``rows`` (cells already text), its heading and rule first."""
    natural = {column: max(len(column), *(text_width(row[column]) for row in rows)) for column in columns}
    widths = fit_widths(natural, limit, columns if shrink is None else shrink)

    def line(cells: dict[str, str]) -> str:
        return GAP.join(pad(cut(cells[column], widths[column]), widths[column]) for column in columns).rstrip()

    return [line({column: column for column in columns}), GAP.join("-" * widths[column] for column in columns),
            *(line(row) for row in rows)]


def echo_lines(lines: list[str]) -> None:
    for text in lines:
        click.echo(text)
