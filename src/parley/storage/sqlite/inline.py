"""The writer's connection: short statements run inline on the event loop, waits for locks and disk in a thread.

Why not aiosqlite here too: a write unit is a dozen indexed statements of tens of microseconds each, and
every aiosqlite call is a round trip to its thread that, under load, waits twice for the GIL. Measured on
a 2-core machine, those round trips, not SQLite, limited writes to a few hundred a second. The writer is
a single connection behind a lock, so inline statements never overlap; only the calls that can wait —
BEGIN IMMEDIATE (for another process's lock), COMMIT (for fsync), ROLLBACK — leave the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Params = Sequence[Any] | Mapping[str, Any]


class InlineConnection:
    """The subset of aiosqlite's Connection the repositories use, over a plain sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

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

    async def waiting(self, sql: str) -> None:
        """A statement that may wait on another process or on the disk: run off the event loop."""
        await asyncio.to_thread(self._conn.execute, sql)

    async def close(self) -> None:
        await asyncio.to_thread(self._conn.close)
