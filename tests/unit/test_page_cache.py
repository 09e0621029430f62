"""Caches stay within their bounds in entries and in bytes, keys counted; ETags compare versions."""

from __future__ import annotations

import pytest

from parley.domain.lru import ENTRY_OVERHEAD, Bounded
from parley.http.cache.pages import not_modified


def by_length(key: str, value: bytes) -> int:
    return len(key) + len(value)


def test_the_least_recently_used_entries_go_first_when_the_bytes_are_spent() -> None:
    lru: Bounded[str, bytes] = Bounded(max_entries=100, max_bytes=2 * ENTRY_OVERHEAD + 20, size=by_length)
    lru.put("a", b"aaaa")
    lru.put("b", b"bbbb")
    lru.get("a")
    lru.put("c", b"cccc")
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (b"aaaa", None, b"cccc")


def test_the_entries_bound_holds_however_small_each_entry_is() -> None:
    lru: Bounded[str, bytes] = Bounded(max_entries=3, max_bytes=10**9, size=by_length)
    for n in range(10):
        lru.put(str(n), b"")
    assert len(lru) == 3
    assert [lru.get(str(n)) for n in (6, 7, 8, 9)] == [None, b"", b"", b""]


def test_keys_count_toward_the_bytes() -> None:
    lru: Bounded[str, bytes] = Bounded(max_entries=1000, max_bytes=100_000, size=by_length)
    for n in range(1000):
        lru.put(f"{n:06d}" + "k" * 10_000, b"")
    assert lru.bytes <= 100_000
    assert len(lru) == 100_000 // (10_006 + ENTRY_OVERHEAD)


def test_an_entry_larger_than_the_bound_is_not_kept_and_replacing_one_recounts_it() -> None:
    lru: Bounded[str, bytes] = Bounded(max_entries=10, max_bytes=ENTRY_OVERHEAD + 10, size=by_length)
    lru.put("big", b"x" * 20)
    assert lru.get("big") is None
    assert lru.bytes == 0
    lru.put("k", b"12345")
    lru.put("k", b"1")
    assert lru.bytes == ENTRY_OVERHEAD + 2


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"0.1", "1.2"', True),
        ('W/"1.2"', True),
        ("*", True),
        ('"1.3"', True),
        ('"1.1"', False),
        ('"2.2"', False),
        ('"1.x"', False),
        ("", False),
        (None, False),
    ],
)
def test_if_none_match_holds_this_version_or_a_later_one_of_the_same_article(header: str | None, matches: bool) -> None:
    """Article 1 at version 2: a client already holding version 3 (a reader served before a rebuild finished
    elsewhere) is not sent the older page back."""
    assert not_modified(1, 2, header) is matches
