#!/usr/bin/env python3
"""Live streams: how many Server-Sent-Event clients one parley instance holds, and how long a comment takes from
its commit to each reader's stream (`python3 bench/streams.py`).

Starts `parley serve` (one process per instance) on SQLite, or on PostgreSQL with `--database postgresql://…`;
with `--instances 2` the comments are posted through instance A and every reader streams from B, so the delay is
the cross-instance one. For each client count it opens that many streams on one article, posts `--posts`
comments at `--rate` a second, and takes each delivery's delay as its arrival time minus the comment's
`created_at` (stamped inside the writing transaction, on this machine's clock). Standard library only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HOST, BenchError, Server, rss_bytes, start  # (bench/harness.py)

BENCH = Path(__file__).resolve().parent


def parley_command() -> Path:
    """The `parley` of the bench venv when there is one, else the one beside this Python."""
    venv = BENCH / ".venv-parley" / "bin" / "parley"
    return venv if venv.exists() else Path(sys.executable).with_name("parley")


def serve(n: int, database: str, logs: Path, port: int) -> Server:
    env = {
        **os.environ,
        "PARLEY_WORKERS": "1",
        "PARLEY_ACCESS_LOG": "false",
        "PARLEY_WRITES_PER_MINUTE": "0",
        "PARLEY_READS_PER_MINUTE": "0",
        "PARLEY_MAX_CONNECTIONS": "60000",
        "PARLEY_CONNECTIONS_PER_ADDRESS": "60000",
        # Every bench reader comes from 127.0.0.1: the per-network and per-process stream shares measure nothing.
        "PARLEY_MAX_STREAMS": "60000",
        "PARLEY_STREAMS_PER_ADDRESS": "60000",
    }
    argv = [str(parley_command()), "serve", "--port", str(port), "--database", database]
    return start(f"parley-{n}", argv, port=port, env=env, ready_path="/readyz", logs=logs)


async def request(port: int, method: str, path: str, body: dict[str, object] | None = None, token: str = "") -> dict:
    reader, writer = await asyncio.open_connection(HOST, port)
    payload = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n"
    if payload:
        head += "Content-Type: application/json\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    writer.write(head.encode() + b"\r\n" + payload)
    raw = await reader.read()
    writer.close()
    status = int(raw.split(b" ", 2)[1])
    if status >= 300:
        raise BenchError(f"{method} {path}: {status} {raw[-300:]!r}")
    return json.loads(raw.split(b"\r\n\r\n", 1)[1] or b"{}")


class Reader:
    """One stream client: raw HTTP/1.1, reading `comment` events and noting when each arrived."""

    def __init__(self, port: int, slug: str, delays: list[float]) -> None:
        self.port, self.slug, self.delays = port, slug, delays
        self.ready = asyncio.Event()

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection(HOST, self.port, limit=2**20)
        writer.write(f"GET /api/v1/articles/{self.slug}/comments/stream HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        event = b""
        try:
            while line := await reader.readline():
                if line.startswith(b"HTTP/1.1 ") and not line.startswith(b"HTTP/1.1 200"):
                    raise BenchError(f"a stream was refused: {line!r}")
                if line.startswith(b"event: "):
                    event = line[7:].strip()
                    if event == b"ready":
                        self.ready.set()
                elif line.startswith(b"data: ") and event == b"comment":
                    arrived = time.time()
                    created = json.loads(line[6:])["created_at"]
                    self.delays.append(arrived - datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp())
        finally:
            writer.close()


async def round_(ports: list[int], token: str, clients: int, posts: int, rate: float, pid: int) -> dict[str, object]:
    slug = f"streams-{clients}-{int(time.time() * 1000)}"
    await request(
        ports[0],
        "POST",
        "/api/v1/admin/articles",
        {"slug": slug, "title": "Live", "author": {"slug": "bench", "name": "Bench"}, "body": "x", "moderation": "post"},
        token,
    )
    delays: list[float] = []
    readers = [Reader(ports[-1], slug, delays) for _ in range(clients)]
    tasks = []
    for reader in readers:  # opened in waves, as a page full of readers would arrive
        tasks.append(asyncio.create_task(reader.run()))
        if len(tasks) % 200 == 0:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(reader.ready.wait() for reader in readers)), 120)
    held = rss_bytes([pid])
    started = time.monotonic()
    for n in range(posts):
        body = {"author_name": f"Bench {n}", "body": f"live comment {n}"}
        await request(ports[0], "POST", f"/api/v1/articles/{slug}/comments", body, token)
        await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
    deadline = time.monotonic() + 30
    while len(delays) < clients * posts and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    ordered = sorted(delays)
    return {
        "clients": clients,
        "rss_mib": round(held / 2**20, 1),
        "delivered": f"{len(delays)}/{clients * posts}",
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1) if ordered else None,
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", default="", help="postgresql://… (default: a fresh SQLite file)")
    ap.add_argument("--instances", type=int, choices=(1, 2), default=1, help="2: post through A, stream from B")
    ap.add_argument("--clients", default="100,1000,5000", help="comma-separated client counts")
    ap.add_argument("--posts", type=int, default=40, help="comments per round")
    ap.add_argument("--rate", type=float, default=10.0, help="comments a second")
    ap.add_argument("--port", type=int, default=18300)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    folder = Path(tempfile.mkdtemp(prefix="parley-streams-"))
    database = args.database or str(folder / "streams.db")
    subprocess.run([str(parley_command()), "migrate", "--database", database], check=True, capture_output=True)
    made = subprocess.run(
        [str(parley_command()), "token", "create", "--role", "admin", "--name", "bench", "--database", database],
        check=True,
        capture_output=True,
        text=True,
    )
    token = made.stdout.strip().splitlines()[-1]
    servers = [serve(n, database, folder, args.port + n) for n in range(args.instances)]
    engine = "PostgreSQL" if args.database else "SQLite"
    print(f"live streams on {engine}, {args.instances} instance(s) of one process; {args.posts} comments at "
          f"{args.rate:g}/s per round; readers on {'B, comments through A' if args.instances == 2 else 'the same instance'}")
    print("| clients | streaming instance RSS MiB | delivered | p50 ms | p99 ms | max ms |")
    print("|--:|--:|--:|--:|--:|--:|")
    try:
        for clients in (int(n) for n in args.clients.split(",")):
            figures = asyncio.run(
                round_([s.port for s in servers], token, clients, args.posts, args.rate, servers[-1].pid)
            )
            print(
                f"| {figures['clients']:,} | {figures['rss_mib']} | {figures['delivered']} | {figures['p50_ms']} "
                f"| {figures['p99_ms']} | {figures['max_ms']} |",
                flush=True,
            )
    finally:
        for server in servers:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
