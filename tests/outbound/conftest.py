"""Real receivers for what parley sends: an HTTP server for webhooks and an SMTP server for e-mail."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar

from parley.http.deps import running
from parley.outbound.mail import MailSender
from parley.outbound.webhooks import WebhookSender
from parley.outbound.worker import Worker
from parley.settings import Settings
from tests.conftest import Clock
from tests.http.conftest import admin, moderator

__all__ = ["admin", "moderator"]  # the admin API's credentials, as tests/http makes them


class Received(msgspec.Struct):
    headers: dict[str, str]
    body: bytes


class Backlogged(ThreadingHTTPServer):
    """A backlog for every connection a pass opens at once (the default of 5 would delay some by 1 s)."""

    request_queue_size = 64
    daemon_threads = True


class Receiver:
    """A webhook endpoint on loopback that answers `status` after `delay` seconds and keeps what it was sent."""

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        self.received: list[Received] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with outer._lock:
                    outer.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                    status, delay = outer.status, outer.delay
                time.sleep(delay)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = Backlogged(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    try:
        yield found
    finally:
        found.close()


class Mailbox:
    """aiosmtpd's handler: every message the SMTP server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.recipients: list[list[str]] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 try again later"
        self.raw.append(envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    def texts(self) -> str:
        """Every message as sent, headers and body: where no unapproved text may appear."""
        return "\n".join(message.as_string() for message in self.messages)


class Smtp(msgspec.Struct):
    mailbox: Mailbox
    port: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp(mailbox, port)
    finally:
        controller.stop()


@asynccontextmanager
async def working(
    app: Litestar, clock: Clock, *, smtp_port: int | None = None, answer_within: float = 2.0
) -> AsyncIterator[Worker]:
    """The outbox worker of a running app, driven pass by pass on the test's clock; loopback receivers allowed."""
    mail = None
    if smtp_port is not None:
        mail = MailSender(
            host="127.0.0.1", port=smtp_port, username="", password="", security="none", sender="news@example.org"
        )
    worker = Worker(
        running(app).services.dispatcher,
        clock,
        webhooks=WebhookSender(timeout=answer_within, private_targets=True),
        mail=mail,
        poll_seconds=0.05,
    )
    try:
        yield worker
    finally:
        await worker.close()


async def drain(worker: Worker, passes: int = 10) -> int:
    """Passes until one sends nothing; how many items were tried in all."""
    tried = 0
    for _ in range(passes):
        done = await worker.step()
        tried += done
        if not done:
            break
    return tried


def mail_settings(settings: Settings, port: int, **more: Any) -> Settings:
    return msgspec.structs.replace(
        settings, smtp_host="127.0.0.1", smtp_port=port, public_url="https://news.example.org", **more
    )
