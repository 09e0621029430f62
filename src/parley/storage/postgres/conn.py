"""The connection type the repositories are written against, and the one row they cannot do without."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from asyncpg import Record
from asyncpg.pool import PoolConnectionProxy

# A connection of the store's pool, held for one transaction (generic in asyncpg's stubs only).
if TYPE_CHECKING:
    Conn: TypeAlias = PoolConnectionProxy[Record]
else:
    Conn = PoolConnectionProxy


def one(row: Record | None) -> Record:
    """The row a statement that always returns one returned (RETURNING, an aggregate, a known id)."""
    if row is None:
        raise LookupError("a statement that returns one row returned none")
    return row
