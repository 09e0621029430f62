"""Moving a site between engines: every table copied in batches from one snapshot, then counted and checksummed.

Both schemas hold the same tables and columns; only the types differ (SQLite keeps instants as RFC 3339 text,
flags as 0/1, lists as JSON text). Rows travel in one neutral form (datetime, bool, list, bytes), which is also
what the checksums hash, so a table checks the same on either side.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import msgspec

from parley.domain.records import stamp

# In the order foreign keys need; each with the columns its rows are ordered and paged by.
TABLES: dict[str, tuple[str, ...]] = {
    "authors": ("id",),
    "articles": ("id",),
    "article_tags": ("article_id", "tag"),
    "comments": ("id",),
    "comment_revisions": ("id",),
    "flags": ("id",),
    "tokens": ("id",),
    "bans": ("id",),
    "audit_events": ("id",),
    "site": ("key",),
    "idempotency_keys": ("key",),
    "webhooks": ("id",),
    "outbox": ("id",),
    "outbox_attempts": ("id",),
    "cursors": ("name",),
    "reply_notices": ("comment_id",),
    "mail_optouts": ("email_hash",),
}
_FLAGS = frozenset({"visible", "flagged", "comments_open"})
_LISTS = frozenset({"tags", "rules", "events"})
Row = tuple[Any, ...]


class CopyError(Exception):
    """The copy cannot start (a non-empty target, an unknown address) or did not check out."""


class Side(Protocol):
    """One database as the copy sees it: tables read in key order, rows written in the neutral form."""

    where: str

    async def columns(self, table: str) -> list[str]: ...
    async def count(self, table: str) -> int: ...
    def rows(self, table: str, columns: Sequence[str], batch: int) -> AsyncIterator[list[Row]]: ...
    async def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None: ...
    def snapshot(self) -> AbstractAsyncContextManager[None]: ...
    async def identity(self) -> tuple[object, ...]: ...
    def writing(self) -> AbstractAsyncContextManager[None]: ...
    async def close(self) -> None: ...


def _neutral(columns: Sequence[str]) -> Callable[[Row], Row]:
    """SQLite's values in the neutral form."""

    def convert(name: str, value: Any) -> Any:
        if value is None:
            return None
        if name.endswith("_at"):
            return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)
        if name in _FLAGS:
            return bool(value)
        if name in _LISTS:
            return msgspec.json.decode(value)
        return value

    return lambda row: tuple(convert(name, value) for name, value in zip(columns, row, strict=True))


def _sqlite_form(columns: Sequence[str]) -> Callable[[Row], Row]:
    def convert(name: str, value: Any) -> Any:
        if value is None:
            return None
        if name.endswith("_at"):
            return stamp(value)
        if name in _FLAGS:
            return int(value)
        if name in _LISTS:
            return msgspec.json.encode(list(value)).decode()
        return value

    return lambda row: tuple(convert(name, value) for name, value in zip(columns, row, strict=True))


def row_hash(row: Row) -> int:
    """A row's digest in the neutral form; a table's checksum is their sum, so row order does not matter (the
    engines sort text differently)."""

    def text(value: Any) -> Any:
        if isinstance(value, datetime):
            return stamp(value)
        if isinstance(value, bytes | memoryview):
            return bytes(value).hex()
        if isinstance(value, tuple | list):
            return list(value)
        return value

    return int.from_bytes(hashlib.sha256(msgspec.json.encode([text(v) for v in row])).digest()[:16], "big")


class SqliteSide:
    def __init__(self, path: str, *, read_only: bool = False) -> None:
        self.where = path
        self._real = os.path.realpath(path)
        # Read-only: a source is never created, migrated or written, whatever happens.
        uri = Path(path).resolve().as_uri() + ("?mode=ro" if read_only else "")
        self._conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")

    async def columns(self, table: str) -> list[str]:
        return [row["name"] for row in self._conn.execute(f"PRAGMA table_info({table})")]

    async def count(self, table: str) -> int:
        found: int = self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return found

    async def rows(self, table: str, columns: Sequence[str], batch: int) -> AsyncIterator[list[Row]]:
        keys = TABLES[table]
        order = ", ".join(keys)
        listed = ", ".join(columns)
        neutral = _neutral(columns)
        at = [columns.index(key) for key in keys]
        after: Row | None = None
        while True:
            # Table and column names come from TABLES and the schema, never from a person.
            where = "" if after is None else f"WHERE ({order}) > ({', '.join('?' * len(keys))})"
            sql = f"SELECT {listed} FROM {table} {where} ORDER BY {order} LIMIT {batch}"
            found = self._conn.execute(sql, after or ()).fetchall()
            if not found:
                return
            after = tuple(found[-1][i] for i in at)
            yield [neutral(tuple(row)) for row in found]

    async def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        form = _sqlite_form(columns)
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        self._conn.executemany(sql, [form(row) for row in rows])

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("ROLLBACK")

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    async def identity(self) -> tuple[object, ...]:
        return ("sqlite", self._real)

    async def close(self) -> None:
        self._conn.close()


class PgSide:
    def __init__(self, conn: asyncpg.Connection, where: str) -> None:
        self.where = where
        self._conn = conn
        self._tx: Any = None

    @classmethod
    async def open(cls, url: str, where: str) -> PgSide:
        return cls(await asyncpg.connect(url), where)

    async def columns(self, table: str) -> list[str]:
        found = await self._conn.fetch(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        return [row["column_name"] for row in found]

    async def count(self, table: str) -> int:
        found: int = await self._conn.fetchval(f"SELECT COUNT(*) FROM {table}")
        return found

    async def rows(self, table: str, columns: Sequence[str], batch: int) -> AsyncIterator[list[Row]]:
        keys = TABLES[table]
        order = ", ".join(f'{key} COLLATE "C"' if key in ("key", "tag") else key for key in keys)
        sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
        cursor = await self._conn.cursor(sql)  # inside `snapshot`: one repeatable-read view of every table
        while found := await cursor.fetch(batch):
            yield [tuple(row) for row in found]

    async def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        async with self._conn.transaction(isolation="repeatable_read", readonly=True):
            yield

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        async with self._conn.transaction():
            yield
            # The copied ids are taken: new rows must number after them.
            for table, keys in TABLES.items():
                if keys == ("id",):
                    await self._conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )

    async def identity(self) -> tuple[object, ...]:
        """The cluster (its system identifier), the database and the schema: one spelling of the host or another."""
        row = await self._conn.fetchrow(
            "SELECT (SELECT system_identifier FROM pg_control_system()) AS cluster,"
            " current_database() AS db, current_schema() AS schema"
        )
        assert row is not None
        return ("postgresql", row["cluster"], row["db"], row["schema"])

    async def empty(self) -> None:
        await self._conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")

    async def close(self) -> None:
        await self._conn.close()
