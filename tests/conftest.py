"""Shared fixtures: a fresh SQLite file per test, a clock the test moves, the real app over AsyncTestClient."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from parley.app import create_app
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Per-address limits are off here: they count in wall-clock minutes, which the test clock cannot move.
    tests/http/test_rate_limits.py switches them on. Remembered answers are never served stale here, so a test
    reads what it just wrote; tests/http/test_remembered_answers.py drives staleness with a clock of its own."""
    return Settings(
        database=str(tmp_path / "parley.db"),
        access_log=False,
        writes_per_minute=0,
        reads_per_minute=0,
        stale_seconds=0,
    )


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """The app through Litestar's test client; a request's `X-Test-Peer` header sets the address it comes from."""
    async with AsyncTestClient(at_peer(app)) as test_client:
        yield test_client


@pytest.fixture
async def app_in_loop(settings: Settings, clock: Clock) -> AsyncIterator[Litestar]:
    """The app with its lifespan in the test's own event loop, for tests that drive it concurrently or from
    chosen network addresses (AsyncTestClient runs the app in a thread of its own, one request at a time)."""
    app = create_app(settings, clock=clock)
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        # Entered and left in one task: the lifespan's task group must not cross pytest's setup/teardown tasks.
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    yield app
    stop.set()
    await task


@pytest.fixture
def services(app: Litestar, client: AsyncTestClient) -> Services:  # type: ignore[type-arg]
    """The running app's services (the client has started it)."""
    found: Services = running(app).services
    return found


PEER = "X-Test-Peer"


def at_peer(app: ASGIApp) -> ASGIApp:
    """The test client always connects from 'testclient'; a request's `X-Test-Peer` header sets its socket address."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            peer = dict(scope["headers"]).get(PEER.lower().encode())
            if peer is not None:
                scope["client"] = (peer.decode(), 50000)
        await app(scope, receive, send)

    return wrapped
