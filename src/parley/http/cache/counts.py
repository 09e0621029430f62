"""Comment counts as answered: keyed by the requested slugs, rebuilt once at a time as commits come."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec
from litestar.types import Scope

from parley.domain.lru import Bounded
from parley.domain.threads import ThreadService
from parley.http.cache.answers import STALE_FOR, Answers
from parley.http.cache.fastpath import Answer
from parley.http.schemas import Counts

_ENCODER = msgspec.json.Encoder()
MAX_ANSWERS = 1024
MAX_BYTES = 4 * 1024 * 1024

Slugs = tuple[str, ...]


class CountAnswers:
    """The answers to count queries, versioned by the store's change counter (any commit may change a count)."""

    def __init__(
        self,
        threads: ThreadService,
        *,
        max_entries: int = MAX_ANSWERS,
        max_bytes: int = MAX_BYTES,
        stale_for: float = STALE_FOR,
        built: Callable[[], None] = lambda: None,
    ) -> None:
        self._threads = threads
        self.answers: Answers[Slugs] = Answers(
            self._build,
            max_entries=max_entries,
            max_bytes=max_bytes,
            size=lambda slugs: sum(len(slug) + 8 for slug in slugs),
            stale_for=stale_for,
            built=built,
        )
        self.aliases: Bounded[bytes, Slugs] = Bounded(
            max_entries=max_entries, max_bytes=max_bytes, size=lambda raw, slugs: len(raw) + sum(map(len, slugs))
        )

    async def _build(self, slugs: Slugs) -> tuple[int, bytes]:
        # The counter is read before the counts: a commit in between makes this answer stale, never wrong.
        seen = await self._threads.changes()
        return seen, _ENCODER.encode(Counts(await self._threads.counts(slugs)))

    async def read(self, query: bytes, slugs: Sequence[str]) -> bytes:
        """The counts of these articles, remembered or counted now."""
        key = tuple(slugs)
        self.aliases.put(query, key)
        entry = await self.answers.get(key, await self._threads.changes())
        return entry.body

    async def hit(self, scope: Scope) -> Answer | None:
        key = self.aliases.get(scope["query_string"])
        entry = None if key is None else self.answers.current(key, await self._threads.changes())
        return None if entry is None else Answer(200, entry.body, ())
