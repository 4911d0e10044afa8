"""What every page and Markdown file peerlearn writes shares: its templates and its escaping.

HTML is written by Jinja2 from ``peerlearn/reports/templates/`` with
autoescaping on, every value shown with any control character (in a row
stored before they were refused) replaced; Markdown escapes what would
become markup and keeps each cell on one line.
"""

from __future__ import annotations

import re
from typing import Any, Callable

#: what Markdown would take as markup, each escaped with a backslash
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]<>|#]")
_plain_text: Callable[[Any], str] | None = None


def markdown_text(text: str) -> str:
    """Text for a Markdown table cell: markup characters escaped, on one line.

    Called for every cell of a log (half a million in a log of 50,000
    activities): the common cell, with nothing to escape, is looked at once
    by a regular expression and returned as it is.
    """
    global _plain_text
    if _plain_text is None:
        from ..reports.exports import plain_text  # not at import: loading the plugins must stay light

        _plain_text = plain_text
    line = _plain_text(text)
    if _MARKDOWN_SPECIAL.search(line) is None:
        return line
    return _MARKDOWN_SPECIAL.sub(_escaped, line)


def _escaped(found: re.Match) -> str:
    return "\\" + found.group()


_environment = None


def templates():
    """The Jinja2 environment for peerlearn's HTML templates (autoescape always on).

    The compiled templates are kept in Jinja2's bytecode cache (a folder of
    the user's own in the system's temporary folder, checked against each
    template's source): a command that writes one small page (a publication
    after one change) would otherwise spend most of its time compiling them.
    """
    global _environment
    if _environment is None:
        import jinja2

        _environment = jinja2.Environment(
            loader=jinja2.PackageLoader("peerlearn.reports", "templates"),
            bytecode_cache=jinja2.FileSystemBytecodeCache(),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=_shown,
        )
    return _environment


def _shown(value: Any) -> Any:
    """A value as a page shows it: control characters replaced (see :func:`peerlearn.text.clean`)."""
    from markupsafe import Markup

    from ..text import clean

    if isinstance(value, Markup):
        return Markup(clean(str(value)))
    return clean(value) if isinstance(value, str) else value
