"""SMTP settings: where mail is handed over, and from whom it comes.

The settings are ``host``, ``port``, ``security`` (``none``, ``starttls`` or
``tls``), ``user``, ``password`` and ``from``. The command line reads them
from the environment (``PEERLEARN_SMTP_HOST``, … ``PEERLEARN_MAIL_FROM``)
and from the ``[smtp]`` table of a TOML config file (:func:`read_file`);
never from an option, so that no password shows in a process list or a
shell history.
"""

from __future__ import annotations

import ipaddress
import re
from email.utils import parseaddr
from pathlib import Path
from typing import Mapping

import attrs

from ..emails import is_email_address
from ..errors import MailError
from ..text import is_number

NAMES = ("host", "port", "security", "user", "password", "from")
SECURITIES = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
REQUIRED = ("host", "from")
#: One label of a host name: letters, digits, ``_`` and, inside it, ``-``.
_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$")


@attrs.frozen
class SmtpSettings:
    """Where and how to hand mail over, and the default sender."""

    host: str
    sender: str
    port: int = 587
    security: str = "starttls"
    user: str = ""
    password: str = attrs.field(default="", repr=False)
    timeout: float = 30.0


def missing(values: Mapping[str, str]) -> list[str]:
    """The required settings ``values`` lacks (``host``, ``from``)."""
    return [name for name in REQUIRED if not (values.get(name) or "").strip()]


def from_values(values: Mapping[str, str]) -> SmtpSettings:
    """Settings from their text values (keys as in :data:`NAMES`); raises MailError naming a wrong one."""
    absent = missing(values)
    if absent:
        raise MailError(f"SMTP settings missing: {', '.join(absent)}")
    security = (values.get("security") or "starttls").strip().lower()
    if security not in SECURITIES:
        raise MailError(f"SMTP security must be one of {', '.join(SECURITIES)}; got {security!r}")
    port_text = str(values.get("port") or "").strip()
    if port_text and not (is_number(port_text) and 0 < int(port_text) < 65536):
        raise MailError(f"SMTP port must be a number from 1 to 65535; got {port_text!r}")
    sender = values["from"].strip()
    if not is_email_address(parseaddr(sender)[1]):
        raise MailError(f"the sender {sender!r} is not an address (name@example.org or Name <name@example.org>)")
    host = values["host"].strip()
    wrong = host_problem(host)
    if wrong:
        raise MailError(f"SMTP host {host[:40]!r}{'…' if len(host) > 40 else ''} is not a host name: {wrong}",
                        field="host")
    user, password = (values.get("user") or "").strip(), values.get("password") or ""
    if password and not user:
        raise MailError("an SMTP password is set without a user")
    if user and security == "none" and not _loopback(host):
        raise MailError(f"refusing to send the SMTP password to {host} unencrypted: use security starttls or tls")
    return SmtpSettings(host=host, sender=sender, port=int(port_text) if port_text else DEFAULT_PORTS[security],
                        security=security, user=user, password=password)


def host_problem(host: str) -> str | None:
    """Why ``host`` cannot name a mail server (an IP address, or a DNS name: labels of letters, digits, ``-``
    and ``_``, each at most 63 characters, 253 in all), or None. A name in another script is checked as IDNA,
    as the connection will encode it."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        name = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return "it cannot be written as an international domain name (IDNA)"
    name = name[:-1] if name.endswith(".") else name
    if len(name) > 253:
        return f"it is {len(name)} characters long (at most 253)"
    for label in name.split("."):
        if len(label) > 63:
            return f"a part of it is {len(label)} characters long (at most 63)"
        if not _LABEL.match(label):
            return (f"part {label!r} is not letters, digits, '_' and, inside, '-'" if label
                    else "it has an empty part")
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_file(path: Path) -> tuple[dict[str, str], bool]:
    """The ``[smtp]`` table of a TOML config file as text values, and whether others may read its password."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MailError(f"cannot read {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MailError(f"{path} is not valid TOML: {error}") from None
    table = data.get("smtp", {})
    if not isinstance(table, dict):
        raise MailError(f"{path}: [smtp] must be a table")
    unknown = sorted(set(table) - set(NAMES))
    if unknown:
        raise MailError(f"{path}: unknown setting {unknown[0]!r} in [smtp] (settings: {', '.join(NAMES)})")
    values = {key: str(value) for key, value in table.items()}
    exposed = bool(values.get("password")) and bool(path.stat().st_mode & 0o077)
    return values, exposed
