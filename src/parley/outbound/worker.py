"""The outbox worker: under the lease, turn new events into items and send what is due, again and again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time

from parley.domain.dispatch import Dispatcher, Parcel
from parley.domain.outbox import LEASE_SECONDS, Outcome
from parley.domain.records import Clock
from parley.outbound.mail import MailSender
from parley.outbound.webhooks import ERROR_CHARS, WebhookSender
from parley.settings import Settings

log = logging.getLogger("parley.outbox")

NO_SMTP = "no SMTP server is set (PARLEY_SMTP_HOST)"
PRUNE_SECONDS = 3600.0
"""How often the lease holder forgets settled items past their keeping time."""
CLAIM = 16
"""Items sent at once in one pass; a full pass starts the next at once, so a backlog drains without waiting."""


def senders(settings: Settings) -> tuple[WebhookSender, MailSender | None]:
    webhooks = WebhookSender(timeout=settings.webhook_timeout_seconds, private_targets=settings.webhook_private_targets)
    if not settings.smtp_host:
        return webhooks, None
    mail = MailSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        security=settings.smtp_security,
        sender=settings.smtp_from,
    )
    return webhooks, mail


class Worker:
    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Clock,
        *,
        webhooks: WebhookSender,
        mail: MailSender | None,
        poll_seconds: float,
        keep_days: float = 30.0,
    ) -> None:
        self._dispatcher = dispatcher
        self._clock = clock
        self._webhooks = webhooks
        self._mail = mail
        self._poll = poll_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._held = False
        self._renew_at = 0.0
        self._prune_at = 0.0
        self._keep_days = keep_days

    async def step(self) -> int:
        """One pass: nothing unless this process holds the lease; returns how many items it tried to send.
        An idle pass only reads; the holder renews its lease every third of its term, a standby looks each pass."""
        if not self._held or time.monotonic() >= self._renew_at:
            self._held = await self._dispatcher.lease(self.holder)
            self._renew_at = time.monotonic() + LEASE_SECONDS / 3
        if not self._held:
            return 0
        if time.monotonic() >= self._prune_at:
            self._prune_at = time.monotonic() + PRUNE_SECONDS
            await self._dispatcher.prune(self._keep_days)
        behind, due = await self._dispatcher.waiting()
        if behind:
            await self._dispatcher.dispatch()
        elif not due:
            return 0
        parcels = await self._dispatcher.claim(CLAIM)
        outcomes = await asyncio.gather(*(self._send(parcel) for parcel in parcels))
        if parcels:
            await self._dispatcher.settle([(p.item, o) for p, o in zip(parcels, outcomes, strict=True)])
        return len(parcels)

    async def _send(self, parcel: Parcel) -> Outcome:
        """One attempt, whatever goes wrong in it: a failure of one item is its own outcome, never the pass's, so
        the others sent with it are recorded as sent (and never sent again)."""
        now = self._clock()
        try:
            if parcel.webhook is not None:
                return await self._webhooks.send(parcel, now)
            if self._mail is None:
                return Outcome(ok=False, started_at=now, duration_ms=0, error=NO_SMTP)
            return await self._mail.send(parcel.item, now)
        except Exception as error:  # a bug or an input no sender foresaw: logged, and tried again later
            log.exception("outbox item %d could not be sent", parcel.item.id)
            return Outcome(ok=False, started_at=now, duration_ms=0, error=f"{type(error).__name__}"[:ERROR_CHARS])

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass until `stop` is set; a failing pass is logged and the next one comes as usual."""
        try:
            while not stop.is_set():
                busy = 0
                try:
                    busy = await self.step()
                except Exception:
                    log.exception("outbox pass failed; trying again in %.1f s", self._poll)
                if busy < CLAIM:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self._poll)
        finally:
            with contextlib.suppress(Exception):
                await self._dispatcher.release(self.holder)
            await self.close()

    async def close(self) -> None:
        await self._webhooks.close()
