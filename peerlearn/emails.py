"""What counts as an email address where people type one.

One plain address, ``name@example.org``: no display name, no comment, no
space, one ``@``, a domain of letters, digits and hyphens between dots
(``localhost`` too, for a server of one's own). It is what an SMTP server
accepts as a recipient and what peerlearn can send notices to, so an
address that passes here is not refused later for its form.
"""

from __future__ import annotations

import re

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def is_email_address(text: str) -> bool:
    """Whether ``text`` is one plain email address (ASCII, ``local@domain``, at most 254 characters)."""
    if not text or len(text) > 254 or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    labels = domain.split(".")
    return (len(local) <= 64 and bool(_LOCAL.match(local))
            and all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit())
