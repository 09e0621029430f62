"""Flood figure: 1,000 submissions from one address while another address reads a thread, against a real server.

    .venv/bin/python scripts/flood.py [--flood 1000] [--concurrency 32] [--before 300]

Starts `parley serve` on a temporary database at 127.0.0.1 on a free port, twice: with the default write
limit, then with it off, so the two can be compared. PARLEY_TRUSTED_PROXIES=127.0.0.1 lets X-Forwarded-For
stand for the two addresses. The reader reads in a closed loop, far faster than a person, so its own read
budget is raised for the measurement (PARLEY_READS_PER_MINUTE=1000000); the flooder's write budget is not.
Prints the reader's p50/p99 latency before and during the flood and how many submissions got 201 or 429.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

FLOODER = "203.0.113.66"
READER = "198.51.100.20"
SEEDED_COMMENTS = 40
Read = tuple[float, float]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def parley(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "parley.cli", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"parley {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


@contextlib.contextmanager
def serving(extra: dict[str, str]) -> Iterator[tuple[str, str]]:
    """A `parley serve` process on a fresh database; yields its base URL and an admin token."""
    with tempfile.TemporaryDirectory(prefix="parley-flood-") as folder:
        port = free_port()
        env = {
            **os.environ,
            "PARLEY_DATABASE": str(Path(folder) / "flood.db"),
            "PARLEY_TRUSTED_PROXIES": "127.0.0.1",
            "PARLEY_ACCESS_LOG": "false",
            **extra,
        }
        parley("migrate", env=env)
        token = parley("token", "create", "--role", "admin", "--name", "flood", env=env).strip().splitlines()[-1]
        server = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.1)
            yield base, token
        finally:
            server.terminate()
            server.wait(timeout=15)


async def prepare(base: str, token: str) -> str:
    """Post-moderation and a thread of approved comments to read; a moderator's token is not limited."""
    admin = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=admin) as client:
        policy = (await client.get("/api/v1/admin/policy")).json()
        (await client.put("/api/v1/admin/policy", json={**policy, "moderation": "post"})).raise_for_status()
        slug = str((await client.get("/api/v1/articles", params={"limit": 1})).json()["items"][0]["slug"])
        for n in range(SEEDED_COMMENTS):
            comment = {"author_name": f"Reader {n}", "body": f"A considered comment, number {n}, on this story."}
            (await client.post(f"/api/v1/articles/{slug}/comments", json=comment)).raise_for_status()
    return slug


async def read_while(client: httpx.AsyncClient, path: str, keep_going: Callable[[int], bool]) -> list[Read]:
    """Reads one after another while `keep_going(reads so far)`: when each started, and its milliseconds."""
    reads: list[Read] = []
    while keep_going(len(reads)):
        started = time.monotonic()
        response = await client.get(path)
        reads.append((started, (time.monotonic() - started) * 1000))
        if response.status_code != 200:
            raise SystemExit(f"the reader got {response.status_code}: {response.text[:200]}")
    return reads


async def flood(base: str, slug: str, total: int, concurrency: int) -> tuple[dict[int, int], float, float]:
    """The flooder: `total` submissions, `concurrency` at a time; their answers and when it began and ended."""
    gate = asyncio.Semaphore(concurrency)
    statuses: collections.Counter[int] = collections.Counter()
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"X-Forwarded-For": FLOODER}, limits=limits) as client:

        async def submit(n: int) -> None:
            async with gate:
                body = {"author_name": "Flood", "body": f"Buy now, offer {n} of {total}!"}
                statuses[(await client.post(f"/api/v1/articles/{slug}/comments", json=body)).status_code] += 1

        began = time.monotonic()
        await asyncio.gather(*(submit(n) for n in range(total)))
    return dict(statuses), began, time.monotonic()


def flood_process(base: str, slug: str, total: int, concurrency: int) -> tuple[dict[int, int], float, float]:
    return asyncio.run(flood(base, slug, total, concurrency))


def summary(reads: list[Read]) -> str:
    timings = [milliseconds for _, milliseconds in reads]
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return f"p50 {statistics.median(timings):6.2f} ms  p99 {cuts[98]:6.2f} ms  ({len(timings)} reads)"


async def measure(base: str, token: str, args: argparse.Namespace) -> None:
    slug = await prepare(base, token)
    path = f"/api/v1/articles/{slug}/comments"
    loop = asyncio.get_running_loop()
    # The flooder runs in a process of its own: in the reader's process it would slow the reader's own loop
    # and the figure would measure the client, not the server.
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        await loop.run_in_executor(pool, time.sleep, 0)  # start the process before anything is timed
        async with httpx.AsyncClient(base_url=base, headers={"X-Forwarded-For": READER}) as reader:
            await read_while(reader, path, lambda n: n < 20)  # warm up
            before = await read_while(reader, path, lambda n: n < args.before)
            flooding = loop.run_in_executor(pool, flood_process, base, slug, args.flood, args.concurrency)
            reads = await read_while(reader, path, lambda _: not flooding.done())
            statuses, began, ended = await flooding
            shown = (await reader.get(path)).json()["count"]
    during = [read for read in reads if began <= read[0] <= ended]
    print(f"  flood: {args.flood} submissions from {FLOODER} in {ended - began:.2f} s, {args.concurrency} at a time")
    print(f"  answers: {dict(sorted(statuses.items()))}  (thread now shows {shown}, {SEEDED_COMMENTS} before)")
    print(f"  reader {READER} before the flood: {summary(before)}")
    print(f"  reader {READER} during the flood: {summary(during)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--flood", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--before", type=int, default=300)
    args = parser.parse_args()
    for label, extra in (
        ("default write limit (PARLEY_WRITES_PER_MINUTE=10)", {"PARLEY_WRITES_PER_MINUTE": "10"}),
        ("write limit off (PARLEY_WRITES_PER_MINUTE=0)", {"PARLEY_WRITES_PER_MINUTE": "0"}),
    ):
        print(label)
        with serving({**extra, "PARLEY_READS_PER_MINUTE": "1000000"}) as (base, token):
            asyncio.run(measure(base, token, args))


if __name__ == "__main__":
    main()
