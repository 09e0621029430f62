"""Webhook delivery figures: how fast the outbox worker drains a burst, and how long a comment takes to reach a
receiver, with the worker inside the app as `parley serve` runs it.

    .venv/bin/python bench/outbox.py [--comments 500] [--subscriptions 2] [--poll 1.0] [--database URL]

Prints, for one run: the burst's deliveries per second (comments posted first, then the worker let loose), and
the lag from a comment's 201 to its receipt at a local receiver, p50 and p99, for comments posted one at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import msgspec

from parley.app import create_app
from parley.domain.records import Role
from parley.http.deps import running
from parley.outbound.worker import Worker, senders
from parley.settings import Settings

RECEIVER = """
import sys, time, json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        seen = json.loads(body)["data"]["comment"]["id"]
        # One write for the whole answer: http.server's separate writes meet Nagle and delayed ACKs (40 ms each).
        self.wfile.write(b"HTTP/1.1 204 No Content\\r\\nContent-Length: 0\\r\\n\\r\\n")
        with LOCK:  # one whole line per delivery, whichever thread answers
            sys.stdout.write(f"{seen} {self.path} {time.time()}\\n")
            sys.stdout.flush()

    def log_message(self, *args):
        pass

class Backlogged(ThreadingHTTPServer):
    request_queue_size = 128  # the default of 5 drops some of 16 connections opened at once, each for 1 s
    daemon_threads = True

server = Backlogged(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class Receiver:
    """A loopback endpoint in a process of its own (so it takes no time from parley's): it prints each delivery's
    comment id, path and arrival time, which a thread here collects."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, str], float] = {}
        self.process = subprocess.Popen(
            [sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        atexit.register(self.process.terminate)  # however the run ends
        assert self.process.stdout is not None
        self.base = f"http://127.0.0.1:{int(self.process.stdout.readline())}"
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            comment, path, at = line.split()
            self.seen.setdefault((int(comment), path), float(at))


async def main(args: argparse.Namespace) -> None:
    receiver = Receiver()
    folder = Path(tempfile.mkdtemp(prefix="parley-outbox-"))
    settings = Settings(
        database=str(folder / "bench.db"),
        database_url=args.database,
        access_log=False,
        writes_per_minute=0,
        reads_per_minute=0,
        webhook_private_targets=True,
        outbox_poll_seconds=args.poll,
        outbox_worker=False,
    )
    for phase in ("burst", "lag"):
        app = create_app(msgspec.structs.replace(settings, outbox_worker=phase == "lag"))
        async with app.lifespan():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                services = running(app).services
                if phase == "burst":
                    _token, secret = await services.tokens.create("bench", Role.ADMIN)
                    admin = {"Authorization": f"Bearer {secret}"}
                    for n in range(args.subscriptions):
                        hook = {"url": f"{receiver.base}/hook{n}", "events": ["comment.created"]}
                        made = await client.post("/api/v1/admin/webhooks", json=hook, headers=admin)
                        assert made.status_code == 201, made.text
                    article = {"slug": "bench", "title": "Bench", "author": {"slug": "b", "name": "B"}, "body": "x"}
                    article |= {"published_at": "2026-01-01T00:00:00Z", "moderation": "post"}
                    assert (await client.post("/api/v1/admin/articles", json=article, headers=admin)).status_code == 201
                    url = "/api/v1/articles/bench/comments"
                    for n in range(args.comments):
                        await client.post(url, json={"author_name": f"Reader {n}", "body": f"Comment {n}"})
                    webhooks, mail = senders(settings)
                    worker = Worker(services.dispatcher, services.clock, webhooks=webhooks, mail=mail, poll_seconds=1)
                    expected = args.comments * args.subscriptions
                    started = time.time()
                    while len(receiver.seen) < expected:
                        await worker.step()
                    took = time.time() - started
                    await services.dispatcher.release(worker.holder)  # as a stopping server's worker does
                    await worker.close()
                    print(
                        f"burst: {expected} deliveries ({args.comments} comments x {args.subscriptions} "
                        f"subscriptions) in {took:.2f} s: {expected / took:,.0f} deliveries/s"
                    )
                else:
                    lags = []
                    for n in range(args.lag_comments):
                        answer = await client.post(url, json={"author_name": f"Lag {n}", "body": f"Lag {n}"})
                        assert answer.status_code == 201, answer.text
                        posted = time.time()
                        key = (int(answer.json()["comment"]["id"]), "/hook0")
                        while key not in receiver.seen:  # noqa: ASYNC110 - the receiver is another thread
                            await asyncio.sleep(0.002)
                        lags.append(receiver.seen[key] - posted)
                    cuts = statistics.quantiles(lags, n=100)
                    print(
                        f"lag ({args.lag_comments} comments one at a time, poll {args.poll} s): "
                        f"p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms"
                    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--subscriptions", type=int, default=2)
    parser.add_argument("--lag-comments", type=int, default=50)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--database", default="", help="a postgresql:// URL; empty: a SQLite file")
    asyncio.run(main(parser.parse_args()))
