"""Which network address a request comes from: proxy headers count only from configured proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection

from parley.domain.identity import Client

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Proxies(msgspec.Struct, frozen=True):
    """The proxies we believe, and the one header they write (a client's own copy of the other is ignored)."""

    networks: tuple[Network, ...] = ()
    header: str = "x-forwarded-for"


def proxies(specs: Iterable[str], header: str) -> Proxies:
    """Parse PARLEY_TRUSTED_PROXIES entries (single addresses or CIDR networks) and PARLEY_PROXY_HEADER."""
    return Proxies(tuple(ipaddress.ip_network(spec.strip(), strict=False) for spec in specs if spec.strip()), header)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # Forwarded: for="[2001:db8::1]:4711"
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in proxies)


def _hops(connection: ASGIConnection[Any, Any, Any, Any], header: str) -> list[str]:
    """Addresses named by the proxies' header, nearest hop last: X-Forwarded-For, or Forwarded (RFC 7239)."""
    if header == "forwarded":
        hops = []
        for element in connection.headers.get("forwarded", "").split(","):
            for pair in element.split(";"):
                key, _, value = pair.strip().partition("=")
                if key.lower() == "for":
                    hops.append(value)
        return hops
    return [hop for hop in connection.headers.get("x-forwarded-for", "").split(",") if hop.strip()]


def resolve(connection: ASGIConnection[Any, Any, Any, Any], trusted: Proxies) -> Client:
    """The first address, walking back from our peer, that is not one of our trusted proxies."""
    peer = connection.client.host if connection.client else "unknown"
    address = peer
    if trusted.networks and _trusted(peer, trusted.networks):
        for hop in reversed(_hops(connection, trusted.header)):
            parsed = _address(hop)
            if parsed is None:
                break
            address = str(parsed)
            if not any(parsed in network for network in trusted.networks):
                break
    return Client(address=address, user_agent=connection.headers.get("user-agent", "")[:512])


class ParleyRequest(Request[Any, Any, Any]):
    """A request that knows who sent it: proxy headers believed only from the configured proxies.

    A property of the request rather than a dependency: a handler with two dependencies makes Litestar resolve
    them in a task group, a cost paid on every submission.
    """

    @property
    def visitor(self) -> Client:
        trusted: Proxies = self.app.state.proxies
        return resolve(self, trusted)
