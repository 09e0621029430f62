"""One SQLite file: a single writer behind a lock with BEGIN IMMEDIATE, a pool of readers, WAL."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

import aiosqlite

from parley.storage.sqlite.glance import Glance
from parley.storage.sqlite.inline import InlineConnection
from parley.storage.sqlite.tx import SqliteTx
from parley.storage.sqlite.writer import Writer

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA temp_store = MEMORY",
    # Deleted and overwritten text (an edited body, a purged author) is zeroed, not left in free space.
    "PRAGMA secure_delete = ON",
)


def migrations() -> list[tuple[int, str]]:
    """The numbered `.sql` files beside this module, in order."""
    folder = resources.files("parley.storage.sqlite") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(path: str | Path) -> int:
    """Apply the migrations the file has not seen (tracked by PRAGMA user_version); returns the new version."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("BEGIN IMMEDIATE")
        current = conn.execute("PRAGMA user_version").fetchone()["user_version"]
        for number, script in migrations():
            if number > current:
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(number)}")
                current = number
        conn.execute("COMMIT")
        return int(current)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def checkpoint(path: str | Path) -> bool:
    """Move the WAL into the database file and empty it, so pages a change superseded (a purged author's
    text) are no longer on disk; False when a reader of the running service kept part of it busy."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=rw", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()["busy"]
    finally:
        conn.close()
    return not busy


def _statements(script: str) -> list[str]:
    """Split a script into statements so they run inside our transaction (executescript would commit)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        statements.append(buffer.strip())
    return statements


class SqliteStore:
    """The Store on one SQLite file. Answers to a write come only after its COMMIT."""

    def __init__(self, path: str | Path, *, readers: int = 2, synchronous: str = "FULL") -> None:
        self._path = str(path)
        self._reader_count = readers
        self._synchronous = synchronous
        self._writer: InlineConnection | None = None
        self._units: Writer | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._glance: Glance | None = None
        self._brief: InlineConnection | None = None
        self._brief_open = False

    async def open(self) -> SqliteStore:
        await asyncio.to_thread(migrate, self._path)
        self._writer = InlineConnection(await asyncio.to_thread(self._connect_writer), lock_path=self._path + "-writer")
        self._units = Writer(self._writer)
        for _ in range(self._reader_count):
            self._readers.put_nowait(await self._reader())
        self._glance = Glance(self._connect_inline_reader())
        self._brief = InlineConnection(self._connect_inline_reader())
        return self

    def _connect_inline_reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in (*_PRAGMAS, "PRAGMA query_only = ON"):
            conn.execute(pragma)
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        # Used from the event loop and, for BEGIN and COMMIT, from a worker thread; never at once (the
        # Writer's lock), hence check_same_thread=False.
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in (*_PRAGMAS, f"PRAGMA synchronous = {self._synchronous}"):
            conn.execute(pragma)
        return conn

    async def _reader(self) -> aiosqlite.Connection:
        reader = await self._connect()
        await reader.execute("PRAGMA query_only = ON")
        self._all_readers.append(reader)
        return reader

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self._path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            await conn.execute(pragma)
        await conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        return conn

    @property
    def glance(self) -> Glance:
        """The remembered cheap reads (article versions, counts), bounded in entries and bytes."""
        assert self._glance is not None, "store not opened"
        return self._glance

    def writing(self) -> AbstractAsyncContextManager[SqliteTx]:
        """A unit of work on the one writer (BEGIN IMMEDIATE, group commit); it returns after COMMIT."""
        assert self._units is not None, "store not opened"
        return self._units.unit()

    @asynccontextmanager
    async def reading(self, *, heavy: bool = False) -> AsyncIterator[SqliteTx]:
        """A snapshot of committed data: every query inside sees the same state.

        A brief read (a thread page, an article, a comment: bounded by their own limits) runs on the event loop
        itself, on a connection of its own: it takes less time than the hops to and from a reader thread, and
        when comments land every second the hops, not SQLite, were what readers waited for. A heavy read (the
        moderation queues and logs, which scan) or a brief one begun while another is open goes to a reader
        thread of the pool.
        """
        if not heavy and not self._brief_open and self._brief is not None:
            async with self._briefly(self._brief) as tx:
                yield tx
            return
        conn = await self._readers.get()
        try:
            await conn.execute("BEGIN")
            yield SqliteTx(conn)
        finally:
            # Shielded, and after whatever the reader's thread still has queued: a read cancelled while its BEGIN
            # or a query was on its way would otherwise leave the connection inside a transaction for the next.
            await asyncio.shield(self._give_back(conn))

    async def _give_back(self, conn: aiosqlite.Connection) -> None:
        """End the reader's transaction, however its read ended, and return it to the pool (or a new one)."""
        try:
            await conn.execute("SELECT 1")  # queued behind anything still running on its thread
            if conn.in_transaction:
                await conn.execute("COMMIT")
        except (sqlite3.Error, ValueError):
            with contextlib.suppress(sqlite3.Error, ValueError):
                await conn.close()
            self._all_readers.remove(conn)
            conn = await self._reader()
        self._readers.put_nowait(conn)

    @asynccontextmanager
    async def _briefly(self, conn: InlineConnection) -> AsyncIterator[SqliteTx]:
        self._brief_open = True
        try:
            await conn.execute("BEGIN")
            try:
                yield SqliteTx(conn)
            finally:
                await conn.execute("COMMIT")
        finally:
            self._brief_open = False

    async def article_version(self, slug: str, *, now: datetime) -> tuple[int, int] | None:
        assert self._glance is not None, "store not opened"
        return self._glance.article_version(slug, now)

    async def change_counter(self) -> int:
        assert self._glance is not None, "store not opened"
        return self._glance.change_counter()

    async def comment_counts(self, slugs: Sequence[str], *, now: datetime) -> dict[str, int]:
        assert self._glance is not None, "store not opened"
        return self._glance.comment_counts(slugs, now)

    async def ping(self) -> bool:
        try:
            async with self.reading() as tx:
                await tx.conn.execute_fetchall("SELECT 1")
        except (sqlite3.Error, ValueError):
            return False
        return True

    async def close(self) -> None:
        if self._glance is not None:
            self._glance.close()
            self._glance = None
        if self._brief is not None:
            await self._brief.close()
            self._brief = None
        for reader in self._all_readers:
            await reader.close()
        self._all_readers.clear()
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
