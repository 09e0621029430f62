"""Flood control: per-address budgets for writes and for reads, counted by Litestar's rate-limit middleware."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from litestar import Litestar, Request
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp

from parley.http.client import Proxies, resolve
from parley.http.deps import parts_of
from parley.http.guards import moderator

BUDGET = "rate_limit"
"""The route `opt` key naming the budget a public endpoint draws on."""
WRITES = {BUDGET: "writes"}
READS = {BUDGET: "reads"}
_SWEEP_SECONDS = 60.0


def client_key(request: Request[Any, Any, Any], proxies: Proxies) -> str:
    """Whom a budget belongs to: the resolved client's network, as flags and bans count it."""
    return resolve(request, proxies).network


def _drawing_on(budget: str) -> Callable[[Request[Any, Any, Any]], Awaitable[bool]]:
    async def applies(request: Request[Any, Any, Any]) -> bool:
        if request.route_handler.opt.get(BUDGET) != budget:
            return False
        # A moderator's work is not a flood. A token that does not authenticate is no token: it pays like anyone.
        return await moderator(request) is None

    return applies


class ProcessesLock:
    """An asyncio lock that also holds an exclusive lock on a file: one holder at a time among all processes.

    The file is opened for each turn and closed after it (closing lets the lock go), so no descriptor outlives
    its use, whatever happens to the app that made this lock.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = asyncio.Lock()
        self._fd = -1

    async def __aenter__(self) -> None:
        await self._local.acquire()
        try:
            self._fd = await self._lock_file()
        except BaseException:
            self._local.release()
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        fd, self._fd = self._fd, -1
        os.close(fd)
        self._local.release()

    async def _lock_file(self) -> int:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        except BaseException:
            os.close(fd)
            raise
        # Another process holds it: wait in a thread. That wait cannot be stopped, so a caller cancelled
        # meanwhile closes the file, and so lets the lock go, once the thread is done.
        waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX))
        try:
            await asyncio.shield(waiting)
        except BaseException:
            waiting.add_done_callback(lambda _: os.close(fd))
            raise
        return fd


@dataclass
class SharedRateLimitConfig(RateLimitConfig):
    """A limiter whose counters every server process shares, taking turns on `lock_path` to count."""

    lock_path: Path | None = None


class SharedCounting(RateLimitMiddleware):
    """Litestar's limiter, with its read-then-write of a counter made one step across server processes.

    The middleware counts under its own lock, which serialises the requests of one process; two processes
    could still both read a counter before either writes it back and let a burst past the budget.
    """

    def __init__(self, app: ASGIApp, config: RateLimitConfig) -> None:
        super().__init__(app, config)
        if isinstance(config, SharedRateLimitConfig) and config.lock_path is not None:
            # The lock the middleware counts under (tests/http/test_rate_limits.py fails if Litestar renames it).
            self._lock = ProcessesLock(config.lock_path)  # type: ignore[assignment]


def configs(
    *, writes_per_minute: int, reads_per_minute: int, proxies: Proxies, shared: Path
) -> list[SharedRateLimitConfig]:
    """One limiter per budget that is switched on (a limit of 0 is off), each counting in its own store."""

    def identify(request: Request[Any, Any, Any]) -> str:
        # Counters are named by the keyed hash parley keeps of addresses: no address is written in the clear.
        return parts_of(request).services.hasher.address(client_key(request, proxies))

    return [
        SharedRateLimitConfig(
            rate_limit=("minute", per_minute),
            identifier_for_request=identify,
            check_throttle_handler=_drawing_on(budget),
            store=f"rate-limit-{budget}",
            middleware_class=SharedCounting,
            lock_path=shared.with_name(shared.name + ".lock") if budget == "writes" else None,
        )
        for budget, per_minute in (("writes", writes_per_minute), ("reads", reads_per_minute))
        if per_minute > 0
    ]


Counters = FileStore | MemoryStore


def stores(limits: Sequence[SharedRateLimitConfig], shared: Path) -> dict[str, Counters]:
    """The app's stores for these limiters.

    Writes count in files under `shared`, which every server process of one database sees, so an address gets
    its write budget once however many workers there are; a file per address costs little beside a write.
    Reads, a hundred times as many and cheap, count in each process's memory.
    """
    return {
        limit.store: MemoryStore() if limit.lock_path is None else FileStore(shared, create_directories=True)
        for limit in limits
    }


def sweeper(counters: Mapping[str, Counters]) -> Callable[[Litestar], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan that drops expired counters each minute: a memory store forgets only keys it is asked for again,
    so without it a flood spread over many addresses would grow memory for as long as the process runs."""

    @contextlib.asynccontextmanager
    async def sweeping(_: Litestar) -> AsyncIterator[None]:
        async def sweep() -> None:
            while True:
                await asyncio.sleep(_SWEEP_SECONDS)
                for store in counters.values():
                    await store.delete_expired()

        task = asyncio.create_task(sweep())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return sweeping
