"""PostgreSQL through an asyncpg pool: snapshot reads, and write transactions that take turns across every
instance on one database, so each rule that reads then writes holds exactly as it does on SQLite's one writer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources

import asyncpg

from parley.storage.postgres.tx import PgTx

WRITERS = 0x7061726C6579  # "parley": the advisory lock every write transaction holds until it ends
MIGRATING = WRITERS + 1

_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS parley_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)
"""


def migrations() -> list[tuple[int, str]]:
    """The numbered `.sql` files beside this module, in order."""
    folder = resources.files("parley.storage.postgres") / "migrations"
    found = [
        (int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(found)


async def migrate(conn: asyncpg.Connection) -> int:
    """Apply the migrations this database has not seen, each in its own transaction, one instance at a time."""
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATING)
    try:
        await conn.execute(_MIGRATIONS_TABLE)
        current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM parley_migrations")
        for number, script in migrations():
            if number > current:
                async with conn.transaction():
                    await conn.execute(script)
                    await conn.execute("INSERT INTO parley_migrations VALUES ($1, now())", number)
                current = number
        return int(current)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATING)


async def schema_version(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM parley_migrations"))
    finally:
        await conn.close()


class PgStore:
    """The Store on PostgreSQL. A write transaction holds the `WRITERS` advisory lock until it commits."""

    def __init__(self, url: str, *, pool_size: int = 8, server_settings: dict[str, str] | None = None) -> None:
        self._url = url
        self._pool_size = pool_size
        self._settings = server_settings or {}
        self._pool: asyncpg.Pool | None = None
        # One waiting writer per process holds a connection; the others wait here, leaving the pool to readers.
        self._writing = asyncio.Lock()

    async def open(self) -> PgStore:
        conn = await asyncpg.connect(self._url, server_settings=self._settings)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        self._pool = await asyncpg.create_pool(
            self._url, min_size=1, max_size=self._pool_size, server_settings=self._settings
        )
        return self

    def _require(self) -> asyncpg.Pool:
        assert self._pool is not None, "store not opened"
        return self._pool

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[PgTx]:
        """A write transaction; it returns after COMMIT. Instances take turns on one advisory lock, which
        PostgreSQL releases at the end of the transaction however it ends (a killed instance included)."""
        async with self._writing, self._require().acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITERS)
            yield PgTx(conn)
            await conn.execute("UPDATE changes SET n = n + 1 WHERE id = 1")

    @asynccontextmanager
    async def reading(self, *, heavy: bool = False) -> AsyncIterator[PgTx]:
        """A snapshot of committed data (REPEATABLE READ, read only): every query inside sees one state."""
        async with self._require().acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield PgTx(conn)

    async def change_counter(self) -> int:
        return int(await self._require().fetchval("SELECT n FROM changes WHERE id = 1"))

    _VERSION = "SELECT id, version FROM articles WHERE slug = $1 AND published_at <= $2"

    async def article_version(self, slug: str, *, now: datetime) -> tuple[int, int] | None:
        row = await self._require().fetchrow(self._VERSION, slug, now)
        return None if row is None else (int(row["id"]), int(row["version"]))

    _COUNTS = "SELECT slug, comment_count FROM articles WHERE slug = ANY($1::text[]) AND published_at <= $2"

    async def comment_counts(self, slugs: Sequence[str], *, now: datetime) -> dict[str, int]:
        rows = await self._require().fetch(self._COUNTS, list(slugs), now)
        return {row["slug"]: int(row["comment_count"]) for row in rows}

    async def ping(self) -> bool:
        try:
            return bool(await self._require().fetchval("SELECT TRUE"))
        except (asyncpg.PostgresError, OSError):
            return False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
