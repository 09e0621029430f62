"""Which network address a request comes from: proxy headers count only from configured proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from litestar.connection import ASGIConnection

from parley.domain import networks
from parley.domain.identity import Client

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Proxies(msgspec.Struct, frozen=True):
    """The proxies we believe, and the one header they write (a client's own copy of the other is ignored)."""

    networks: tuple[Network, ...] = ()
    header: str = "x-forwarded-for"


def proxies(specs: Iterable[str], header: str) -> Proxies:
    """Parse PARLEY_TRUSTED_PROXIES entries (single addresses or CIDR networks) and PARLEY_PROXY_HEADER."""
    return Proxies(tuple(ipaddress.ip_network(spec.strip(), strict=False) for spec in specs if spec.strip()), header)


def _address(text: str) -> networks.Address | None:
    """A hop as proxies write it: bare, quoted, `[IPv6]:port` or `IPv4:port`; IPv4-mapped IPv6 as IPv4."""
    text = text.strip().strip('"')
    if text.startswith("["):  # Forwarded: for="[2001:db8::1]:4711"
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    return networks.parse(text)


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in proxies)


def _hops(connection: ASGIConnection[Any, Any, Any, Any], header: str) -> list[str]:
    """Addresses named by the proxies' header, nearest hop last: X-Forwarded-For, or Forwarded (RFC 7239).

    Every line of the header counts, in the order received: a proxy that appends a line of its own (HAProxy's
    `option forwardfor`) leaves a line the client wrote before it, and reading only the first would believe that.
    """
    lines = connection.headers.getall(header, [])
    if header == "forwarded":
        hops = []
        for line in lines:
            for element in line.split(","):
                for pair in element.split(";"):
                    name, _, value = pair.strip().partition("=")
                    if name.lower() == "for":
                        hops.append(value)
        return hops
    return [hop for line in lines for hop in line.split(",") if hop.strip()]


def resolve(connection: ASGIConnection[Any, Any, Any, Any], trusted: Proxies) -> Client:
    """The first address, walking back from our peer, that is not one of our trusted proxies.

    A hop that is not an address (garbage, `unknown`, an obfuscated RFC 7239 name) ends the walk at the last
    trusted hop: the client is then known only as that proxy, never as what it wrote.
    """
    peer = connection.client.host if connection.client else "unknown"
    parsed_peer = networks.parse(peer)
    address = peer if parsed_peer is None else str(parsed_peer)
    if trusted.networks and _trusted(peer, trusted.networks):
        for hop in reversed(_hops(connection, trusted.header)):
            parsed = _address(hop)
            if parsed is None:
                break
            address = str(parsed)
            if not any(parsed in network for network in trusted.networks):
                break
    return Client(address=address)
