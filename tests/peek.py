"""Facts read from the database behind the Store's back, on either engine: what tests check and no use case needs."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from contextlib import closing
from typing import Any

import asyncpg

from parley.settings import Settings


async def rows(settings: Settings, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one query (written with `?` placeholders) on the app's database; rows as dicts by column name."""
    if settings.postgres:
        numbered = iter(range(1, 1000))
        conn = await asyncpg.connect(settings.database_url)
        try:
            found = await conn.fetch(re.sub(r"\?", lambda _: f"${next(numbered)}", sql), *args)
        finally:
            await conn.close()
        return [dict(row) for row in found]

    def read() -> list[dict[str, Any]]:
        with closing(sqlite3.connect(settings.database)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(sql, args)]

    return await asyncio.to_thread(read)


async def execute(settings: Settings, sql: str, *args: Any) -> None:
    """Change the database behind the app's back (a test standing in for another process or an operator)."""
    if settings.postgres:
        numbered = iter(range(1, 1000))
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute(re.sub(r"\?", lambda _: f"${next(numbered)}", sql), *args)
        finally:
            await conn.close()
        return

    def write() -> None:
        with closing(sqlite3.connect(settings.database)) as conn, conn:
            conn.execute(sql, args)

    await asyncio.to_thread(write)


def database_args(settings: Settings) -> list[str]:
    """The command line's `--database` naming the app's database."""
    return ["--database", settings.database_url or settings.database]


async def flags_on(settings: Settings, comment_id: str | int) -> list[tuple[str, str | None]]:
    """The reason and note of every flag kept on a comment, oldest first."""
    found = await rows(settings, "SELECT reason, note FROM flags WHERE comment_id = ? ORDER BY id", int(comment_id))
    return [(row["reason"], row["note"]) for row in found]


async def dump(settings: Settings) -> str:
    """Every row of every table as text: what a stolen copy of the database would show."""
    if settings.postgres:
        conn = await asyncpg.connect(settings.database_url)
        try:
            tables = await conn.fetch(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
            lines = []
            for table in tables:
                name = table["table_name"]
                # A table name read from the catalogue, not typed by anyone.
                every = f'SELECT t::text FROM "{name}" t ORDER BY 1'  # noqa: S608
                lines += [f"{name} {row[0]}" for row in await conn.fetch(every)]
        finally:
            await conn.close()
        return "\n".join(lines)

    def read() -> str:
        with closing(sqlite3.connect(settings.database)) as conn:
            return "\n".join(conn.iterdump())

    return await asyncio.to_thread(read)
