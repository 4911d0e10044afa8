"""The core's iCalendar exporter, registered through the same hook as any plugin's.

Its ``write(records, out, registry=…, url=…, warn=…)`` takes a resolved
:class:`peerlearn.feeds.selection.Feed` as ``records`` and writes the feed to the
text stream ``out`` (see ``peerlearn.feeds.blocks.write``); ``warn(message)`` is
told of each event left out because it cannot be written.
"""

from __future__ import annotations

from ..hookmarks import hookimpl


def write_calendar(records, out, *, registry, url: str = "", **context) -> int:
    from ..feeds import blocks

    return blocks.write(registry, records, out, url=url, warn=context.get("warn"))


@hookimpl
def peerlearn_exporters():
    from ..models import Exporter

    return [Exporter(name="ics", kind="calendar", write=write_calendar, media_type="text/calendar; charset=utf-8",
                     extension="ics", description="iCalendar (RFC 5545), for calendar subscriptions")]
