"""Where the site's pages and the calendar feeds live, and the links between them.

Pages: ``index.html``, ``networks/<slug>.html``, ``activities/<id>.html``
and ``site.css``; beside each activity's page, ``activities/<id>/`` holds its
``schedule.xml``, ``schedule.json``, ``releases.atom`` and a page per released
version (``versions/<number>.html``). Feeds follow peerlearn's one layout of
feeds (``peerlearn.feed_path``): ``<feeds>/networks/<slug>.ics`` and
``<feeds>/activities/<id>.ics``, where ``<feeds>`` is a folder beside the
pages (``feeds`` by default) or an absolute URL. A webcal:// link needs an
absolute URL, so it is given only when the feeds' address is known (a base
URL, or absolute feeds).
"""

from __future__ import annotations

import re
from collections import namedtuple

_ABSOLUTE = re.compile(r"^https?://", re.IGNORECASE)
#: A folder beside the pages, as it is written into their links: plain names, no scheme, quote or space.
_FOLDER = re.compile(r"^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$")


def network_page(slug: str) -> str:
    return f"networks/{slug}.html"


def activity_page(activity_id: int) -> str:
    return f"activities/{activity_id}.html"


def activity_file(activity_id: int, name: str) -> str:
    """A file beside an activity's page: ``schedule.xml``, ``schedule.json``, ``releases.atom``."""
    return f"activities/{activity_id}/{name}"


def version_page(activity_id: int, number: int) -> str:
    """The "what changed" page of a released version of an activity's programme."""
    return f"activities/{activity_id}/versions/{number}.html"


#: The links to one calendar feed: ``https`` and ``webcal`` (None where the feeds' address is not known).
Subscribe = namedtuple("Subscribe", "https webcal")


class Links:
    """Builds links from a page at ``depth`` folders below the site's root."""

    __slots__ = ("base_url", "feeds")

    def __init__(self, base_url: str | None = None, feeds: str = "feeds") -> None:
        from peerlearn import ValidationError, check_base_url

        self.base_url = base_url.rstrip("/") if base_url else None
        self.feeds = (feeds or "feeds").rstrip("/")
        if self.base_url:
            check_base_url(self.base_url, field="base_url")
        if _ABSOLUTE.match(self.feeds) or ":" in self.feeds:  # a scheme: javascript:… is no folder
            check_base_url(self.feeds, field="feeds")
        elif not _FOLDER.match(self.feeds) or ".." in self.feeds.split("/"):
            raise ValidationError(f"{self.feeds!r} must be a folder beside the pages (like feeds)"
                                  " or an absolute https:// URL", field="feeds")

    def page(self, target: str, depth: int) -> str:
        """A link to another page of the site, relative to a page ``depth`` folders down."""
        return "../" * depth + target

    def feed(self, scope: str, key: str | int, depth: int) -> Subscribe:
        """The links to a feed: ``scope`` is ``network`` or ``activity``."""
        from peerlearn import feed_path, feed_url
        from peerlearn import webcal_url as webcal

        if _ABSOLUTE.match(self.feeds):
            url = feed_url(self.feeds, scope, key)
        elif self.base_url:
            url = feed_url(f"{self.base_url}/{self.feeds}", scope, key)
        else:
            return Subscribe("../" * depth + f"{self.feeds}/{feed_path(scope, key)}", None)
        return Subscribe(url, webcal(url))

    def canonical(self, target: str) -> str | None:
        return f"{self.base_url}/{target}" if self.base_url else None
