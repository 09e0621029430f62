"""Networks as the rules count them: one IPv4 address, or the IPv6 /64 a subscriber is given, however spelled."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from parley.domain.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

IPV6_SUBSCRIBER = 64
"""The prefix an ISP hands one IPv6 subscriber: every address in it is one client to budgets, flags and bans."""
# Bans wider than these would shut out a whole country's carriers by one typo.
WIDEST_BAN = {4: 8, 6: 16}


def parse(text: str) -> Address | None:
    """An address in any spelling (`::ffff:1.2.3.4` is the IPv4 address it maps), or None if it is not one."""
    try:
        found = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def key(address: str) -> str:
    """The one spelling of a client's network: an IPv4 address, or an IPv6 /64; anything else as it came."""
    found = parse(address)
    if found is None:
        return address
    if found.version == 4:
        return str(found)
    return str(ipaddress.ip_network(f"{found}/{IPV6_SUBSCRIBER}", strict=False))


def ban_target(text: str) -> tuple[str, int | None]:
    """What an address ban covers: a client's network (prefix None), or the CIDR network it names.

    An address alone covers its network as budgets count it (its /64 for IPv6); a CIDR as wide as a client's
    network is stored as that network, so both spellings match the same clients.
    """
    address, slash, prefix_text = text.strip().partition("/")
    found = parse(address)
    if found is None:
        raise InvalidInput("address", "must be an IPv4 or IPv6 address, or a network such as 192.0.2.0/24")
    if not slash:
        return key(str(found)), None
    if not prefix_text.isdigit():
        raise InvalidInput("address", "the part after / must be a prefix length")
    prefix = int(prefix_text)
    if found.version == 4 and ":" in address:
        prefix -= 96  # an IPv4-mapped network: ::ffff:192.0.2.0/120 is 192.0.2.0/24
    widest, longest = WIDEST_BAN[found.version], found.max_prefixlen
    if not widest <= prefix <= longest:
        raise InvalidInput("address", f"an IPv{found.version} ban's prefix must be /{widest} to /{longest}")
    if (found.version == 4 and prefix == 32) or (found.version == 6 and prefix == IPV6_SUBSCRIBER):
        return key(str(found)), None
    return str(ipaddress.ip_network(f"{found}/{prefix}", strict=False)), prefix


def within(address: str, prefixes: Iterable[int]) -> list[str]:
    """The spellings under which bans could name this client: its network, its exact address, and each wider
    or narrower network among `prefixes` that its address family has."""
    found = parse(address)
    if found is None:
        return [address]
    names = dict.fromkeys([key(str(found)), str(found)])
    for prefix in prefixes:
        if prefix <= found.max_prefixlen:
            names[str(ipaddress.ip_network(f"{found}/{prefix}", strict=False))] = None
    return list(names)
