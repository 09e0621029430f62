"""Comment counts as answered: remembered until anything is committed, as article lists ask the same often."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import msgspec
from litestar.types import Scope

from parley.domain.threads import ThreadService
from parley.http.fastpath import Answer
from parley.http.schemas import Counts

_ENCODER = msgspec.json.Encoder()


class CountAnswers:
    """The latest answers to count queries, least recently asked dropped first, valid while nothing commits."""

    def __init__(self, threads: ThreadService, *, max_entries: int = 1024) -> None:
        self._threads = threads
        self._max_entries = max_entries
        self._answers: OrderedDict[bytes, tuple[int, bytes]] = OrderedDict()

    async def read(self, query: bytes, slugs: Sequence[str]) -> bytes:
        # The counter is read before the counts: a commit in between makes this answer stale, never wrong.
        seen = await self._threads.changes()
        body = _ENCODER.encode(Counts(await self._threads.counts(slugs)))
        self._answers[query] = (seen, body)
        self._answers.move_to_end(query)
        if len(self._answers) > self._max_entries:
            self._answers.popitem(last=False)
        return body

    async def hit(self, scope: Scope) -> Answer | None:
        remembered = self._answers.get(scope["query_string"])
        if remembered is None or remembered[0] != await self._threads.changes():
            return None
        self._answers.move_to_end(scope["query_string"])
        return Answer(200, remembered[1], ())
