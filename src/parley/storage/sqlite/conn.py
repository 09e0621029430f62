"""The connection interface the repositories are written against."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any, Protocol


class Conn(Protocol):
    """What repositories call: aiosqlite's Connection for readers, InlineConnection for the writer."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Awaitable[Any]: ...
    def execute_fetchall(self, sql: str, parameters: Any = ..., /) -> Awaitable[Iterable[Any]]: ...
    def executemany(self, sql: str, parameters: Any, /) -> Awaitable[Any]: ...
