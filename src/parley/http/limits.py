"""Flood control: per-network budgets of writes and of reads a minute, counted in Litestar stores."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import msgspec
from litestar import Litestar, Request
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, TooManyRequestsException, ValidationException
from litestar.stores.file import FileStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from parley.domain.lru import Bounded
from parley.http.client import Proxies, resolve
from parley.http.deps import parts_of
from parley.http.errors import DECIDED
from parley.http.guards import moderator
from parley.http.turns import ProcessesLock

BUDGET = "rate_limit"
"""The route `opt` key naming the budget a public endpoint draws on."""
WRITES = {BUDGET: "writes"}
READS = {BUDGET: "reads"}
WINDOW_SECONDS = 60
LOCAL_NETWORKS = 100_000
"""Read counters one process keeps: past it the least recent network starts a new window, which only ever
gives a budget back, and only to someone who has stopped asking for a while."""
_SWEEP_SECONDS = 60.0


class Window(msgspec.Struct, array_like=True, frozen=True):
    """One network's use of one budget: requests counted in the window that ends at `reset` (Unix seconds)."""

    used: int
    reset: int


class Tally(Protocol):
    """Where windows are kept: the part of Litestar's `Store` a budget uses."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, expires_in: int) -> None: ...


class LocalTally:
    """Windows in this process's memory, bounded in entries."""

    def __init__(self, max_entries: int = LOCAL_NETWORKS) -> None:
        self._kept: Bounded[str, bytes] = Bounded(
            max_entries=max_entries, max_bytes=max_entries * 400, size=lambda key, value: len(key) + len(value)
        )

    async def get(self, key: str) -> bytes | None:
        return self._kept.get(key)

    async def set(self, key: str, value: bytes, expires_in: int) -> None:
        self._kept.put(key, value)  # a window carries its own end; the bound, not expiry, frees memory


class Draws(Protocol):
    """A budget requests draw on: this process's `Budget`, or one shared by every instance."""

    per_minute: int

    async def draw(self, key: str) -> Drawn: ...

    async def refund(self, key: str) -> None: ...


@dataclass(frozen=True)
class Drawn:
    """What one request's draw on a budget left: whether it may go on, and what its answer tells the client."""

    allowed: bool
    limit: int
    remaining: int
    reset_in: int

    def headers(self) -> dict[str, str]:
        """The RateLimit fields of the IETF httpapi draft, and Retry-After (RFC 9110) on a refusal."""
        fields = {
            "ratelimit-policy": f"{self.limit}; w={WINDOW_SECONDS}",
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(self.remaining),
            "ratelimit-reset": str(self.reset_in),
        }
        if not self.allowed:
            fields["retry-after"] = str(max(1, self.reset_in))
        return fields


class Budget:
    """So many requests a minute for each key: a fixed window opened by the key's first request."""

    def __init__(
        self,
        per_minute: int,
        tally: Tally,
        turn: AbstractAsyncContextManager[Any],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_minute = per_minute
        self._tally = tally
        self._turn = turn
        self._clock = clock

    async def draw(self, key: str) -> Drawn:
        """Count one request against `key`, unless its window is spent; reading and writing back are one turn."""
        async with self._turn:
            now = int(self._clock())
            window = _window(await self._tally.get(key), now)
            if window.used >= self.per_minute:
                return Drawn(False, self.per_minute, 0, window.reset - now)
            window = Window(window.used + 1, window.reset)
            await self._tally.set(key, msgspec.msgpack.encode(window), expires_in=window.reset - now)
        return Drawn(True, self.per_minute, self.per_minute - window.used, window.reset - now)

    async def refund(self, key: str) -> None:
        """Give one request back to `key`'s window, if it is still open."""
        async with self._turn:
            now = int(self._clock())
            kept = await self._tally.get(key)
            window = _window(kept, now)
            if kept is not None and window.used > 0:
                refunded = Window(window.used - 1, window.reset)
                await self._tally.set(key, msgspec.msgpack.encode(refunded), expires_in=window.reset - now)


def _window(kept: bytes | None, now: int) -> Window:
    """The window open at `now`: the kept one while it lasts, else a fresh one (an unreadable file is none)."""
    if kept is not None:
        with contextlib.suppress(msgspec.DecodeError, msgspec.ValidationError):
            window = msgspec.msgpack.decode(kept, type=Window)
            if now < window.reset <= now + WINDOW_SECONDS:
                return window
    return Window(0, now + WINDOW_SECONDS)


@dataclass(frozen=True)
class Limits:
    """The budgets that are switched on, by name, and the file store the shared ones count in."""

    budgets: Mapping[str, Draws]
    shared: FileStore | None

    def middleware(self, proxies: Proxies) -> Callable[[ASGIApp], ASGIApp]:
        """Middleware drawing on the budget a route names, for whoever is not a moderator."""
        return lambda app: _Limited(app, self.budgets, proxies)

    def sweeper(self) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
        """A lifespan that deletes expired window files each minute: a file store forgets only what it reads."""
        return _sweeping(self.shared)


def limits(
    *,
    writes_per_minute: int,
    reads_per_minute: int,
    shared: Path,
    sharing: Callable[[str, Budget], Draws] | None = None,
) -> Limits:
    """One budget per limit that is on (0 is off).

    Without Redis, writes count in files under `shared`, which every server process of one machine sees,
    taking turns on a file lock, so an address gets its write budget once however many workers there are; a
    file per network costs little beside a write. Reads, a hundred times as many and cheap, count in each
    process's memory. `sharing` (Redis, for several instances behind one address) makes each budget one that
    every instance draws on, with this process's own as its stand-in.
    """
    budgets: dict[str, Budget] = {}
    store = None
    if writes_per_minute > 0:
        store = FileStore(shared, create_directories=True)
        turn = ProcessesLock(shared.with_name(shared.name + ".lock"))
        budgets["writes"] = Budget(writes_per_minute, store, turn)
    if reads_per_minute > 0:
        budgets["reads"] = Budget(reads_per_minute, LocalTally(), asyncio.Lock())
    if sharing is None:
        return Limits(budgets, store)
    return Limits({name: sharing(name, local) for name, local in budgets.items()}, store)


class _Limited:
    """The ASGI step in front of a route: a spent budget is 429 before the handler or the body is touched."""

    def __init__(self, app: ASGIApp, budgets: Mapping[str, Draws], proxies: Proxies) -> None:
        self._app = app
        self._budgets = budgets
        self._proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        named = handler.opt.get(BUDGET) if scope["type"] == ScopeType.HTTP and handler is not None else None
        budget = self._budgets.get(named) if isinstance(named, str) else None
        charge = None if budget is None else await self._draw(budget, scope)
        if charge is None:
            await self._app(scope, receive, send)
            return
        try:
            await self._app(scope, receive, charge.telling(send))
        except HTTPException as refused:  # refused by a middleware below, before the handler ran
            # A validation failure is answered 422 (errors.from_http), whatever status Litestar gives it.
            status = 422 if isinstance(refused, ValidationException) else refused.status_code
            refused.headers = {**(refused.headers or {}), **(await charge.settle(status)).headers()}
            raise

    async def _draw(self, budget: Draws, scope: Scope) -> Charge | None:
        request: Request[Any, Any, Any] = Request(scope)
        # A moderator's work is not a flood. A token that does not authenticate is no token: it pays like anyone.
        if await moderator(request) is not None:
            return None
        # Counted by the keyed hash parley keeps of networks: no address is written in the clear.
        network = parts_of(request).services.hasher.address(resolve(request, self._proxies).network)
        drawn = await budget.draw(network)
        if not drawn.allowed:
            raise TooManyRequestsException(headers=drawn.headers())
        return Charge(budget, network, drawn)


_DECIDED = DECIDED.lower().encode()
REFUNDED = frozenset({413, 415, 422})
"""Refusals made before any database work: a form that fails validation costs its reader none of the budget,
so a person correcting a comment is never locked out by their own typos (the server's work was a parse)."""


@dataclass
class Charge:
    """One request's draw on a budget, given back if the request is refused before any database work."""

    budget: Draws
    key: str
    drawn: Drawn

    async def settle(self, status: int, *, decided: bool = False) -> Drawn:
        """What the answer with this status tells the client, after giving the draw back if it is refunded (never
        for a refusal a rule `decided` after reading the database)."""
        if status not in REFUNDED or decided:
            return self.drawn
        await self.budget.refund(self.key)
        return dataclasses.replace(self.drawn, remaining=min(self.drawn.limit, self.drawn.remaining + 1))

    def telling(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                decided = any(name.lower() == _DECIDED for name, _ in message.get("headers", ()))
                told = await self.settle(message["status"], decided=decided)
                fields = [(name.encode(), value.encode()) for name, value in told.headers().items()]
                message["headers"] = [*message.get("headers", ()), *fields]
            await send(message)

        return sending


def _sweeping(store: FileStore | None) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def sweeping(_: Litestar) -> AsyncIterator[None]:
        if store is None:
            yield
            return

        async def sweep() -> None:
            while True:
                await asyncio.sleep(_SWEEP_SECONDS)
                await store.delete_expired()

        task = asyncio.create_task(sweep())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return sweeping
