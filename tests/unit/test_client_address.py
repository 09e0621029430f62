"""Which address a request comes from: proxy headers only from trusted proxies, and only the header they write."""

from __future__ import annotations

import pytest
from litestar import Request

from parley.http.client import proxies, resolve

TRUSTED = ["10.0.0.0/8"]


def request(peer: str, *headers: tuple[str, str]) -> Request:  # type: ignore[type-arg]
    raw = [(name.lower().encode(), value.encode()) for name, value in headers]
    return Request({"type": "http", "headers": raw, "client": (peer, 5000), "method": "GET", "path": "/"})  # type: ignore[arg-type]


def test_an_untrusted_peer_is_the_client_whatever_it_claims() -> None:
    seen = resolve(request("198.51.100.7", ("X-Forwarded-For", "203.0.113.1")), proxies(TRUSTED, "x-forwarded-for"))
    assert seen.address == "198.51.100.7"


def test_a_trusted_proxy_names_the_client_in_x_forwarded_for_walking_back_past_trusted_hops() -> None:
    headers = ("X-Forwarded-For", "203.0.113.9, 198.51.100.1, 10.1.2.3")
    seen = resolve(request("10.0.0.1", headers), proxies(TRUSTED, "x-forwarded-for"))
    assert seen.address == "198.51.100.1"


def test_a_forged_forwarded_header_is_ignored_when_the_proxies_write_x_forwarded_for() -> None:
    forged = request("10.0.0.1", ("X-Forwarded-For", "203.0.113.5"), ("Forwarded", "for=192.0.2.44"))
    assert resolve(forged, proxies(TRUSTED, "x-forwarded-for")).address == "203.0.113.5"


@pytest.mark.parametrize(
    ("value", "address"), [('for="[2001:db8::1]:4711"', "2001:db8::1"), ("for=192.0.2.60:80", "192.0.2.60")]
)
def test_forwarded_is_read_when_it_is_the_proxies_header(value: str, address: str) -> None:
    headers = [("Forwarded", value), ("X-Forwarded-For", "203.0.113.5")]
    assert resolve(request("10.0.0.1", *headers), proxies(TRUSTED, "forwarded")).address == address


@pytest.mark.parametrize(
    ("lines", "address"),
    [
        # HAProxy's `option forwardfor` appends a line: the client's own forged line comes first.
        (["192.0.2.1", "203.0.113.9"], "203.0.113.9"),
        (["192.0.2.1, 192.0.2.2", "203.0.113.9"], "203.0.113.9"),
        (["192.0.2.1", "203.0.113.9, 10.0.0.5"], "203.0.113.9"),
        (["203.0.113.9", "10.0.0.7", "10.0.0.5"], "203.0.113.9"),
        (["[2001:db8::1]:4711"], "2001:db8::1"),
        (["2001:db8::2"], "2001:db8::2"),
        (["203.0.113.9:5555"], "203.0.113.9"),
        (["::ffff:203.0.113.9"], "203.0.113.9"),
        # Something that is not an address stops the walk: the client is known only as our proxy.
        (["203.0.113.9", "unknown"], "10.0.0.1"),
    ],
)
def test_every_x_forwarded_for_line_is_walked_from_the_right(lines: list[str], address: str) -> None:
    headers = [("X-Forwarded-For", line) for line in lines]
    assert resolve(request("10.0.0.1", *headers), proxies(TRUSTED, "x-forwarded-for")).address == address


def test_every_forwarded_line_is_walked_from_the_right() -> None:
    headers = [("Forwarded", "for=192.0.2.1"), ("Forwarded", 'for="[2001:db8::7]:80";proto=https, for=10.0.0.9')]
    assert resolve(request("10.0.0.1", *headers), proxies(TRUSTED, "forwarded")).address == "2001:db8::7"


def test_an_ipv4_mapped_peer_is_its_ipv4_address() -> None:
    assert resolve(request("::ffff:198.51.100.7"), proxies(TRUSTED, "x-forwarded-for")).address == "198.51.100.7"
