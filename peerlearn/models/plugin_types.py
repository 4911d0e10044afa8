"""What plugins hand back through hooks besides networks: kinds of activity, problems found, export formats."""

from __future__ import annotations

from typing import Any

import attrs

from . import SEVERITIES
from .fields import _line, _lines, _not_blank, _one_of, _required_line


@attrs.frozen
class ActivityKind:
    """A kind of activity, such as ``workshop`` or ``peer_review``."""

    #: the slug activities store (``thematic_event``)
    name: str = _required_line()
    #: what pages and reports call it (``Thematic event``)
    label: str = _line()
    #: a sentence saying what it is
    description: str = _lines()
    #: the slug of the one network that runs this kind; None: any network whose own ``kinds`` allow it
    network: str | None = None


@attrs.frozen
class Problem:
    """Something a validation hook found: an ``error`` refuses the change, a ``warning`` is shown."""

    #: what is wrong, naming what is involved
    message: str
    #: ``error`` (refuses the change) or ``warning`` (shown)
    severity: str = attrs.field(default="error", validator=_one_of(SEVERITIES))


@attrs.frozen
class Exporter:
    """A named export format for one kind of export.

    ``kind`` says what it exports (``calendar``, ``activity-log``,
    ``change-log``, ``report``, …); ``write(records, out, **context)`` writes
    the records to the text stream ``out``. What ``records`` and
    ``context`` hold is documented by the module that exports that kind.
    """

    #: what users type after ``--format`` (``csv``)
    name: str = attrs.field(validator=_not_blank)
    #: what it exports: ``calendar``, ``activity-log``, ``change-log`` or ``report``
    kind: str = attrs.field(validator=_not_blank)
    #: ``write(records, out, **context)``: writes the records to the text stream ``out``
    write: Any = attrs.field(repr=False)
    #: the media type of what it writes
    media_type: str = "text/plain; charset=utf-8"
    #: the file extension of what it writes (``csv``); ``-o FILE`` with it picks this format
    extension: str = ""
    #: one line for people listing formats
    description: str = ""

    @write.validator
    def _check_write(self, attribute: attrs.Attribute, value: Any) -> None:
        if not callable(value):
            raise ValueError("an exporter's write must be callable")
