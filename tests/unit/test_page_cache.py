"""The page cache serves an entry only for its version and stays within its byte budget."""

from __future__ import annotations

from parley.http.pages import PageCache, not_modified


def test_an_entry_is_served_only_for_the_version_it_was_built_from() -> None:
    cache = PageCache(max_bytes=100)
    cache.put("k", 3, b"page")
    assert cache.get("k", 3) == b"page"
    assert cache.get("k", 4) is None


def test_the_least_recently_used_entries_go_first_when_the_budget_is_spent() -> None:
    cache = PageCache(max_bytes=10)
    cache.put("a", 1, b"aaaa")
    cache.put("b", 1, b"bbbb")
    cache.get("a", 1)
    cache.put("c", 1, b"cccc")
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) == b"aaaa"
    assert cache.get("c", 1) == b"cccc"


def test_a_page_larger_than_the_budget_is_not_kept() -> None:
    cache = PageCache(max_bytes=3)
    cache.put("big", 1, b"four")
    assert cache.get("big", 1) is None


def test_if_none_match_accepts_lists_weak_tags_and_star() -> None:
    assert not_modified('"1.2"', '"0.1", "1.2"')
    assert not_modified('"1.2"', 'W/"1.2"')
    assert not_modified('"1.2"', "*")
    assert not not_modified('"1.2"', '"1.3"')
    assert not not_modified('"1.2"', None)
