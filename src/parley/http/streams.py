"""Live streams (Server-Sent Events): an article's comments for its readers, the queue for moderators."""

from __future__ import annotations

import re

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import ServerSentEvent

from parley.domain.records import Role
from parley.domain.threads import ThreadService
from parley.http.errors import problems
from parley.http.guards import refusals, requirement, requires
from parley.http.limits import READS
from parley.http.live import Live
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

    @get(responses={200: _STREAM, **problems(404, 422, 429)}, media_type="text/event-stream")
    async def stream(
        self,
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
        return ServerSentEvent(live.article(article_id, _after(last_event_id)), headers=_HEADERS)


class QueueStreamController(Controller):
    path = "/api/v1/admin/queue/stream"
    tags = ["moderation"]
    guards = [requires(Role.MODERATOR)]
    security = requirement(Role.MODERATOR)

    @get(responses={200: _STREAM, **problems(*refusals(Role.MODERATOR), 422)}, media_type="text/event-stream")
    async def stream(self, live: NamedDependency[Live], last_event_id: LastEventId = None) -> ServerSentEvent:
        """Every change to any comment as the audit log records it (`queue`: comment, article, action, actor,
        statuses), from now or after `Last-Event-ID`, as the article stream does."""
        return ServerSentEvent(live.queue(_after(last_event_id)), headers=_HEADERS)


def _after(last_event_id: str | None) -> int | None:
    """The event a reconnecting client saw last: one of the ids the streams give out (whole numbers)."""
    if last_event_id is None or not re.fullmatch(r"0|[1-9][0-9]{0,15}", last_event_id):
        return None
    return int(last_event_id)
