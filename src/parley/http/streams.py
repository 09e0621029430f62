"""Live streams (Server-Sent Events): an article's comments for its readers, the queue for moderators."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException, TooManyRequestsException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import ServerSentEvent

from parley.domain.records import Role
from parley.domain.threads import ThreadService
from parley.http.deps import ParleyRequest
from parley.http.errors import problems
from parley.http.guards import refusals, requirement, requires
from parley.http.limits import READS
from parley.http.live import Full, Live
from parley.http.params import LastEventId, SlugPath

# Proxies must pass each event on as it comes (nginx buffers otherwise), and no cache may keep a stream.
_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
_STREAM = ResponseSpec(
    None, description="`text/event-stream`: one event per change, each with an `id`", media_type="text/event-stream"
)


class ArticleStreamController(Controller):
    path = "/api/v1/articles/{slug:str}/comments/stream"
    tags = ["comments"]
    opt = READS

    @get(responses={200: _STREAM, **problems(404, 422, 429, 503)}, media_type="text/event-stream")
    async def stream(
        self,
        request: ParleyRequest,
        slug: SlugPath,
        threads: NamedDependency[ThreadService],
        live: NamedDependency[Live],
        last_event_id: LastEventId = None,
    ) -> ServerSentEvent:
        """Changes to the thread as they happen: `comment` (a comment readers now see, new or edited, as in the
        thread), `removed` (`{"id"}`: one they no longer see), and `count` (`{"count"}`: the visible count).

        The first event is `ready`, whose `id` marks the present; with `Last-Event-ID` the stream first replays
        what happened after that event instead, or sends `reset` (reload the thread) when that is too far back.
        An idle stream sends a comment line every 15 seconds.
        """
        article_id, _ = await threads.version(slug)
        with _places():
            stream = live.article(article_id, _after(last_event_id), request.visitor.network)
        return ServerSentEvent(stream, headers=_HEADERS)


class QueueStreamController(Controller):
    path = "/api/v1/admin/queue/stream"
    tags = ["moderation"]
    guards = [requires(Role.MODERATOR)]
    security = requirement(Role.MODERATOR)

    @get(responses={200: _STREAM, **problems(*refusals(Role.MODERATOR), 422, 429, 503)}, media_type="text/event-stream")
    async def stream(
        self, request: ParleyRequest, live: NamedDependency[Live], last_event_id: LastEventId = None
    ) -> ServerSentEvent:
        """Every change to any comment as the audit log records it (`queue`: comment, article, action, actor,
        statuses), from now or after `Last-Event-ID`, as the article stream does."""
        with _places():
            stream = live.queue(_after(last_event_id), request.visitor.network)
        return ServerSentEvent(stream, headers=_HEADERS)


@contextlib.contextmanager
def _places() -> Iterator[None]:
    """No place for one more stream: 429 past the network's share, 503 past the process's."""
    try:
        yield
    except Full as full:
        if full.everyone:
            raise ServiceUnavailableException(full.detail, headers={"Retry-After": "5"}) from None
        raise TooManyRequestsException(full.detail, headers={"Retry-After": "60"}) from None


def _after(last_event_id: str | None) -> int | None:
    """The event a reconnecting client saw last: one of the ids the streams give out (whole numbers)."""
    if last_event_id is None or not re.fullmatch(r"0|[1-9][0-9]{0,15}", last_event_id):
        return None
    return int(last_event_id)
