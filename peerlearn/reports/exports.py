"""Exporting through the formats plugins register, and the shape of a table.

Tabular exports (the activity log, the change log) hand every exporter the
same things: ``records``, an iterable of records (:class:`Record`) read once and
streamed (``peerlearn.LogRow``, ``peerlearn.ChangeRow``: attrs classes whose
fields are the columns' names), and the context ``title`` (a heading),
``columns`` (a list of :class:`Column`) and ``empty`` (what to say when there
are no rows). A record's values are plain JSON data (text, numbers, lists,
dicts) so that a structured format such as JSON Lines keeps them whole; a
flat format (CSV, Markdown, HTML) shows each value as
``column.text(column.value(record))``.

An export may also give ``display_columns``: the same records as people
read them, with labels instead of slugs (``Peer review``, not
``peer_review``), one status column, countries by name beside their code.
The formats meant for reading (HTML, Markdown) use them when they are given;
the data formats (CSV, JSON Lines) keep ``columns``, whose names and values
stay stable for the programs that read them.

The yearly report hands its exporters a single :class:`peerlearn.reports.yearly.Report`.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, Callable, TextIO

import attrs

from .. import plugins
from ..errors import ValidationError

#: What each kind of export is called in messages.
KIND_LABELS = {"activity-log": "the activity log", "change-log": "the change log", "report": "the report"}


def plain_text(value: Any) -> str:
    """One line of text for a value: lists joined by ``; ``, dicts as ``key value`` pairs.

    Runs of whitespace become one space; a control character (in a row
    stored before they were refused) is written as an escape, ``\\x1b``.
    """
    kind = type(value)
    if kind is str:
        if value.isprintable() and "  " not in value:
            return value
        from ..text import escape_controls

        return escape_controls(" ".join(value.split()))
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is bool:
        return "yes" if value else "no"
    if kind is dict:
        return "; ".join([f"{key} {plain_text(item)}" for key, item in value.items()])
    if kind is list or kind is tuple:
        return "; ".join([plain_text(item) for item in value])
    return plain_text(str(value))


class Record:
    """A row of a tabular export: an attrs record that also reads as the mapping formats were first written for.

    ``record.title``, ``record["title"]`` and ``record.get("title")`` are
    the same value; ``record.keys()`` are its fields, in the columns' order.
    """

    __slots__ = ()

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name, default)

    def keys(self) -> list[str]:
        return [field.name for field in attrs.fields(type(self))]


@attrs.frozen
class Column:
    """One column of a tabular export: its key in each record, its heading, how it reads as text.

    ``style`` tells a page how to lay the cell out: ``date`` and ``number``
    cells never wrap. ``get`` reads the value from the whole record, for a
    column that combines several fields (default: the record's ``name``).
    """

    #: the record's field it shows (the JSON Lines key)
    name: str
    #: its heading for people (default: ``name``)
    label: str = ""
    #: turns a value into one line of text, for the flat formats
    text: Callable[[Any], str] = attrs.field(default=plain_text, repr=False)
    #: how a page lays out its cells: ``date``, ``number``, ``long`` or empty
    style: str = ""
    #: reads the value from the whole record, for a column that combines fields (default: the field ``name``)
    get: Callable[[Record], Any] | None = attrs.field(default=None, repr=False)

    @property
    def heading(self) -> str:
        return self.label or self.name

    def value(self, record: Record) -> Any:
        """This column's value in ``record``."""
        return self.get(record) if self.get is not None else record.get(self.name)


def exporter_for(kind: str, name: str):
    """The exporter called ``name`` for ``kind``; an unknown name lists the available ones."""
    available = plugins.exporters(kind)
    if name not in available:
        what = KIND_LABELS.get(kind, kind)
        offered = ", ".join(available) or "none"
        raise ValidationError(f"unknown format {name!r} for {what} (available: {offered})", field="format")
    return available[name]


def format_for(kind: str, name: str | None, path: str | None, default: str | None = None) -> str | None:
    """The format to write: ``name`` where given, else the one whose ``Exporter.extension`` the file ``path``
    has (``log.html`` → ``html``), else ``default``."""
    if name:
        return name
    suffix = PurePath(path or "").suffix.lower().lstrip(".")
    if suffix:
        for found, exporter in plugins.exporters(kind).items():
            if exporter.extension.lower().lstrip(".") == suffix:
                return found
    return default


def export(kind: str, name: str, records: Any, out: TextIO, **context: Any) -> None:
    """Write ``records`` to ``out`` with the exporter ``name`` for ``kind``.

    An exporter that raises is blamed by name, as a hook that raises is.
    """
    from ..errors import PeerlearnError, PluginError

    exporter = exporter_for(kind, name)
    try:
        exporter.write(records, out, **context)
    except (PeerlearnError, BrokenPipeError):
        raise  # a closed pipe is the reader's doing, not the format's
    except plugins.PLUGIN_FAULTS as error:  # noqa: BLE001 - blame the format, not the core
        raise PluginError(getattr(exporter.write, "__module__", "?"), "peerlearn_exporters",
                          f"format {name!r} for {kind} raised {type(error).__name__}: {error}") from error
