"""`parley copy`: a whole site from one database into another, then checked table by table."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import msgspec

from parley.settings import Settings
from parley.storage.copying import TABLES, CopyError, PgSide, Side, SqliteSide, row_hash

_SUM = 2**128


class TableCheck(msgspec.Struct, frozen=True):
    """One table after the copy: its rows and checksum on each side."""

    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


def address(text: str) -> Settings:
    """The database a person typed: a postgresql:// URL, sqlite:///path, or a path."""
    if text.startswith(("postgresql://", "postgres://")):
        return Settings(database_url=text)
    path = text.removeprefix("sqlite://")
    if not path or "://" in path:
        raise CopyError(f"not a database address: {text!r} (postgresql://… or sqlite:///path)")
    return Settings(database=path)


async def open_side(settings: Settings, *, read_only: bool = False) -> Side:
    if settings.postgres:
        return await PgSide.open(settings.database_url, settings.where)
    return SqliteSide(settings.database, read_only=read_only)


async def open_source(settings: Settings) -> Side:
    """The database to copy from, opened without creating or changing anything; it must hold a site."""
    side = await open_side(settings, read_only=True)  # a missing SQLite file is an error, never made
    try:
        if not await side.columns("articles") or not await side.count("articles"):
            raise CopyError(f"{settings.where} holds no parley site: nothing to copy")
    except BaseException:
        await side.close()
        raise
    return side


def same_file(source: Settings, target: Settings) -> bool:
    """Whether two SQLite addresses name one file, however spelled (a link, a relative path)."""
    if source.postgres or target.postgres or not os.path.exists(target.database):
        return False
    return os.path.exists(source.database) and os.path.samefile(source.database, target.database)


async def target_is(source: Side, target: Settings) -> bool:
    """Whether `target` names the PostgreSQL database (and schema) `source` is, however spelled (another host
    name or address for the same server)."""
    if not target.postgres or not isinstance(source, PgSide):
        return False
    other = await open_side(target)
    try:
        return await other.identity() == await source.identity()
    finally:
        await other.close()


def remove_sqlite(path: str) -> None:
    """A SQLite target replaced: its file and the WAL beside it (its audit log refuses row deletions)."""
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


async def copy_site(
    source: Side, target: Side, *, batch: int, replace: bool, progress: Callable[[int], None]
) -> list[TableCheck]:
    """Copy every table from one snapshot of `source` into `target` in one transaction; then compare them."""
    held = [table for table in TABLES if await target.count(table)]
    if held and not replace:
        raise CopyError(f"{target.where} already holds a site ({', '.join(held)}): pass --replace to empty it first")
    async with source.snapshot():
        async with target.writing():
            if held and isinstance(target, PgSide):
                await target.empty()
            for table in TABLES:
                columns = await source.columns(table)
                if sorted(columns) != sorted(await target.columns(table)):
                    raise CopyError(f"{table} differs between the two schemas: run `parley migrate` on both")
                async for rows in source.rows(table, columns, batch):
                    await target.write(table, columns, rows)
                    progress(len(rows))
        return await compare(source, target, batch=batch)


async def totals(side: Side) -> int:
    return sum([await side.count(table) for table in TABLES])


async def compare(source: Side, target: Side, *, batch: int = 1000) -> list[TableCheck]:
    """Every table's rows and checksum on both sides (the source read as it stands, or in its open snapshot)."""
    return [await _check(source, target, table, batch) for table in TABLES]


async def _check(source: Side, target: Side, table: str, batch: int) -> TableCheck:
    columns = await source.columns(table)

    async def checksum(side: Side) -> str:
        total = 0
        async for rows in side.rows(table, columns, batch):
            total = (total + sum(map(row_hash, rows))) % _SUM
        return f"{total:032x}"

    # The source is still inside the snapshot it was copied from; the target is read as committed.
    source_sum = await checksum(source)
    async with target.snapshot():
        target_sum = await checksum(target)
        target_rows = await target.count(table)
    return TableCheck(table, await source.count(table), target_rows, source_sum, target_sum)
