"""Shared fixtures: a fresh database per test on each engine, a clock the test moves, the real app over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.types import ASGIApp, Receive, Scope, Send

from parley.app import create_app
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import pg


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


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Every test that builds the app runs on both engines: SQLite (empty: the file) and PostgreSQL (a schema of
    its own). A test that reads the SQLite file behind the app's back is marked `sqlite_only`."""
    if request.param == "sqlite":
        yield ""
        return
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("reads the SQLite file itself")
    pg.require()
    async with pg.schema() as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Per-address limits are off here: they count in wall-clock minutes, which the test clock cannot move.
    tests/http/test_rate_limits.py switches them on. Remembered answers are never served stale here, so a test
    reads what it just wrote; tests/http/test_remembered_answers.py drives staleness with a clock of its own."""
    return Settings(
        database=str(tmp_path / "parley.db"),
        database_url=database_url,
        access_log=False,
        writes_per_minute=0,
        reads_per_minute=0,
        stale_seconds=0,
        # A live stream read through the in-process client must end for its answer to be read whole.
        stream_lifetime_seconds=0.2,
        # The outbox is worked by tests/outbound, pass by pass on the test's clock.
        outbox_worker=False,
    )


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    return create_app(settings, clock=clock)


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[Litestar]:
    """The app with its lifespan in the test's own event loop, so that a test may call its services directly
    (a PostgreSQL pool belongs to the loop that made it)."""
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
    try:
        yield app
    finally:
        stop.set()
        await task


def http_client(app: ASGIApp, address: str = "testclient") -> httpx.AsyncClient:
    """A client of an app running in the test's own loop, connecting from `address` (a peer, not a header)."""
    transport = httpx.ASGITransport(app=at_peer(app), client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app over HTTP in the test's loop; a request's `X-Test-Peer` header sets the address it comes from."""
    async with serving(app), http_client(app) as test_client:
        yield test_client


@pytest.fixture
async def app_in_loop(settings: Settings, clock: Clock) -> AsyncIterator[Litestar]:
    """The app with its lifespan in the test's own event loop, for tests that drive it concurrently or from
    chosen network addresses."""
    async with serving(create_app(settings, clock=clock)) as app:
        yield app


@pytest.fixture
def services(app: Litestar, client: httpx.AsyncClient) -> Services:
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


@asynccontextmanager
async def over_tcp(app: ASGIApp) -> AsyncIterator[str]:
    """The app behind a real uvicorn server on a free loopback port, in the test's loop: for answers that stream
    (httpx's in-process transport waits for a whole body). Yields the base URL."""
    import socket

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
