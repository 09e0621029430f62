"""The Store contract runs against every backend in BACKENDS: a second engine adds one opener here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from parley.domain.ports import Store
from parley.storage.postgres.database import PgStore
from parley.storage.sqlite.database import SqliteStore
from tests import pg

Opener = Callable[[Path], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def sqlite(folder: Path) -> AsyncIterator[Store]:
    """A fresh SQLite file in the test's own folder."""
    opened = await SqliteStore(folder / "contract.db").open()
    try:
        yield opened
    finally:
        await opened.close()


@asynccontextmanager
async def postgres(folder: Path) -> AsyncIterator[Store]:
    """A fresh schema in the tests' PostgreSQL database."""
    pg.require()
    async with pg.schema() as url:
        opened = await PgStore(url, pool_size=4).open()
        try:
            yield opened
        finally:
            await opened.close()


BACKENDS: dict[str, Opener] = {"sqlite": sqlite, "postgres": postgres}


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with BACKENDS[request.param](tmp_path) as opened:
        yield opened
