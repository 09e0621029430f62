"""Webhook deliveries over HTTP, signed as Standard Webhooks says, to public addresses only unless allowed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import time
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from parley.domain.dispatch import Parcel
from parley.domain.outbox import Outcome
from parley.domain.webhooks import secret_bytes

ERROR_CHARS = 300
"""What the delivery log keeps of an error: enough to tell what went wrong, bounded whatever a receiver says."""


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the secret's key."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "parley-webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


async def private_address(host: str, port: int) -> str | None:
    """The first address `host` resolves to that is not a public one (loopback, private, link-local...)."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, proto=6)
        found = [ipaddress.ip_address(info[4][0]) for info in infos]
    else:
        found = [literal]
    for address in found:
        if not address.is_global:
            return str(address)
    return None


class WebhookSender:
    """One attempt at one delivery; what the receiver said or why it could not be reached is the outcome."""

    def __init__(self, *, timeout: float, private_targets: bool) -> None:
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)
        self._private_targets = private_targets

    async def send(self, parcel: Parcel, now: datetime) -> Outcome:
        hook, item = parcel.webhook, parcel.item
        assert hook is not None
        started = time.perf_counter()

        def outcome(ok: bool, status: int | None = None, error: str | None = None) -> Outcome:
            elapsed = int((time.perf_counter() - started) * 1000)
            bounded = None if error is None else error[:ERROR_CHARS]
            return Outcome(ok=ok, started_at=now, duration_ms=elapsed, status_code=status, error=bounded)

        parts = urlsplit(hook.url)
        try:
            if not self._private_targets:
                port = parts.port or (443 if parts.scheme == "https" else 80)
                private = await private_address(parts.hostname or "", port)
                if private is not None:
                    return outcome(False, error=f"refused: {parts.hostname} is a non-public address ({private})")
            # The receiver checks this against its own clock to refuse replays: wall-clock time, always.
            timestamp = int(time.time())
            sent = headers(hook.secret, item.message_id, timestamp, item.payload)
            async with self._client.stream("POST", hook.url, content=item.payload, headers=sent) as answer:
                code = answer.status_code  # the receiver's body is never read: only its status counts
        except httpx.TimeoutException:
            return outcome(False, error="timed out")
        except (httpx.HTTPError, OSError, ValueError) as error:
            return outcome(False, error=f"{type(error).__name__}: {error}")
        if 200 <= code < 300:
            return outcome(True, code)
        return outcome(False, code, f"the receiver answered {code}")

    async def close(self) -> None:
        await self._client.aclose()
