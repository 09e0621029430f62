"""A least-recently-used map bounded in entries and in bytes, keys counted with values: every cache's one shape."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ENTRY_OVERHEAD = 200
"""Bytes an entry costs besides its key's and value's own: the dictionary slot, tuples, object headers."""


class Bounded(Generic[K, V]):
    """A map that forgets its least recently used entries to stay within `max_entries` and `max_bytes`.

    `size(key, value)` says what one entry's key and value hold in bytes; an entry larger than the whole bound
    is not kept at all.
    """

    def __init__(self, *, max_entries: int, max_bytes: int, size: Callable[[K, V], int]) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._size = size
        self._bytes = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V) -> None:
        cost = self._size(key, value) + ENTRY_OVERHEAD
        self.pop(key)
        if cost > self.max_bytes or self.max_entries < 1:
            return
        self._entries[key] = (value, cost)
        self._bytes += cost
        while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= evicted

    def pop(self, key: K) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= found[1]

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    @property
    def bytes(self) -> int:
        """What the entries are counted to hold, keys included."""
        return self._bytes
