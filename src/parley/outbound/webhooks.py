"""Webhook deliveries over HTTP, signed as Standard Webhooks says, to public addresses only unless allowed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import time
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

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


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is a public one, looking through the IPv6 forms that carry an IPv4 address inside
    (mapped, 6to4, NAT64, IPv4-compatible) and refusing Teredo and site-local addresses outright."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and any(address in network for network in _NAT64):
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return public(inner)
        if address.teredo or address.is_site_local or address in _IPV4_COMPATIBLE:
            return False
    return address.is_global


async def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` names, IPv4 first (a literal names itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, proto=6)
    found = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    return sorted(found, key=lambda address: address.version)


def pinned(url: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """The URL with its host replaced by the address it was checked at, so no second DNS answer is used."""
    parts = urlsplit(url)
    host = f"[{address}]" if address.version == 6 else str(address)
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, host + port, parts.path, parts.query, ""))


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
            host = parts.hostname or ""
            addresses = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
            if not addresses or (not self._private_targets and not all(public(address) for address in addresses)):
                return outcome(False, error="refused: the host is, or resolves to, a non-public address")
            # The receiver checks this against its own clock to refuse replays: wall-clock time, always.
            timestamp = int(time.time())
            sent = {**headers(hook.secret, item.message_id, timestamp, item.payload), "host": parts.netloc}
            # Sent to the address just checked (DNS is not asked twice), named by its host for HTTP and TLS.
            target = pinned(hook.url, addresses[0])
            extensions = {"sni_hostname": host} if parts.scheme.lower() == "https" else {}
            request = self._client.stream("POST", target, content=item.payload, headers=sent, extensions=extensions)
            async with request as answer:
                code = answer.status_code  # the receiver's body is never read: only its status counts
        except httpx.TimeoutException:
            return outcome(False, error="timed out")
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, UnicodeError) as error:
            return outcome(False, error=f"{type(error).__name__}: {error}")
        if 200 <= code < 300:
            return outcome(True, code)
        return outcome(False, code, f"the receiver answered {code}")

    async def close(self) -> None:
        await self._client.aclose()
