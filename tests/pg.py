"""PostgreSQL for tests: a database per run (`.ci/run` makes one and names it in PARLEY_TEST_POSTGRES), and a
fresh schema per test inside it, so each test starts from an empty, freshly migrated parley."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from urllib.parse import quote

import asyncpg

from tests.needs import Needed

DEFAULT = "postgresql://postgres@127.0.0.1:5432/parley_tests"


def url() -> str:
    return os.environ.get("PARLEY_TEST_POSTGRES", DEFAULT)


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


def _in_schema(name: str) -> str:
    """The tests' database URL with `name` as every connection's schema."""
    return url() + ("&" if "?" in url() else "?") + "options=" + quote(f"-csearch_path={name}")


_postgres = Needed("postgres", url, _probe)
reachable, require = _postgres.reachable, _postgres.require


@asynccontextmanager
async def schema() -> AsyncIterator[str]:
    """A new empty schema, dropped afterwards; yields a database URL whose connections use it."""
    name = "t_" + uuid.uuid4().hex[:16]
    conn = await asyncpg.connect(url())
    try:
        await conn.execute(f"CREATE SCHEMA {name}")
        yield _in_schema(name)
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
        yield _in_schema(name)
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
