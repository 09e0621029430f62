#!/usr/bin/env python3
"""Where a thread read's time goes, stage by stage, in one process with no HTTP and no load generator.

    bench/.venv-parley/bin/python bench/breakdown.py [--database bench/.data/parley-t200.db]
        [--slug bench-t200] [--limit 100] [--rounds 300]

Times, per request (best of three rounds, median call): the page query run straight on sqlite3 (with and
without fetching the rows), the same through aiosqlite, the rows turned into ThreadRows, the tree
built, the page encoded to JSON, the whole ThreadService.page call, and the whole request through
Litestar's in-process test client. The differences say what each layer costs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient

from parley.app import create_app
from parley.domain import tree
from parley.domain.paging import Sort
from parley.domain.records import ThreadRow
from parley.http.deps import running
from parley.settings import Settings
from parley.storage.sqlite.database import SqliteStore
from parley.storage.sqlite.threads import PAGE_SQL

BENCH = Path(__file__).resolve().parent


def timed(call: Callable[[], Any], rounds: int) -> float:
    """Median seconds per call, the best of three rounds."""
    best = []
    for _ in range(3):
        samples = []
        for _ in range(rounds):
            began = time.perf_counter()
            call()
            samples.append(time.perf_counter() - began)
        best.append(statistics.median(samples))
    return min(best)


async def timed_async(call: Callable[[], Awaitable[Any]], rounds: int) -> float:
    best = []
    for _ in range(3):
        samples = []
        for _ in range(rounds):
            began = time.perf_counter()
            await call()
            samples.append(time.perf_counter() - began)
        best.append(statistics.median(samples))
    return min(best)


async def main(args: argparse.Namespace) -> None:
    conn = sqlite3.connect(args.database)
    article_id = conn.execute("SELECT id FROM articles WHERE slug = ?", (args.slug,)).fetchone()[0]
    params = {"article_id": article_id, "after_id": None, "after_key": None, "limit": args.limit, "budget": 250,
              "own_id": None}  # fmt: skip
    sql = PAGE_SQL[Sort.OLDEST, False]
    rows = conn.execute(sql, params).fetchall()
    width = len(ThreadRow.__struct_fields__)
    thread_rows = [ThreadRow(*row[:width]) for row in rows]
    items = tree.build(thread_rows)
    figures: dict[str, float] = {
        "sqlite3: page query, first row only": timed(lambda: conn.execute(sql, params).fetchone(), args.rounds),
        "sqlite3: page query, all rows fetched": timed(lambda: conn.execute(sql, params).fetchall(), args.rounds),
        "rows -> ThreadRow structs": timed(lambda: [ThreadRow(*row[:width]) for row in rows], args.rounds),
        "tree.build (CommentNodes, nesting)": timed(lambda: tree.build(thread_rows), args.rounds),
        "msgspec JSON encode of the page": timed(lambda: msgspec.json.encode(items), args.rounds),
    }
    store = await SqliteStore(args.database).open()

    async def through_aiosqlite() -> None:
        async with store.reading() as tx:
            await tx.conn.execute_fetchall(sql, params)

    figures["aiosqlite: reader snapshot + page query + fetch"] = await timed_async(through_aiosqlite, args.rounds)
    await store.close()
    app = create_app(Settings(database=str(args.database), access_log=False))
    async with AsyncTestClient(app) as client:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        threads = running(client.app).services.threads

        async def service() -> None:
            await threads.page(args.slug, sort=Sort.OLDEST, cursor=None, limit=args.limit)

        async def request() -> None:
            await client.get(f"/api/v1/articles/{args.slug}/comments", params={"limit": args.limit})

        figures["ThreadService.page (article + page query + tree)"] = await timed_async(service, args.rounds)
        figures["whole request via Litestar's test client"] = await timed_async(request, args.rounds)
    print(f"{len(rows)} rows, {len(msgspec.json.encode(items)):,} bytes of JSON; median per call:")
    for name, seconds in figures.items():
        print(f"  {1000 * seconds:8.3f} ms  {name}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", type=Path, default=BENCH / ".data" / "parley-t200.db")
    ap.add_argument("--slug", default="bench-t200")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=300)
    asyncio.run(main(ap.parse_args()))
