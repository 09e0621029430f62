#!/usr/bin/env python3
"""Sustained comment POSTs that count exactly: stop issuing at the deadline, then wait for every reply.

    writer.py --kind parley|isso --port P --target SLUG --concurrency 16 --duration 15 [--parents 1-200]
              [--rate R] [--targets SLUG,SLUG,...] [--tokens-out FILE]

Standard library only (uses uvloop when it is installed). Each of --concurrency workers keeps one
HTTP/1.1 connection (reopened when the server closes it, as gunicorn's sync workers do after every
answer) and sends the next request only after the previous answer. A request that fails on the wire
is counted as an error and not retried. Prints one JSON object: answers by status, errors, writes/s
(2xx answers / seconds from the first request to the last answer), latency percentiles, and the
client's own CPU use, so a run can show the client was not the bottleneck.

With --rate, the n-th request is not sent before n / rate seconds from the start: a steady stream of new
comments, as on a live site. With --targets, each comment goes to one of those articles at random (a reply
only to the --target thread). With --tokens-out, each created comment's article and edit token is written
there, a line each, for readers who look at the thread as its author.

Both servers get the same sequence of comments (same --seed): Markdown bodies from populate.py's
generator with a serial number (no two alike, so parley's duplicate rule never fires), a distinct
email per request (parley limits an author to a few comments a minute), and one in five a reply to
a comment drawn from --parents.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent / "isso"))
import populate  # (bench/isso/populate.py: the Markdown body generator)


class Comments:
    """The n-th comment to send, the same for both servers."""

    def __init__(self, seed: int, parents: list[int]) -> None:
        rng = random.Random(seed)
        self.bodies = [populate.body(rng) for _ in range(500)]
        self.parents = [rng.choice(parents) if parents and rng.random() < 0.2 else None for _ in range(997)]

    def parley(self, n: int) -> dict[str, object]:
        comment: dict[str, object] = {
            "author_name": f"Writer {n % 500}",
            "author_email": f"writer{n}@example.com",
            "body": f"{self.bodies[n % 500]}\n\nNote {n}.",
        }
        parent = self.parents[n % 997]
        if parent is not None:
            comment["parent_id"] = str(parent)
        return comment

    def isso(self, n: int) -> dict[str, object]:
        return {
            "text": f"{self.bodies[n % 500]}\n\nNote {n}.",
            "author": f"Writer {n % 500}",
            "email": f"writer{n}@example.com",
            "website": None,
            "parent": self.parents[n % 997],
            "title": None,
            "notification": 0,
        }


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1; reopened when the server says it closes."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        return (await self.exchange(path, body))[0]

    async def exchange(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST, and the status and body of the answer."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed before an answer")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        answer = b""
        if "content-length" in headers:
            answer = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                answer += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readline()
        else:
            answer = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection") == "close":
            await self.close()
        return status, answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def run(args: argparse.Namespace) -> dict[str, object]:
    comments = Comments(args.seed, parse_ids(args.parents))
    targets = [slug for slug in args.targets.split(",") if slug] if args.targets else []
    rng = random.Random(args.seed)
    tokens: list[str] = []

    def path_for(comment: dict[str, object]) -> tuple[str, str]:
        slug = args.target
        if targets and "parent_id" not in comment:
            slug = rng.choice(targets)
        if args.kind == "parley":
            return slug, f"/api/v1/articles/{quote(slug, safe='')}/comments"
        return slug, f"/new?uri={quote(slug, safe='')}"

    serial = iter(range(10**9))
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + args.duration
    last_answer = start

    async def worker() -> None:
        nonlocal last_answer
        conn = Connection(args.port)
        while time.perf_counter() < deadline:
            n = next(serial)
            if args.rate > 0 and (wait := start + n / args.rate - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
                if time.perf_counter() >= deadline:
                    break
            comment = comments.parley(n) if args.kind == "parley" else comments.isso(n)
            if targets and args.kind == "parley" and rng.random() < 0.8:
                comment.pop("parent_id", None)  # replies stay on the --target thread, where their parents are
            slug, path = path_for(comment)
            body = json.dumps(comment).encode()
            sent = time.perf_counter()
            try:
                status, answer = await conn.exchange(path, body)
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                await conn.close()
                continue
            last_answer = time.perf_counter()
            latencies.append(last_answer - sent)
            statuses[status] = statuses.get(status, 0) + 1
            if args.tokens_out and status == 201:
                tokens.append(f"{slug}\t{json.loads(answer)['edit_token']}")
        await conn.close()

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    return summary(statuses, errors, latencies, tokens, sent=next(serial), start=start, last_answer=last_answer)


def summary(
    statuses: dict[int, int],
    errors: dict[str, int],
    latencies: list[float],
    tokens: list[str],
    *,
    sent: int,
    start: float,
    last_answer: float,
) -> dict[str, object]:
    """The run's figures: answers by status, throughput, latency percentiles and the client's own CPU."""
    elapsed = last_answer - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    ok = sum(count for status, count in statuses.items() if 200 <= status < 300)
    latencies.sort()
    return {
        "sent": sent,
        "answers": {str(status): count for status, count in sorted(statuses.items())},
        "ok": ok,
        "errors": errors,
        "seconds": round(elapsed, 3),
        "writes_per_second": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(1000 * percentile(latencies, 0.50), 2),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 2),
        "client_cpu_percent": round(100 * (usage.ru_utime + usage.ru_stime) / (time.perf_counter() - start), 1),
        "tokens": tokens,
    }


def percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(fraction * len(values)))] if values else 0.0


def parse_ids(spec: str) -> list[int]:
    """'1-200' or '3,5,8' (or empty) to a list of ids."""
    ids: list[int] = []
    for part in filter(None, spec.split(",")):
        low, _, high = part.partition("-")
        ids += range(int(low), int(high or low) + 1)
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=["parley", "isso"], required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", required=True, help="parley: article slug; isso: thread URI")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--parents", default="", help="comment ids replies may go to, e.g. 1-200")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rate", type=float, default=0.0, help="requests per second at most (0: as fast as answered)")
    ap.add_argument("--targets", default="", help="comma-separated articles new comments go to, at random")
    ap.add_argument("--tokens-out", default="", help="write each created comment's article and edit token here")
    args = ap.parse_args()
    try:
        import uvloop  # (optional: the client must not be the bottleneck)
    except ImportError:
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    tokens = result.pop("tokens")
    if args.tokens_out:
        Path(args.tokens_out).write_text("".join(f"{line}\n" for line in tokens))  # type: ignore[attr-defined]
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
