"""Server-Sent Events: each article's readers and the moderators told of changes as they commit.

The database is the feed (the audit log, read forward from an event id), so every instance and every worker
tells the same story and a client that reconnects with `Last-Event-ID` misses nothing. Inside a process, one
pump reads the feed while anyone listens and fans it out through Litestar Channels, each subscriber with a
bounded backlog: a client too slow to keep up is disconnected, and resumes from the database when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec
from litestar.channels import ChannelsPlugin, Subscriber
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.response import ServerSentEventMessage
from litestar.types import Message, Send

from parley.domain import tree
from parley.domain.live import Happening, LiveFeed
from parley.http.schemas import CommentNode

log = logging.getLogger("parley.live")

BACKLOG = 64
"""Messages waiting for one client at most; a client that lets this many pile up is disconnected."""
REPLAY = 500
"""Events replayed after a `Last-Event-ID` at most; further behind, the client is told to `reset`."""
REPLAYS_AT_ONCE = 4
"""Replays one process reads at a time: each is a snapshot of up to REPLAY events and the comments they name."""
SEND_SECONDS = 30.0
"""How long one write to a stream may wait for a client that reads nothing before the stream is closed."""


class Full(Exception):
    """No stream for this client now: too many open from its network, or in this process."""

    def __init__(self, detail: str, *, everyone: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.everyone = everyone


class Stalled(Exception):
    """A stream client read nothing for SEND_SECONDS: its connection is given up."""


def patient(send: Send, seconds: float = SEND_SECONDS) -> Send:
    """`send` for a stream: a write that waits longer than `seconds` for the client ends the stream."""

    async def sending(message: Message) -> None:
        try:
            await asyncio.wait_for(send(message), seconds)
        except TimeoutError:
            raise Stalled from None

    return sending


QUEUE_CHANNEL = "queue"

_running: weakref.WeakSet[Live] = weakref.WeakSet()


def drain() -> None:
    """The server is shutting down: every stream of this process ends now, cleanly, so that a rolling restart
    does not wait out the grace period; clients reconnect (to another instance) and resume."""
    for each in list(_running):
        each.draining.set()


def channels_plugin() -> ChannelsPlugin:
    """Fan-out inside one process; what crosses processes and instances is the database's feed."""
    return ChannelsPlugin(
        backend=MemoryChannelsBackend(),
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=BACKLOG,
        subscriber_backlog_strategy="backoff",
    )


class Notice(msgspec.Struct, frozen=True):
    """One event as every listener of a channel gets it: its id, and its SSE messages, encoded once (by the pump,
    not again by each of thousands of streams)."""

    id: int
    wire: bytes

    @classmethod
    def of(cls, event_id: int, messages: list[tuple[str, str]]) -> Notice:
        encoded = (ServerSentEventMessage(event=event, data=data, id=event_id).encode() for event, data in messages)
        return cls(event_id, b"".join(encoded))

    def packed(self) -> bytes:
        return b"%d\n" % self.id + self.wire

    @classmethod
    def unpacked(cls, raw: bytes) -> Notice:
        head, _, wire = raw.partition(b"\n")
        return cls(int(head), wire)


class Encoded(ServerSentEventMessage):
    """SSE messages already encoded, written as they are."""

    def __init__(self, wire: bytes) -> None:
        super().__init__()
        self.wire = wire

    def encode(self) -> bytes:
        return self.wire


_encode = msgspec.json.Encoder().encode


def public_messages(happening: Happening) -> list[tuple[str, str]]:
    """What an article's readers are told: a comment shown (new or changed), one gone, and the new count."""
    comment = happening.comment
    if happening.shown:
        node = CommentNode.of(tree.author_view(comment))
        first = ("comment", _encode(node).decode())
    else:
        first = ("removed", _encode({"id": str(comment.id)}).decode())
    return [first, ("count", _encode({"count": happening.count}).decode())]


def queue_messages(happening: Happening) -> list[tuple[str, str]]:
    """What moderators are told: every decision, submission and edit, as the audit log has it."""
    event = happening.event
    told = {
        "comment_id": str(happening.comment.id),
        "article": happening.slug,
        "action": event.action,
        "actor": event.actor,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "status": happening.comment.status,
    }
    return [("queue", _encode(told).decode())]


class Live:
    """The pump (running while anyone listens) and the streams; one per process."""

    def __init__(
        self,
        feed: LiveFeed,
        changes: Callable[[], Awaitable[int]],
        channels: ChannelsPlugin,
        *,
        poll_seconds: float,
        heartbeat_seconds: float,
        lifetime_seconds: float,
        max_streams: int = 500,
        per_network: int = 10,
    ) -> None:
        self._feed = feed
        self._changes = changes
        self._channels = channels
        self._poll = poll_seconds
        self._heartbeat = heartbeat_seconds
        self._lifetime = lifetime_seconds
        self._max_streams = max_streams
        self._per_network = per_network
        self._by_network: dict[str, int] = {}
        self._replays = asyncio.Semaphore(REPLAYS_AT_ONCE)
        self._starting = asyncio.Lock()
        self._listeners = 0
        self._pump: asyncio.Task[None] | None = None
        self.draining = asyncio.Event()
        self._poked = asyncio.Event()
        _running.add(self)

    def poke(self) -> None:
        """Something was just committed here: look at the feed now rather than at the next poll."""
        if self._listeners:
            self._poked.set()

    @property
    def listeners(self) -> int:
        return self._listeners

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump

    def _reserve(self, network: str) -> Callable[[], None]:
        """A place for one more stream, taken now (before the stream first runs, so a burst cannot slip past),
        or Full: each stream holds a connection for up to an hour, which one draw on the read budget does not pay
        for. Returns what gives the place back, once however often it is called."""
        if self._listeners >= self._max_streams:
            raise Full(f"this server holds {self._max_streams} live streams; try again shortly", everyone=True)
        if self._by_network.get(network, 0) >= self._per_network:
            raise Full(f"at most {self._per_network} live streams per network", everyone=False)
        self._listeners += 1
        self._by_network[network] = self._by_network.get(network, 0) + 1
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self._listeners -= 1
                left = self._by_network.pop(network) - 1
                if left:
                    self._by_network[network] = left

        return release

    def _held(
        self, stream: AsyncIterator[ServerSentEventMessage], release: Callable[[], None]
    ) -> AsyncIterator[ServerSentEventMessage]:
        # A stream whose client left before it first ran never reaches its `finally`: its place comes back when
        # the stream object goes.
        weakref.finalize(stream, release)
        return stream

    @contextlib.asynccontextmanager
    async def _listening(self, channel: str, release: Callable[[], None]) -> AsyncIterator[Subscriber]:
        try:
            # One pump per process: streams arriving together must not each start one (every event would then
            # reach every client once per pump).
            async with self._starting:
                if self._pump is None or self._pump.done():
                    # The counter first: a commit between the two reads then moves it, and the pump reads again.
                    seen = await asyncio.shield(self._changes())
                    start = await asyncio.shield(self._feed.last_id())
                    self._pump = asyncio.create_task(self._pumping(seen, start))
            async with self._channels.start_subscription([channel]) as subscriber:
                yield subscriber
        finally:
            release()

    async def _pumping(self, seen: int, last: int) -> None:
        """Read the feed after every commit anyone makes, until no one listens; a failed read (the database
        restarting, say) is logged and tried again, never the end of every stream's news."""
        while True:
            if not self._listeners:
                # Decided under the lock streams start pumps under: one arriving now finds this pump going on,
                # or finds it gone and starts another; never a pump about to stop.
                async with self._starting:
                    if not self._listeners:
                        self._pump = None
                        return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poked.wait(), self._poll)
            self._poked.clear()
            try:
                now = await self._changes()
                if now == seen:
                    continue
                while happenings := await self._feed.since(last):
                    for happening in happenings:
                        self._publish(happening)
                    last = happenings[-1].id
                seen = now
            except Exception:
                log.exception("the live feed could not be read; trying again in a second")
                await asyncio.sleep(1.0)

    def _publish(self, happening: Happening) -> None:
        if happening.public:
            notice = Notice.of(happening.id, public_messages(happening))
            self._channels.publish(notice.packed(), f"article:{happening.article_id}")
        self._channels.publish(Notice.of(happening.id, queue_messages(happening)).packed(), QUEUE_CHANNEL)

    def article(self, article_id: int, after: int | None, network: str) -> AsyncIterator[ServerSentEventMessage]:
        """One article's readers' stream, resumed after event `after` if given."""

        async def replay(since: int) -> list[Notice] | None:
            if await self._feed.behind(since, article_id=article_id, limit=REPLAY):
                return None
            found = await self._feed.since(since, article_id=article_id, limit=REPLAY)
            return [Notice.of(h.id, public_messages(h)) for h in found if h.public]

        release = self._reserve(network)
        return self._held(self._stream(f"article:{article_id}", after, replay, release), release)

    def queue(self, after: int | None, network: str) -> AsyncIterator[ServerSentEventMessage]:
        """The moderators' stream of queue changes, resumed after event `after` if given."""

        async def replay(since: int) -> list[Notice] | None:
            if await self._feed.behind(since, article_id=None, limit=REPLAY):
                return None
            return [Notice.of(h.id, queue_messages(h)) for h in await self._feed.since(since, limit=REPLAY)]

        release = self._reserve(network)
        return self._held(self._stream(QUEUE_CHANNEL, after, replay, release), release)

    async def _stream(
        self,
        channel: str,
        after: int | None,
        replay: Callable[[int], Awaitable[list[Notice] | None]],
        release: Callable[[], None],
    ) -> AsyncIterator[ServerSentEventMessage]:
        async with self._listening(channel, release) as subscriber:
            # Shielded: a client that leaves cancels its stream wherever it waits, and a query cut off midway
            # would hand its pooled connection back in a state the next user trips over.
            sent = await asyncio.shield(self._feed.last_id())
            if after is not None and after > sent:
                after = None  # an id this stream never gave out
            if after is None:
                yield ServerSentEventMessage(event="ready", data="{}", id=sent)
            else:
                async with self._replays:
                    notices = await asyncio.shield(replay(after))
                if notices is None:  # more than REPLAY behind: start again from the thread
                    sent = await asyncio.shield(self._feed.last_id())
                    yield ServerSentEventMessage(event="reset", data="{}", id=sent)
                    notices = []
                else:
                    sent = after
                for notice in notices:
                    yield Encoded(notice.wire)
                    sent = max(sent, notice.id)
            events = subscriber.iter_events()
            waiting: asyncio.Task[Any] = asyncio.ensure_future(anext(events))
            draining = asyncio.ensure_future(self.draining.wait())
            ends = time.monotonic() + self._lifetime
            try:
                while (left := ends - time.monotonic()) > 0:
                    done, _ = await asyncio.wait(
                        {waiting, draining}, timeout=min(self._heartbeat, left), return_when=asyncio.FIRST_COMPLETED
                    )
                    if draining in done:
                        return
                    if not done and time.monotonic() >= ends:
                        return
                    if not done:
                        yield ServerSentEventMessage(comment="heartbeat", data=None)
                        continue
                    if subscriber.qsize >= BACKLOG - 1:
                        log.info("a stream client fell %d messages behind and was disconnected", BACKLOG)
                        return
                    notice = Notice.unpacked(waiting.result())
                    waiting = asyncio.ensure_future(anext(events))
                    if notice.id <= sent:
                        continue  # already replayed
                    yield Encoded(notice.wire)
                    sent = notice.id
            finally:
                for task in (waiting, draining):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await task
