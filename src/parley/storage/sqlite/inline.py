"""The writer's connection: short statements run inline on the event loop, waits for locks and disk in a thread.

Why not aiosqlite here too: a write unit is a dozen indexed statements of tens of microseconds each, and
every aiosqlite call is a round trip to its thread that, under load, waits twice for the GIL. Measured on
a 2-core machine, those round trips, not SQLite, limited writes to a few hundred a second. The writer is
a single connection behind a lock, so inline statements never overlap; only the calls that can wait —
BEGIN IMMEDIATE (for another process's lock), COMMIT (for fsync), ROLLBACK — leave the loop.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Params = Sequence[Any] | Mapping[str, Any]


class InlineConnection:
    """The subset of aiosqlite's Connection the repositories use, over a plain sqlite3 connection.

    With a `lock_path`, transactions also hold an exclusive lock on that file: the writers of several server
    processes then queue in the kernel and each wakes the moment the other commits, where SQLite's own busy
    handler would poll with sleeps of up to 100 ms.
    """

    def __init__(self, conn: sqlite3.Connection, lock_path: str | None = None) -> None:
        self._conn = conn
        self._lock = None if lock_path is None else os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def execute(self, sql: str, parameters: Params = ()) -> None:
        self._conn.execute(sql, parameters)

    async def execute_fetchall(self, sql: str, parameters: Params = ()) -> list[Any]:
        return self._conn.execute(sql, parameters).fetchall()

    async def executemany(self, sql: str, parameters: Iterable[Params]) -> None:
        self._conn.executemany(sql, parameters)

    async def set_trace_callback(self, callback: Callable[[str], object] | None) -> None:
        self._conn.set_trace_callback(callback)

    async def begin(self) -> None:
        """BEGIN IMMEDIATE, off the event loop: it may wait for another process's transaction."""
        await asyncio.to_thread(self._begin)

    async def commit(self) -> None:
        """COMMIT, off the event loop: it waits for the disk."""
        await asyncio.to_thread(self._finish, "COMMIT")

    async def rollback(self) -> None:
        await asyncio.to_thread(self._finish, "ROLLBACK")

    def _begin(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._unlock()
            raise

    def _finish(self, sql: str) -> None:
        try:
            self._conn.execute(sql)
        finally:
            if not self._conn.in_transaction:  # a COMMIT that failed leaves the transaction open, still ours
                self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    async def close(self) -> None:
        await asyncio.to_thread(self._conn.close)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
