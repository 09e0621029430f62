"""Networks as the rules count them: an IPv4 address or an IPv6 /64, one spelling however an address is written."""

from __future__ import annotations

import pytest

from parley.domain import networks
from parley.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("::FFFF:c000:0207", "192.0.2.7"),
        ("2001:db8:1:2::10", "2001:db8:1:2::/64"),
        ("2001:0DB8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("testclient", "testclient"),
    ],
)
def test_a_client_is_counted_by_its_network_in_one_spelling(address: str, network: str) -> None:
    assert networks.key(address) == network


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("192.0.2.7", ("192.0.2.7", None)),
        ("::ffff:192.0.2.7", ("192.0.2.7", None)),
        ("192.0.2.7/32", ("192.0.2.7", None)),
        ("192.0.2.7/24", ("192.0.2.0/24", 24)),
        ("::ffff:192.0.2.0/120", ("192.0.2.0/24", 24)),
        ("2001:db8:1:2::10", ("2001:db8:1:2::/64", None)),
        ("2001:db8:1:2::10/64", ("2001:db8:1:2::/64", None)),
        ("2001:db8::/48", ("2001:db8::/48", 48)),
        ("2001:db8::10/128", ("2001:db8::10/128", 128)),
    ],
)
def test_an_address_ban_covers_the_network_and_a_cidr_its_block(entered: str, stored: tuple[str, int | None]) -> None:
    assert networks.ban_target(entered) == stored


@pytest.mark.parametrize("entered", ["0.0.0.0/0", "10.0.0.0/7", "2001::/15", "192.0.2.1/33", "192.0.2.1/x", "nope", ""])
def test_a_ban_too_wide_or_not_an_address_is_refused(entered: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        networks.ban_target(entered)
    assert refused.value.field == "address"


def test_a_client_is_looked_up_under_its_network_its_address_and_each_banned_prefix_of_its_family() -> None:
    assert networks.within("2001:db8:1:2::11", [48, 24]) == [
        "2001:db8:1:2::/64",
        "2001:db8:1:2::11",
        "2001:db8:1::/48",
        "2001:d00::/24",
    ]
    assert networks.within("::ffff:192.0.2.9", [24, 48]) == ["192.0.2.9", "192.0.2.0/24"]
    for prefix in (24, 48):
        network, _ = networks.ban_target(f"{networks.within('2001:db8:1:2::11', [prefix])[-1]}")
        assert network in networks.within("2001:db8:1:2::99", [prefix])
