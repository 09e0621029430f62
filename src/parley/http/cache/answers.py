"""Answers remembered per key: bounded, rebuilt once at a time per process, served stale within a bound.

When the data behind an answer changes, the first reader to notice starts one rebuild; until it is done,
readers of that key are served the answer already built, as long as it was taken at most `stale_for` seconds
ago (so every answer served was true within that bound), and a newer version is never more than that away.
Answers older than the bound are not served: their readers wait for the rebuild, one for all of them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import msgspec

from parley.domain.lru import Bounded

K = TypeVar("K", bound=Hashable)

STALE_FOR = 1.0
"""Seconds after its data was read that an answer may still be served while a newer one is built."""
REFRESH_AFTER = 0.1
"""Seconds an answer is kept before a change starts its rebuild: a burst of changes costs one rebuild."""


class Entry(msgspec.Struct, frozen=True):
    """An encoded answer, the version of the data it shows, and when (at the latest) that data was read."""

    version: int
    body: bytes
    taken_at: float


Build = Callable[[K], Awaitable[tuple[int, bytes]]]
"""Reads the data for a key and encodes the answer: its version and bytes."""


class Answers(Generic[K]):
    """The remembered answer of each key, least recently used forgotten first, within entries and bytes."""

    def __init__(
        self,
        build: Build[K],
        *,
        max_entries: int,
        max_bytes: int,
        size: Callable[[K], int],
        stale_for: float = STALE_FOR,
        refresh_after: float = REFRESH_AFTER,
        clock: Callable[[], float] = time.monotonic,
        built: Callable[[], None] = lambda: None,
    ) -> None:
        self._build = build
        self._stale_for = stale_for
        self._refresh_after = min(refresh_after, stale_for)
        self._clock = clock
        self._built = built
        self.entries: Bounded[K, Entry] = Bounded(
            max_entries=max_entries, max_bytes=max_bytes, size=lambda key, entry: size(key) + len(entry.body)
        )
        self._building: dict[K, asyncio.Task[Entry]] = {}

    def current(self, key: K, version: int) -> Entry | None:
        """The answer for `version`, or one taken within the staleness bound while its rebuild runs; None when
        the caller must wait for a build (`get`)."""
        entry = self.entries.get(key)
        if entry is None or entry.version == version:
            return entry
        age = self._clock() - entry.taken_at
        if age >= self._stale_for:
            return None
        if age >= self._refresh_after:
            self._rebuilding(key)
        return entry

    async def get(self, key: K, version: int) -> Entry:
        """The answer to serve: remembered, or built now (once, however many readers wait for it)."""
        entry = self.current(key, version)
        if entry is not None:
            return entry
        # Shielded: a reader that goes away does not cancel the build the others wait for.
        return await asyncio.shield(self._rebuilding(key))

    def _rebuilding(self, key: K) -> asyncio.Task[Entry]:
        task = self._building.get(key)
        if task is None:
            task = asyncio.ensure_future(self._rebuild(key))
            self._building[key] = task
            task.add_done_callback(_retrieved)
        return task

    async def _rebuild(self, key: K) -> Entry:
        try:
            taken_at = self._clock()  # before the read: the data read is at least this fresh
            version, body = await self._build(key)
            self._built()
            entry = Entry(version, body, taken_at)
            self.entries.put(key, entry)
            return entry
        finally:
            # Gone from the map as the build ends, in the same step: a reader after this starts a new build.
            self._building.pop(key, None)

    @property
    def building(self) -> int:
        """Rebuilds under way: at most one per key."""
        return len(self._building)


def _retrieved(task: asyncio.Task[Entry]) -> None:
    # A refresh nobody waited for that failed leaves the older answer to age out; its error is not news.
    if not task.cancelled():
        task.exception()
