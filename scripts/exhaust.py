"""Memory and availability of one worker under the floods one anonymous client can send, against a real server.

    .venv/bin/python scripts/exhaust.py [--only NAME ...]

Starts `parley serve --workers 1` on a fresh database (rate limits off, so that one client can send
everything), then, one flood at a time, prints the worker's resident memory before and after the flood,
how a second, ordinary client is answered meanwhile, and what the flooding client was answered:

- `headers`: 20 connections each send a request line and then 25 header lines of 1 MiB, never finishing.
- `half-open`: 1,000 connections send the start of a request and nothing more; how many are still open
  after 20 s.
- `slow`: 50 connections send one header byte every second.
- `query`: 3,000 thread reads with a unique 60 KB junk parameter each.
- `query-small`: 3,000 thread reads with a unique 6 KB junk parameter each (inside any header limit).
- `counts`: 300 count reads of 100 unique made-up slugs each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def serving() -> Iterator[tuple[str, int, str]]:
    """A one-worker `parley serve` on a fresh database; yields its base URL, pid and a thread's path."""
    with tempfile.TemporaryDirectory(prefix="parley-exhaust-") as folder:
        port = free_port()
        env = {
            **os.environ,
            "PARLEY_DATABASE": str(Path(folder) / "exhaust.db"),
            "PARLEY_WRITES_PER_MINUTE": "0",
            "PARLEY_READS_PER_MINUTE": "0",
            "PARLEY_ACCESS_LOG": "false",
        }
        command = [sys.executable, "-m", "parley.cli", "serve", "--workers", "1", "--host", HOST, "--port", str(port)]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.1)
            slug = httpx.get(f"{base}/api/v1/articles", params={"limit": 1}).json()["items"][0]["slug"]
            yield base, server.pid, f"/api/v1/articles/{slug}/comments"
        finally:
            server.terminate()
            server.wait(timeout=15)


async def probe(base: str) -> str:
    """An ordinary client's fresh connection, from another address (127.0.0.2): its answer and how long it took."""
    started = time.monotonic()
    try:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(timeout=5.0, transport=transport) as client:
            status = (await client.get(f"{base}/healthz")).status_code
    except httpx.HTTPError as error:
        return f"{type(error).__name__} after {time.monotonic() - started:.2f} s"
    return f"{status} in {(time.monotonic() - started) * 1000:.1f} ms"


async def opened(port: int, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    connections = []
    for _ in range(count):
        try:
            connections.append(await asyncio.wait_for(asyncio.open_connection(HOST, port), 5))
        except (TimeoutError, OSError):
            break
    return connections


async def still_open(connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]) -> tuple[int, Counter[str]]:
    """How many connections the server has not closed, and the first line of what it answered on the others."""
    alive = 0
    answers: Counter[str] = Counter()
    for reader, _writer in connections:
        try:
            data = await asyncio.wait_for(reader.read(200), 0.05)
        except TimeoutError:
            alive += 1
            continue
        except OSError as error:
            answers[type(error).__name__] += 1
            continue
        answers[data.split(b"\r\n", 1)[0].decode("latin-1") or "closed"] += 1
    return alive, answers


def close(connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]) -> None:
    for _reader, writer in connections:
        writer.close()


async def headers_flood(base: str, port: int, pid: int) -> None:
    connections = await opened(port, 20)
    line = b"X-Junk-%d: " + b"a" * (1024 * 1024) + b"\r\n"

    async def send(writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            for n in range(25):
                writer.write(line.replace(b"%d", str(n).encode(), 1))
                await asyncio.wait_for(writer.drain(), 10)

    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.gather(*(send(writer) for _reader, writer in connections))
    await asyncio.sleep(1)
    print(f"    worker after: {rss_mib(pid):.0f} MiB; another client: {await probe(base)}")
    alive, answers = await still_open(connections)
    print(f"    flooding connections still open: {alive} of {len(connections)}; answered: {dict(answers)}")
    close(connections)


async def half_open(base: str, port: int, pid: int) -> None:
    connections = await opened(port, 1000)
    for _reader, writer in connections:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    await asyncio.sleep(1)
    print(f"    opened {len(connections)}; worker: {rss_mib(pid):.0f} MiB; another client: {await probe(base)}")
    await asyncio.sleep(19)
    alive, answers = await still_open(connections)
    print(f"    after 20 s still open: {alive}; answered: {dict(answers)}; another client: {await probe(base)}")
    close(connections)


async def slow(base: str, port: int, pid: int) -> None:
    connections = await opened(port, 50)
    for _reader, writer in connections:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    for _second in range(20):
        await asyncio.sleep(1)
        for _reader, writer in connections:
            if not writer.is_closing() and not writer.transport.is_closing():
                with contextlib.suppress(OSError):
                    writer.write(b"a")
    alive, answers = await still_open(connections)
    print(f"    after 20 s at one byte a second, still open: {alive}; answered: {dict(answers)}")
    print(f"    worker: {rss_mib(pid):.0f} MiB; another client: {await probe(base)}")
    close(connections)


async def queries(base: str, path: str, size: int, count: int) -> Counter[int]:
    statuses: Counter[int] = Counter()
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one(n: int) -> None:
            async with gate:
                junk = f"{n:08d}" + "j" * (size - 8)
                try:
                    statuses[(await client.get(f"{path}?junk={junk}")).status_code] += 1
                except httpx.HTTPError as error:
                    statuses[type(error).__name__] += 1  # type: ignore[index]

        await asyncio.gather(*(one(n) for n in range(count)))
    return statuses


async def counts(base: str, count: int) -> Counter[int]:
    statuses: Counter[int] = Counter()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for n in range(count):
            slugs = [("slug", f"made-up-article-{n:05d}-{k:03d}-" + "x" * 30) for k in range(100)]
            statuses[(await client.get("/api/v1/counts", params=slugs)).status_code] += 1
    return statuses


async def run(name: str, count_reads: int) -> None:
    with serving() as (base, pid, path):
        port = int(base.rsplit(":", 1)[1])
        async with httpx.AsyncClient() as client:
            for _ in range(50):
                await client.get(f"{base}{path}")  # warm: the first answers fill what a worker keeps anyway
        print(f"  {name}: worker before: {rss_mib(pid):.0f} MiB")
        if name == "headers":
            await headers_flood(base, port, pid)
        elif name == "half-open":
            await half_open(base, port, pid)
        elif name == "slow":
            await slow(base, port, pid)
        elif name in ("query", "query-small"):
            statuses = await queries(base, path, 60_000 if name == "query" else 6_000, 3000)
            print(f"    answers: {dict(statuses)}; worker after: {rss_mib(pid):.0f} MiB")
        elif name == "counts":
            statuses = await counts(base, count_reads)
            print(f"    answers: {dict(statuses)}; worker after: {rss_mib(pid):.0f} MiB")


COUNT_READS = 300
FLOODS = ("headers", "half-open", "slow", "query", "query-small", "counts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="*", choices=FLOODS, default=list(FLOODS))
    parser.add_argument("--count-reads", type=int, default=COUNT_READS, help="count reads in the counts flood")
    args = parser.parse_args()
    for name in args.only:
        asyncio.run(run(name, args.count_reads))


if __name__ == "__main__":
    main()
