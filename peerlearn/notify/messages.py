"""Rendering a notice into an email: subject, plain text, HTML and one calendar part per event.

The words come from Jinja templates (``templates/``); a plugin replaces any
of them for its network through ``peerlearn_notify_templates``. A template
that fails to compile or render raises :class:`peerlearn.errors.PluginError`
naming the plugin that supplied it. The message is built with the standard
library's ``email`` package: ``multipart/mixed`` holding a
``multipart/alternative`` (text, HTML) and the iTIP parts
(``text/calendar; method=…``, :mod:`.itip`), with ``email.mime``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from email import charset as _charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..text import is_number
from . import itip
from .model import Item, Notice

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Network
    from ..registry.store import Registry
    from .outbox import Message as Queued

TEMPLATES = Path(__file__).with_name("templates")
HOOK = "peerlearn_notify_templates"
#: Subjects longer than this are cut (with an ellipsis).
SUBJECT_LENGTH = 150
_PLUGIN_PREFIX = "<plugin "
#: Text and HTML parts in quoted-printable UTF-8: readable in the raw message, safe over 7-bit SMTP.
_TEXT = _charset.Charset("utf-8")
_TEXT.body_encoding = _charset.QP
_SMTP_POLICY = compat32.clone(linesep="\r\n")


@attrs.frozen
class Rendered:
    """A notice as words and calendar parts: (filename, method, iCalendar text) each."""

    subject: str
    text: str
    html: str
    calendars: tuple[tuple[str, str, str], ...]


def headline(item: Item, kind: str = "update") -> str:
    """What happened to an event, in a word or three: "Moved", "Cancelled", "Invitation", …"""
    what = set(item.what)
    if kind == "reminder":
        return "Please confirm"
    if kind == "summary":
        return "Open slot"
    if item.method == "CANCEL":
        if item.whole:
            return "Cancelled"
        return "Declined" if "declined" in what else "No longer on it"
    if item.new:
        if "registered" in what:
            return "Registered"
        if "waitlisted" in what:
            return "On the waiting list"
        return "Invitation"
    for word, title in (("moved up", "Moved up from the waiting list"), ("reinstated", "Reinstated"),
                        ("moved", "Moved"), ("confirmed", "Confirmed"), ("registered", "Registered"),
                        ("waitlisted", "On the waiting list")):
        if word in what:
            return title
    return "Changed"


def _view(item: Item, kind: str) -> dict[str, Any]:
    return {**item.to_dict(), "changes": [tuple(change) for change in item.changes], "why": ", ".join(item.why),
            "was": {label: old for label, old, _new in item.changes},
            "what": list(item.what), "headline": headline(item, kind), "calendar": bool(item.method)}


class _Loader:
    """Templates by name: a plugin's where one replaces it, else peerlearn's own."""

    def __init__(self, replaced: dict[str, tuple[str, str]]) -> None:
        import jinja2

        self.replaced = replaced
        self.own = jinja2.FileSystemLoader(str(TEMPLATES))

    def loader(self):
        import jinja2

        def load(name: str):
            if name in self.replaced:
                plugin, source = self.replaced[name]
                return source, f"{_PLUGIN_PREFIX}{plugin}>/{name}", lambda: True
            return None

        return jinja2.ChoiceLoader([jinja2.FunctionLoader(load), self.own])


class Renderer:
    """Renders outbox messages, with each network's templates compiled once."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._environments: dict[str, tuple[Any, dict[str, tuple[str, str]]]] = {}
        self._networks: dict[str, Network] = {}

    def network(self, slug: str) -> Network:
        if slug not in self._networks:
            from ..registry import networks

            self._networks[slug] = networks.get(self.registry, slug)
        return self._networks[slug]

    def _environment(self, slug: str):
        if slug not in self._environments:
            import jinja2

            from .. import plugins

            replaced: dict[str, tuple[str, str]] = {}
            for plugin, templates in plugins.notify_templates(self.network(slug)):
                for name, source in templates.items():
                    replaced.setdefault(name, (plugin, source))
            environment = jinja2.Environment(
                loader=_Loader(replaced).loader(), undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                auto_reload=False,
                autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False))
            self._environments[slug] = (environment, replaced)
        return self._environments[slug]

    def _render(self, slug: str, name: str, context: dict) -> str:
        environment, replaced = self._environment(slug)
        try:
            return environment.get_template(name).render(context)
        except Exception as error:  # noqa: BLE001 - a template error is blamed on the plugin that wrote it
            plugin = _culprit(error, name, replaced)
            if plugin is None:
                raise
            from ..errors import PluginError

            where = getattr(error, "lineno", None)
            raise PluginError(plugin, HOOK, f"template {name!r}{f' line {where}' if where else ''}:"
                                            f" {type(error).__name__}: {error}") from error

    def render(self, notice: Notice, sender: str) -> Rendered:
        """The words and calendar parts of ``notice``, sent from ``sender`` ("Name <address>")."""
        network = self.network(notice.network)
        items = [_view(item, notice.kind) for item in notice.items]
        context = {"recipient": notice.name, "network": network, "kind": notice.kind, "items": items}
        subject = notice.subject or " ".join(self._render(notice.network, "subject.txt.j2", context).split())
        if len(subject) > SUBJECT_LENGTH:
            subject = subject[:SUBJECT_LENGTH - 1].rstrip() + "…"
        context["subject"] = subject
        text = self._render(notice.network, f"{notice.kind}.txt.j2", context)
        html = self._render(notice.network, f"{notice.kind}.html.j2", context)
        return Rendered(subject, text, html, tuple(self._calendars(notice, sender)))

    def _calendars(self, notice: Notice, sender: str):
        from ..errors import PeerlearnError
        from .outbox import event_block

        organizer = parseaddr(sender)
        count = {"REQUEST": 0, "CANCEL": 0}
        for item in notice.items:
            if not item.method:
                continue
            block = event_block(self.registry, item.uid, item.sequence)
            if block is None and notice.held:
                continue  # a held message is never sent: its events were not kept
            if block is None:
                raise PeerlearnError(f"the calendar event {item.uid} (SEQUENCE {item.sequence}) of a message to"
                                     f" {notice.name} is missing from the outbox")
            count[item.method] += 1
            stem = "invite" if item.method == "REQUEST" else "cancel"
            filename = f"{stem}.ics" if count[item.method] == 1 else f"{stem}-{count[item.method]}.ics"
            year = int(item.start[:4]) if is_number(item.start[:4]) else dt.date.today().year
            yield filename, item.method, itip.calendar(
                item.method, block, organizer=organizer, attendee=(notice.name, notice.email),
                partstat=item.partstat, role=item.role, whole=item.whole, tzid=item.tzid, years=(year, year + 1))

    def email(self, message: Queued, sender: str, message_id: str, now: dt.datetime) -> Message:
        """The message as an email, ready for SMTP."""
        notice = message.notice
        rendered = self.render(notice, notice.sender or sender)
        return build_email(notice, rendered, notice.sender or sender, message_id, now)


def build_email(notice: Notice, rendered: Rendered, sender: str, message_id: str, now: dt.datetime) -> Message:
    """The email of a rendered notice: multipart/mixed of multipart/alternative (text, HTML) and calendar parts.

    Built with the standard library's ``email.mime`` classes (the ``compat32``
    API: several times faster than ``EmailMessage`` for thousands of messages);
    serialize it for SMTP with :func:`as_smtp_bytes`.
    """
    mail = MIMEMultipart("mixed", boundary=_boundary())  # it sets Content-Type and MIME-Version (once each)
    mail["Subject"] = _header(rendered.subject)
    mail["From"] = _mailbox(sender)
    mail["To"] = formataddr((notice.name, notice.email), charset="utf-8")
    if notice.reply_to:
        mail["Reply-To"] = _mailbox(notice.reply_to)
    mail["Date"] = format_datetime(now.astimezone(dt.timezone.utc))
    mail["Message-ID"] = message_id
    mail["Auto-Submitted"] = "auto-generated"
    alternative = MIMEMultipart("alternative", boundary=_boundary())
    alternative.attach(MIMEText(rendered.text, "plain", _TEXT))
    alternative.attach(MIMEText(rendered.html, "html", _TEXT))
    mail.attach(alternative)
    for filename, method, text in rendered.calendars:
        part = MIMEText(text, "calendar", "utf-8")
        part.set_param("method", method)
        part.add_header("Content-Disposition", "attachment", filename=filename)
        mail.attach(part)
    return mail


def as_smtp_bytes(mail: Message) -> bytes:
    """The message as sent: CRLF line ends."""
    return mail.as_bytes(policy=_SMTP_POLICY)


def _boundary() -> str:
    """A MIME boundary no part can contain ('=' then hex: base64 and quoted-printable never write '==_')."""
    return f"==_{secrets.token_hex(16)}"


def _header(text: str) -> str | Header:
    return text if text.isascii() else Header(text, "utf-8")


def _mailbox(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


def new_message_id(outbox_id: int, sender: str) -> str:
    """A Message-ID for an outbox row, in the sender's domain; kept so that every attempt carries the same."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return make_msgid(idstring=f"peerlearn.{outbox_id}", domain=domain)


def _culprit(error: Exception, name: str, replaced: dict[str, tuple[str, str]]) -> str | None:
    """The plugin whose template raised ``error`` (the innermost in the traceback), if any."""
    filename = getattr(error, "filename", None) or ""
    if filename.startswith(_PLUGIN_PREFIX):
        return filename[len(_PLUGIN_PREFIX):].split(">/", 1)[0]
    culprit = None
    trace = error.__traceback__
    while trace is not None:
        code_file = trace.tb_frame.f_code.co_filename
        if code_file.startswith(_PLUGIN_PREFIX):
            culprit = code_file[len(_PLUGIN_PREFIX):].split(">/", 1)[0]
        trace = trace.tb_next
    if culprit is None and name in replaced:
        culprit = replaced[name][0]
    return culprit
