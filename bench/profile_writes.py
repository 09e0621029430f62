#!/usr/bin/env python3
"""Where a write's CPU goes: "Add yours" requests sent straight into the ASGI app, one at a time or several at once.

    bench/.venv-parley/bin/python bench/profile_writes.py [--writes 2000] [--sync FULL] [--concurrency 1]

No HTTP server and no load generator: the app is called in-process, so every microsecond printed is
parley's (and Litestar's) own. Prints wall and CPU time per write (the event loop's thread apart from
the worker threads that render Markdown and run BEGIN/COMMIT), Markdown rendering alone, then a
profile of the loop's thread with its own time summed by layer.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import pstats
import tempfile
import time
import timeit
from collections import defaultdict
from pathlib import Path
from typing import Any

from parley.app import create_app
from parley.cli import run, seed_store
from parley.domain.text import render_comment
from parley.settings import Settings


async def call(app: Any, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request through the ASGI interface, as uvicorn would make it."""
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            chunks.append(message.get("body", b""))

    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}  # fmt: skip
    await app(scope, receive, send)
    return status, b"".join(chunks)


def layer(filename: str, function: str) -> str:
    if "/parley/" in filename:
        return "parley." + filename.split("/parley/")[1].split("/")[0].removesuffix(".py")
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if filename == "~":
        if "epoll" in function:
            return "idle: waiting in epoll for threads and fsync"
        return "sqlite3 (C)" if "sqlite3" in function else "builtins (C)"
    return "asyncio and stdlib" if "asyncio" in filename or "/lib/python3" in filename else "other"


async def main(writes: int, sync: str, verbose: bool, concurrency: int) -> None:
    folder = Path(tempfile.mkdtemp())
    settings = Settings(database=str(folder / "p.db"), writes_per_minute=0, reads_per_minute=0, access_log=False,
                        synchronous=sync)  # fmt: skip
    await asyncio.to_thread(run, settings, lambda store: seed_store(store, settings, only_if_empty=True))
    app = create_app(settings)
    async with app.lifespan():
        slug = json.loads((await call(app, "GET", "/api/v1/articles"))[1])["items"][0]["slug"]
        bodies = [f"Reader {i} thinks *this* is right, and says why at [length](https://example.org/{i})." for i in
                  range(writes + 50)]  # fmt: skip

        async def one(i: int) -> None:
            body = {"author_name": f"Reader {i}", "author_email": f"r{i}@example.org", "body": bodies[i]}
            status, answer = await call(app, "POST", f"/api/v1/articles/{slug}/comments", json.dumps(body).encode())
            assert status in (201, 202), answer

        for i in range(50):
            await one(i)
        began, cpu, loop_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        if concurrency == 1:
            for i in range(50, 50 + writes // 2):
                await one(i)
        else:
            serials = iter(range(50, 50 + writes // 2))

            async def client() -> None:
                for i in serials:
                    await one(i)

            await asyncio.gather(*(client() for _ in range(concurrency)))
        wall, cpu, loop_cpu = (time.perf_counter() - began, time.process_time() - cpu, time.thread_time() - loop_cpu)
        n = writes // 2
        render = timeit.timeit(lambda: render_comment(bodies[0]), number=1000) / 1000
        print(f"{n} writes, {concurrency} at a time, synchronous={sync}: {n / wall:.0f} writes/s; per write:")
        print(f"  wall {wall / n * 1e6:7.0f} us")
        print(f"  CPU  {cpu / n * 1e6:7.0f} us  (event loop's thread {loop_cpu / n * 1e6:.0f} us,"
              f" worker threads {(cpu - loop_cpu) / n * 1e6:.0f} us)")  # fmt: skip
        print(f"  of which Markdown rendering alone {render * 1e6:.0f} us (in a worker thread)")

        profile = cProfile.Profile()
        profile.enable()
        for i in range(50 + n, 50 + writes):
            await one(i)
        profile.disable()
    stats: Any = pstats.Stats(profile)
    own: dict[str, float] = defaultdict(float)
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        own[layer(filename, function)] += tottime
    # The loop's idle wait (epoll) is time spent waiting for worker threads and fsync, not CPU.
    total = sum(own.values())
    if verbose:
        stats.sort_stats("tottime").print_stats(25)
    print(f"\nprofile of the event loop's thread, {writes - n} writes (own time by layer, profiler overhead included):")
    for name, seconds in sorted(own.items(), key=lambda item: -item[1]):
        if seconds / total >= 0.005:
            print(f"  {seconds / (writes - n) * 1e6:7.0f} us  {seconds / total:5.1%}  {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--sync", default="FULL")
    parser.add_argument("--concurrency", type=int, default=1, help="writes in flight at once")
    parser.add_argument("--verbose", action="store_true", help="also the 25 functions with most own time")
    arguments = parser.parse_args()
    logging.disable(logging.CRITICAL)
    asyncio.run(main(arguments.writes, arguments.sync, arguments.verbose, arguments.concurrency))
