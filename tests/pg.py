"""PostgreSQL for tests: a database per run (`.ci/run` makes one and names it in PARLEY_TEST_POSTGRES), and a
fresh schema per test inside it, so each test starts from an empty, freshly migrated parley."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from urllib.parse import quote

import asyncpg
import pytest

DEFAULT = "postgresql://postgres@127.0.0.1:5432/parley_tests"


def url() -> str:
    return os.environ.get("PARLEY_TEST_POSTGRES", DEFAULT)


_reachable: bool | None = None


def reachable() -> bool:
    """Whether the tests' PostgreSQL answers (making the default database if it is missing); checked once."""
    global _reachable
    if _reachable is None:
        # On a thread of its own: callers may already run inside an event loop.
        with concurrent.futures.ThreadPoolExecutor(1) as once:
            _reachable = once.submit(asyncio.run, _probe()).result()
    return _reachable


async def _probe() -> bool:
    try:
        conn = await asyncpg.connect(url(), timeout=3)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(url().rsplit("/", 1)[0] + "/postgres", timeout=3)
        try:
            await admin.execute(f'CREATE DATABASE "{url().rsplit("/", 1)[1]}"')
        finally:
            await admin.close()
        return True
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def require() -> None:
    """Skip a PostgreSQL case where there is none; CI sets PARLEY_REQUIRE_POSTGRES, and there it fails."""
    if reachable():
        return
    if os.environ.get("PARLEY_REQUIRE_POSTGRES"):
        pytest.fail(f"PostgreSQL is not reachable at {url()}")
    pytest.skip(f"no PostgreSQL at {url()} (set PARLEY_TEST_POSTGRES)")


@asynccontextmanager
async def schema() -> AsyncIterator[str]:
    """A new empty schema, dropped afterwards; yields a database URL whose connections use it."""
    name = "t_" + uuid.uuid4().hex[:16]
    conn = await asyncpg.connect(url())
    try:
        await conn.execute(f"CREATE SCHEMA {name}")
        yield url() + ("&" if "?" in url() else "?") + "options=" + quote(f"-csearch_path={name}")
    finally:
        await conn.execute(f"DROP SCHEMA {name} CASCADE")
        await conn.close()


@contextmanager
def schema_for_processes() -> Iterator[str]:
    """`schema()` for a test without an event loop of its own, whose servers run in other processes."""
    require()
    name = "t_" + uuid.uuid4().hex[:16]
    asyncio.run(_run(f"CREATE SCHEMA {name}"))
    try:
        yield url() + ("&" if "?" in url() else "?") + "options=" + quote(f"-csearch_path={name}")
    finally:
        asyncio.run(_run(f"DROP SCHEMA {name} CASCADE"))


async def _run(sql: str) -> None:
    conn = await asyncpg.connect(url())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fetch(database_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """Rows from the database a URL names (its schema included)."""
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()
