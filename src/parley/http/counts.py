"""Comment counts as answered: remembered until anything is committed, as article lists ask the same often."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec
from litestar.types import Scope

from parley.domain.lru import Bounded
from parley.domain.threads import ThreadService
from parley.http.fastpath import Answer
from parley.http.schemas import Counts

_ENCODER = msgspec.json.Encoder()


class CountAnswers:
    """The latest answers to count queries (by their query string of known parameters), least recently asked
    dropped first, bounded in entries and bytes, valid while nothing commits."""

    def __init__(
        self,
        threads: ThreadService,
        *,
        max_entries: int = 1024,
        max_bytes: int = 4 * 1024 * 1024,
        built: Callable[[], None] = lambda: None,
    ) -> None:
        self._threads = threads
        self._built = built
        self.answers: Bounded[bytes, tuple[int, bytes]] = Bounded(
            max_entries=max_entries, max_bytes=max_bytes, size=lambda query, answer: len(query) + len(answer[1])
        )

    async def read(self, query: bytes, slugs: Sequence[str]) -> bytes:
        # The counter is read before the counts: a commit in between makes this answer stale, never wrong.
        seen = await self._threads.changes()
        body = _ENCODER.encode(Counts(await self._threads.counts(slugs)))
        self._built()
        self.answers.put(query, (seen, body))
        return body

    async def hit(self, scope: Scope) -> Answer | None:
        remembered = self.answers.get(scope["query_string"])
        if remembered is None or remembered[0] != await self._threads.changes():
            return None
        return Answer(200, remembered[1], ())
