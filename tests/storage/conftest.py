"""The Store contract runs against every backend; today that is SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from parley.domain.ports import Store
from parley.storage.sqlite.database import SqliteStore


@pytest.fixture(params=["sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened = await SqliteStore(tmp_path / "contract.db").open()
    try:
        yield opened
    finally:
        await opened.close()
