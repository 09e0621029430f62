"""Concurrency: 64 writers and readers on one article; no 5xx, no "database is locked", and counts that add up."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from parley.http.cache.answers import STALE_FOR as STALE_SECONDS
from tests import pg
from tests.harness.server import Server, admin_token

pytestmark = pytest.mark.slow

WORKERS = 64
REQUESTS = 2_000
SLUG = "concurrency-harness"


class Tally:
    """What the workers saw: statuses, the ids of comments answered 201, anything that must not happen."""

    def __init__(self) -> None:
        self.statuses: collections.Counter[int] = collections.Counter()
        self.created: list[str] = []
        self.bad: list[str] = []

    def see(self, response: httpx.Response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code >= 500 or "database is locked" in response.text:
            self.bad.append(
                f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:200]}"
            )


async def _write(client: httpx.AsyncClient, n: int, tally: Tally, rng: random.Random) -> None:
    """A new comment, or every fourth time a reply to one already acknowledged."""
    body: dict[str, Any] = {
        "author_name": f"Writer {n % WORKERS}",
        "body": f"Comment {n}: *busy* evening [link](https://example.org/{n})",
    }
    if tally.created and n % 4 == 0:
        body["parent_id"] = rng.choice(tally.created)
    response = await client.post(f"/api/v1/articles/{SLUG}/comments", json=body)
    tally.see(response)
    if response.status_code == 201:
        tally.created.append(response.json()["comment"]["id"])


async def _read(client: httpx.AsyncClient, n: int, tally: Tally, rng: random.Random) -> None:
    """What a page load asks for: the thread in some order, the counts, the article, one comment."""
    choice = n % 4
    if choice == 0:
        sort = rng.choice(["oldest", "newest", "top"])
        response = await client.get(f"/api/v1/articles/{SLUG}/comments", params={"sort": sort, "limit": 20})
    elif choice == 1:
        response = await client.get("/api/v1/counts", params={"slug": SLUG})
    elif choice == 2:
        response = await client.get(f"/api/v1/articles/{SLUG}")
    else:
        target = rng.choice(tally.created) if tally.created else "1"
        response = await client.get(f"/api/v1/comments/{target}")
    tally.see(response)


async def _drive(servers: list[Server], token: str, seed: int) -> tuple[Tally, float]:
    """WORKERS workers, half writing and half reading, shared out over the servers (instances of one database)."""
    tally = Tally()
    rng = random.Random(seed)
    numbers = itertools.count()
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60.0))
            for server in servers
        ]
        client = clients[0]
        created = await client.post(
            "/api/v1/admin/articles",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "slug": SLUG,
                "title": "Sixty-four at once",
                "author": {"slug": "harness", "name": "Harness"},
                "body": "An article whose comments appear at once.",
                "moderation": "post",
            },
        )
        assert created.status_code == 201, created.text
        # Each author's pace is a rule of its own, tested elsewhere; here every writer may write as fast as it can.
        policy = await client.get("/api/v1/admin/policy", headers={"Authorization": f"Bearer {token}"})
        paced = await client.put(
            "/api/v1/admin/policy",
            headers={"Authorization": f"Bearer {token}"},
            json={**policy.json(), "author_rate_limit": 10_000},
        )
        assert paced.status_code == 200, paced.text

        async def worker(index: int) -> None:
            action = _write if index % 2 == 0 else _read
            own = clients[(index // 2) % len(clients)]
            while (n := next(numbers)) < REQUESTS:
                await action(own, n, tally, rng)

        started = time.perf_counter()
        await asyncio.gather(*(worker(index) for index in range(WORKERS)))
        return tally, time.perf_counter() - started


def _walk(server: Server) -> tuple[int, int]:
    """The thread's `count`, and how many comments a reader finds following every page to the end."""
    seen = 0
    count = -1
    cursor = None
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        while True:
            params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            page = client.get(f"/api/v1/articles/{SLUG}/comments", params=params).json()
            count = page["count"]
            stack = list(page["items"])
            while stack:
                node = stack.pop()
                seen += 1
                stack.extend(node["replies"])
            cursor = page["next_cursor"]
            if cursor is None:
                return count, seen


@pytest.fixture(params=["sqlite", "postgresql-two-instances"])
def instances(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path | str, int]]:
    """One server on a SQLite file, or two servers on one PostgreSQL database."""
    if request.param == "sqlite":
        yield request.param, tmp_path / "busy.db", 1
        return
    with pg.schema_for_processes() as url:
        yield request.param, url, 2


def test_sixty_four_writers_and_readers_on_one_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], instances: tuple[str, Path | str, int]
) -> None:
    kind, database, how_many = instances
    token = admin_token(database)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(Server(database, tmp_path / f"server-{n}.log")) for n in range(how_many)]
        tally, seconds = asyncio.run(_drive(servers, token, seed=REQUESTS))
        time.sleep(STALE_SECONDS + 0.2)  # public answers may lag the last write by the staleness bound, no more
        # Every instance tells the same story.
        seen = [(*_walk(server), _counted(server)) for server in servers]
    log = "".join(server.log_text() for server in servers)
    (count, walked, counts), *others = seen
    created = tally.statuses[201]
    with capsys.disabled():
        print(
            f"\nconcurrency ({kind}): {REQUESTS} requests by {WORKERS} workers in {seconds:.1f}s "
            f"({REQUESTS / seconds:.0f}/s); statuses {dict(sorted(tally.statuses.items()))}; "
            f"201s {created}, thread count {count}, walked {walked}, /counts {counts}; "
            f"5xx {sum(n for status, n in tally.statuses.items() if status >= 500)}, "
            f"'database is locked' in log {log.count('database is locked')}"
        )
    assert not tally.bad, tally.bad[:5]
    assert "database is locked" not in log
    assert "unhandled error" not in log
    assert sum(tally.statuses.values()) == REQUESTS
    assert created > REQUESTS // 4
    assert count == walked == counts == created
    assert all(other == seen[0] for other in others), seen


def _counted(server: Server) -> int:
    found: int = httpx.get(f"{server.url}/api/v1/counts", params={"slug": SLUG}).json()["counts"][SLUG]
    return found
