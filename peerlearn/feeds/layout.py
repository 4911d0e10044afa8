"""Where feeds live: the one URL layout of the static build, the server, the index and the pages.

Each feed has one path, the same in a published folder, under ``peerlearn
serve`` and in every link to it::

    networks/<slug>.ics      a network's activities (public)
    activities/<id>.ics      an activity and its sessions (public)
    members/<token>.ics      a member's activities and sessions (private: the path is its secret token)

Its URL is that path under a base URL (``https://feeds.example.org``); its
``webcal://`` form is the same URL with that scheme, which calendar
applications open as a subscription.
"""

from __future__ import annotations

import re

from .. import urls
from ..errors import ValidationError

#: The folder of each scope's feeds.
FOLDERS = {"network": "networks", "activity": "activities", "member": "members"}
#: The scope of each folder.
SCOPES = {folder: scope for scope, folder in FOLDERS.items()}
#: What names a feed within its folder: a slug, an activity's number or a member's token.
KEY = r"[A-Za-z0-9_-]{1,100}"
_PATH = re.compile(rf"^/?({'|'.join(FOLDERS.values())})/({KEY})\.ics$")
_MEMBER = re.compile(rf"^(/?{FOLDERS['member']}/)({KEY})")


def feed_path(scope: str, key: str | int) -> str:
    """The path of a feed relative to where feeds are published: ``networks/nordic.ics``."""
    return f"{FOLDERS[scope]}/{key}.ics"


def parse_feed_path(path: str) -> tuple[str, str] | None:
    """The scope and key a path names (``networks/nordic.ics`` or ``/networks/nordic.ics``), or None for any other."""
    match = _PATH.match(path)
    return (SCOPES[match.group(1)], match.group(2)) if match else None


def redact(path: str) -> str:
    """``path`` as it may be shown or logged: a member's token cut to its first 4 characters."""
    return _MEMBER.sub(lambda match: f"{match.group(1)}{match.group(2)[:4]}...", path)


def check_base_url(base_url: str, field: str = "base_url") -> str:
    """An http(s) URL with a host and no query or fragment, without its trailing slash; else ValidationError.

    ``field`` names the value in the error (the CLI shows its option instead). It is a web link as
    :func:`peerlearn.urls.base_problem` has it: no space or control character (which would break the pages and
    feeds it is written into), and a host that parses (``https://[::1`` is refused here, not met later).
    """
    wrong = urls.base_problem(base_url or "")
    if wrong:
        raise ValidationError(f"{base_url!r} is not an http(s) URL such as https://feeds.example.org: {wrong}",
                              field=field)
    return base_url.rstrip("/")


def feed_url(base_url: str, scope: str, key: str | int) -> str:
    """A feed's URL under ``base_url`` (checked with :func:`check_base_url`)."""
    return f"{check_base_url(base_url)}/{feed_path(scope, key)}"


def webcal(url: str) -> str:
    """The ``webcal://`` form of an http(s) URL (calendar apps open it as a subscription)."""
    return "webcal://" + url.split("://", 1)[1]
