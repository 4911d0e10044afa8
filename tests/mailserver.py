"""A real SMTP server in the test process (aiosmtpd), recording what it accepts.

``MailServer.script`` decides how the server answers each message in turn
(``scripts[address]`` first, for the messages to one recipient):
a reply (``"451 4.3.0 try again"``, ``"550 5.1.1 no such user"``) or
``HANG`` (take the whole message, keep it, then wait without answering until
``release()`` — what a server that crashed, or a network that dropped,
looks like from the client). Messages answered with 250 are in ``accepted``;
a hung one is in ``hung`` (it reached the server: a client that resends it
would deliver it twice).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

HANG = "hang"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: "MailServer") -> None:
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        server = self.server
        with server.lock:
            server.attempts += 1
            own = server.scripts.get(envelope.rcpt_tos[0]) if envelope.rcpt_tos else None
            answer = own.pop(0) if own else server.script.pop(0) if server.script else "250 2.0.0 OK"
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        record = (envelope.mail_from, tuple(envelope.rcpt_tos), message)
        if answer == HANG:
            with server.lock:
                server.hung.append(record)
            server.hanging.set()
            await asyncio.get_running_loop().run_in_executor(None, server.released.wait)
            return "451 4.3.0 the server was stopped"
        if answer.startswith("250"):
            with server.lock:
                server.accepted.append(record)
        return answer


def _refuse_login(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=False, handled=False)


class MailServer:
    """An SMTP server on 127.0.0.1 for one test; ``env()`` gives the settings to reach it."""

    def __init__(self, *, refuse_login: bool = False) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.script: list[str] = []
        self.scripts: dict[str, list[str]] = {}
        self.accepted: list[tuple[str, tuple[str, ...], EmailMessage]] = []
        self.hung: list[tuple[str, tuple[str, ...], EmailMessage]] = []
        self.attempts = 0
        self.lock = threading.Lock()
        self.hanging = threading.Event()
        self.released = threading.Event()
        extra = {"authenticator": _refuse_login, "auth_require_tls": False} if refuse_login else {}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **extra)

    def __enter__(self) -> "MailServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.controller.stop()

    def release(self) -> None:
        self.released.set()

    def env(self, sender: str = "MLP Secretariat <secretariat@mlp.example.org>", **extra: str) -> dict[str, str]:
        return {"PEERLEARN_SMTP_HOST": "127.0.0.1", "PEERLEARN_SMTP_PORT": str(self.port),
                "PEERLEARN_SMTP_SECURITY": "none", "PEERLEARN_MAIL_FROM": sender, **extra}

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message for _sender, _rcpts, message in self.accepted]

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages()]
