"""The Atom feed (RFC 4287) announcing each release of an activity's programme, with its changes.

One entry per released version, newest first: its name, when it was
released, how many changes of each kind, and the changes themselves (as
HTML in ``content``), linking to the version's "what changed" page. The
entry ids are ``urn:uuid:`` UUIDs derived from the activity's UID and the
version's number, so a feed reader never shows a release twice; the feed's
``updated`` is the latest release's time (or, before the first, the
activity's creation), so an unchanged feed is byte for byte the same.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import attrs

from . import guids, versions

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Activity, Network
    from ..registry.store import Registry
    from . import diff

ATOM = "http://www.w3.org/2005/Atom"


@attrs.frozen
class Release:
    """A released version with the changes since the one before."""

    version: versions.Version
    changes: diff.Diff


def all_releases(registry: "Registry", activity: "Activity") -> list[Release]:
    """Every release of ``activity``, oldest first, each with what changed since the one before."""
    found, before = [], None
    released = versions.list_versions(registry, activity.id)
    if released:
        from . import diff  # here: most activities have no release, and a site rebuild renders few
    for version in released:
        programme = versions.load(registry, activity, version.number)
        found.append(Release(version, diff.compare(before, programme)))
        before = programme
    return found


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(activity: "Activity", what: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{guids.PREFIX}{activity.uid}/releases{what}"))


def summary(changes: diff.Diff) -> str:
    """``3 change(s): 1 added, 1 cancelled, 1 change(s) to people`` (or ``no changes``)."""
    if not changes:
        return "no changes"
    return f"{len(changes.lines)} change(s): " + ", ".join(
        f"{count} change(s) to people" if what == "people" else f"{count} {what}"
        for what, count in changes.counts.items())


def feed(registry: "Registry", activity: "Activity", network: "Network | None", *, page: str,
         version_page, self_url: str | None = None, releases: list[Release] | None = None) -> bytes:
    """The release feed of ``activity`` as Atom XML.

    ``page`` links the activity's page and ``version_page(number)`` a
    version's page, relative to the feed or absolute; ``self_url`` is the
    feed's own address, where it is known. A caller that has the
    activity's :func:`releases` already passes them.
    """
    import xml.etree.ElementTree as ET  # not at import: a page showing the releases needs no XML

    found = releases if releases is not None else all_releases(registry, activity)
    created = registry.one("SELECT created_at FROM activities WHERE id = ?", [activity.id])["created_at"]
    updated = found[-1].version.released_at if found else dt.datetime.fromisoformat(created)
    root = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(root, "id").text = _id(activity, "")
    ET.SubElement(root, "title").text = f"Programme releases: {activity.title}"
    ET.SubElement(root, "subtitle").text = "Each released version of the programme, with what changed."
    ET.SubElement(root, "updated").text = _stamp(updated)
    ET.SubElement(ET.SubElement(root, "author"), "name").text = (network.name if network else activity.network)
    ET.SubElement(root, "link", rel="alternate", type="text/html", href=page)
    if self_url:
        ET.SubElement(root, "link", rel="self", type="application/atom+xml", href=self_url)
    ET.SubElement(root, "generator", uri="https://pypi.org/project/peerlearn/").text = "peerlearn"
    if found:
        import html  # (only for releases' changes)
    for release in reversed(found):
        version, changes = release.version, release.changes
        entry = ET.SubElement(root, "entry")
        ET.SubElement(entry, "id").text = _id(activity, f"/{version.number}")
        ET.SubElement(entry, "title").text = f"Programme {version.name} released"
        ET.SubElement(entry, "published").text = _stamp(version.released_at)
        ET.SubElement(entry, "updated").text = _stamp(version.released_at)
        ET.SubElement(entry, "link", rel="alternate", type="text/html", href=version_page(version.number))
        ET.SubElement(entry, "summary").text = f"{activity.title}, {version.name}: {summary(changes)}"
        items = "".join(f"<li>{html.escape(line)}</li>" for line in changes.lines)
        ET.SubElement(entry, "content", type="html").text = \
            f"<p>{html.escape(summary(changes))} since {html.escape(changes.source)}.</p><ul>{items}</ul>"
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
