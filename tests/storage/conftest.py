"""The Store contract runs against every backend in BACKENDS: a second engine adds one opener here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from parley.domain.ports import Store
from parley.storage.sqlite.database import SqliteStore

Opener = Callable[[Path], AbstractAsyncContextManager[Store]]


@asynccontextmanager
async def sqlite(folder: Path) -> AsyncIterator[Store]:
    """A fresh SQLite file in the test's own folder."""
    opened = await SqliteStore(folder / "contract.db").open()
    try:
        yield opened
    finally:
        await opened.close()


BACKENDS: dict[str, Opener] = {"sqlite": sqlite}


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with BACKENDS[request.param](tmp_path) as opened:
        yield opened
