"""Handing the outbox to an SMTP server: each message at most once.

A run takes a lock beside the registry (one run at a time), turns what a
stopped run left ``sending`` into ``interrupted`` (it may have been
delivered: it is not sent again unless asked), renders every due message
first (a broken template stops the run before anything is sent), then hands
them over one by one, each claimed (``sending``) in its own committed
transaction before it goes and settled after. A temporary failure (a 4xx
reply, a dropped or refused connection) is retried in the same run after
``retry_delay``, doubled each round, then left queued for a later run with
a growing delay, and marked ``failed`` after :data:`MAX_ATTEMPTS`; a
permanent one (5xx) is marked ``failed`` at once with the server's reply.
A refused login or sender stops the run with nothing marked sent.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import attrs

from ..errors import MailError
from . import outbox
from .settings import SmtpSettings

if TYPE_CHECKING:  # pragma: no cover
    from ..registry.store import Registry

#: After this many attempts over all runs, a message that keeps failing temporarily is marked failed.
MAX_ATTEMPTS = 10
#: The wait before a later run tries a message again, doubled at each attempt, at most BACKOFF_MAX.
BACKOFF = dt.timedelta(minutes=5)
BACKOFF_MAX = dt.timedelta(hours=6)


class Temporary(Exception):
    """The server could not take the message now (4xx, or the connection failed); ``connection`` if it is gone."""

    def __init__(self, message: str, connection: bool = False) -> None:
        super().__init__(message)
        self.connection = connection


class Permanent(Exception):
    """The server refused the message for good (5xx)."""


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


class SmtpTransport:
    """One connection to the SMTP server, opened when first needed and again after it drops."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def open(self) -> None:
        settings = self.settings
        context = ssl.create_default_context()
        smtp = None
        try:
            if settings.security == "tls":
                smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            smtp.ehlo()
            if settings.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, settings.password)
        except smtplib.SMTPAuthenticationError as error:
            _quit(smtp)
            raise MailError(f"{self.where} refused the login of {settings.user!r}: "
                            f"{_reply(error.smtp_code, error.smtp_error)}; nothing was sent") from None
        except smtplib.SMTPNotSupportedError as error:
            _quit(smtp)
            raise MailError(f"{self.where} does not offer what the settings ask ({error}); nothing was sent") from None
        except ssl.SSLError as error:
            _quit(smtp)
            raise MailError(f"TLS with {self.where} failed: {error.reason or error}; nothing was sent") from None
        except smtplib.SMTPResponseException as error:
            _quit(smtp)
            if 400 <= error.smtp_code < 500:
                raise Temporary(f"{self.where}: {_reply(error.smtp_code, error.smtp_error)}", connection=True) from None
            raise MailError(f"{self.where} refused us: {_reply(error.smtp_code, error.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as error:
            _quit(smtp)
            raise Temporary(f"cannot reach {self.where}: {error}", connection=True) from None
        self.smtp = smtp

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        """Hand one message over; raises Temporary, Permanent, or MailError (the run must stop)."""
        if self.smtp is None:
            self.open()
        assert self.smtp is not None
        try:
            self.smtp.sendmail(sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as error:
            code, message = next(iter(error.recipients.values()))
            raise (Temporary if 400 <= code < 500 else Permanent)(_reply(code, message)) from None
        except smtplib.SMTPSenderRefused as error:
            if 400 <= error.smtp_code < 500:
                raise Temporary(_reply(error.smtp_code, error.smtp_error)) from None
            raise MailError(f"{self.where} refused the sender {sender}:"
                            f" {_reply(error.smtp_code, error.smtp_error)}") from None
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            raise Temporary(f"{self.where} closed the connection: {error}", connection=True) from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:
                self._drop()
                raise Temporary(_reply(error.smtp_code, error.smtp_error), connection=True) from None
            raise (Temporary if 400 <= error.smtp_code < 500 else Permanent)(
                _reply(error.smtp_code, error.smtp_error)) from None
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            raise Temporary(f"connection to {self.where} failed: {error}", connection=True) from None

    def _drop(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        _quit(smtp)


def _quit(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


@attrs.frozen
class SendReport:
    """What a run did, by outbox id."""

    sent: tuple[int, ...] = ()
    failed: tuple[tuple[int, str], ...] = ()
    #: left queued for a later run after temporary failures: (id, last reply)
    deferred: tuple[tuple[int, str], ...] = ()
    #: found ``sending`` from a stopped run: not sent again
    interrupted: tuple[int, ...] = ()
    #: held notices (no address, or opted out) reported and closed
    skipped: int = 0


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold the lock that lets one sending run at a time work on a registry."""
    lock_path = Path(f"{path}.send-lock")
    try:
        handle = open(lock_path, "a+b")
    except OSError as error:
        raise MailError(f"cannot create the lock {lock_path}: {error.strerror}") from None
    try:
        try:
            _lock(handle)
        except OSError:
            raise MailError(f"another run is sending the outbox of {path}; try again when it has finished") from None
        yield
    finally:
        handle.close()


def _lock(handle) -> None:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def backoff(attempts: int) -> dt.timedelta:
    """How long a later run waits before trying again a message that failed ``attempts`` times."""
    return min(BACKOFF * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def send(registry: Registry, settings: SmtpSettings, *, transport: SmtpTransport | None = None,
         clock: Callable[[], dt.datetime] | None = None, sleep: Callable[[float], None] = time.sleep,
         retries: int = 3, retry_delay: float = 10.0, limit: int | None = None,
         resend: Iterable[int] = ()) -> SendReport:
    """Send the due messages of the outbox (and the interrupted ones in ``resend``); see the module's doc."""
    from .messages import Renderer, as_smtp_bytes, new_message_id

    def now() -> dt.datetime:
        return clock() if clock else dt.datetime.now(dt.timezone.utc)

    with run_lock(registry.path):
        interrupted, skipped = outbox.recover(registry, now().isoformat())
        messages = outbox.due(registry, now().isoformat(), limit=limit, resend=resend)
        ids = {message.id: new_message_id(message.id, message.notice.sender or settings.sender)
               for message in messages if not message.message_id}
        outbox.assign_message_ids(registry, ids)
        messages = [attrs.evolve(message, message_id=message.message_id or ids[message.id]) for message in messages]
        renderer = Renderer(registry)
        prepared = []
        for message in messages:
            sender = message.notice.sender or settings.sender
            mail = renderer.email(message, settings.sender, message.message_id, now())
            prepared.append((message, _address(sender), as_smtp_bytes(mail)))
        transport = transport or SmtpTransport(settings)
        ledger = _Ledger(registry, now, {message.id: message.attempts for message in messages})
        pending = prepared
        try:
            for round_number in range(retries + 1):
                if round_number:
                    ledger.flush()
                    sleep(retry_delay * 2 ** (round_number - 1))
                pending = _round(transport, pending, ledger)
                if not pending:
                    break
        finally:
            ledger.flush()
            transport.close()
        deferred, failed = [], ledger.failed
        for message, _sender, _data in pending:
            reason = ledger.last_error.get(message.id, "not tried: the server could not be reached")
            attempts = ledger.attempts[message.id]
            if attempts >= MAX_ATTEMPTS:
                outbox.settle(registry, message.id, "failed", now().isoformat(),
                              reason=f"gave up after {attempts} attempts: {reason}")
                failed.append((message.id, reason))
            else:
                later = (now() + backoff(attempts)).isoformat()
                outbox.settle(registry, message.id, "queued", now().isoformat(), reason=reason, next_attempt_at=later)
                deferred.append((message.id, reason))
    return SendReport(tuple(ledger.sent), tuple(failed), tuple(deferred), tuple(interrupted), skipped)


class _Ledger:
    """The outbox rows of one run: each claimed before it goes, each outcome kept with the next claim.

    At most one row is ``sending`` at any moment; the outcome of a message is
    committed together with the claim of the next (one commit a message), or
    on its own by :meth:`flush` before a pause and at the end.
    """

    def __init__(self, registry: Registry, now: Callable[[], dt.datetime], attempts: dict[int, int]) -> None:
        self.registry = registry
        self.now = now
        self.attempts = attempts
        self.sent: list[int] = []
        self.failed: list[tuple[int, str]] = []
        self.last_error: dict[int, str] = {}
        self._outcome: tuple | None = None

    def claim(self, message_id: int) -> bool:
        outcome, self._outcome = self._outcome, None
        claimed = outbox.claim(self.registry, message_id, self.now().isoformat(), settle_first=outcome)
        if claimed:
            self.attempts[message_id] += 1
        return claimed

    def outcome(self, message_id: int, status: str, reason: str = "") -> None:
        self._outcome = (message_id, status, self.now().isoformat(), reason)
        if status == "sent":
            self.sent.append(message_id)
        elif status == "failed":
            self.failed.append((message_id, reason))
        elif reason:
            self.last_error[message_id] = reason

    def flush(self) -> None:
        outcome, self._outcome = self._outcome, None
        if outcome is not None:
            outbox.settle(self.registry, *outcome)


def _round(transport: SmtpTransport, pending: list, ledger: _Ledger) -> list:
    """Try each pending message once; returns those to try again."""
    again = []
    unreachable = None
    for entry in pending:
        message, sender, data = entry
        if unreachable is None and transport.smtp is None:
            try:
                transport.open()
            except Temporary as error:
                unreachable = str(error)
        if unreachable is not None:
            ledger.last_error[message.id] = unreachable
            again.append(entry)
            continue
        if not ledger.claim(message.id):
            continue
        try:
            transport.send(sender, message.notice.email, data)
        except Temporary as error:
            ledger.outcome(message.id, "queued", str(error))
            again.append(entry)
        except Permanent as error:
            ledger.outcome(message.id, "failed", str(error))
        except MailError:
            outbox.release(ledger.registry, message.id, ledger.now().isoformat())
            ledger.attempts[message.id] -= 1
            raise
        except BaseException:
            ledger.outcome(message.id, "interrupted",
                           "the run stopped while handing it over: it may have been delivered")
            raise
        else:
            ledger.outcome(message.id, "sent")
    return again


def _address(sender: str) -> str:
    from email.utils import parseaddr

    return parseaddr(sender)[1]
