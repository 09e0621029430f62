"""Several instances of one site: two apps on one PostgreSQL database and one Redis, each with its own pool,
caches and budgets, as two machines behind a load balancer would run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from parley.app import create_app
from parley.domain.records import ArticleModeration, Role
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders, pg, rd
from tests.conftest import http_client, over_tcp, serving
from tests.http.helpers import audit_events, make_article


@dataclass
class Pair:
    a: httpx.AsyncClient
    b: httpx.AsyncClient
    services: Services
    settings: Settings


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    """Instances A and B with the default staleness bound: what production runs."""
    pg.require()
    async with pg.schema() as url, rd.prefix() as prefix, AsyncExitStack() as stack:
        settings = Settings(
            database=str(tmp_path / "unused.db"),
            database_url=url,
            redis_url=rd.url(),
            redis_prefix=prefix,
            access_log=False,
            writes_per_minute=10,
            reads_per_minute=0,
        )
        a = await stack.enter_async_context(serving(create_app(settings)))
        b = await stack.enter_async_context(serving(create_app(settings)))
        yield Pair(
            await stack.enter_async_context(http_client(a, "198.51.100.1")),
            await stack.enter_async_context(http_client(b, "198.51.100.1")),
            running(a).services,
            settings,
        )


async def test_a_comment_approved_through_a_is_visible_through_b_within_the_staleness_bound(pair: Pair) -> None:
    article = await make_article(pair.services, moderation=ArticleModeration.PRE)
    url = f"/api/v1/articles/{article.slug}/comments"
    assert (await pair.b.get(url)).json()["count"] == 0  # B now remembers an empty thread
    posted = await pair.b.post(url, json=builders.comment(body="held, then approved"))
    assert posted.json()["comment"]["status"] == "pending"
    _, secret = await pair.services.tokens.create("desk", Role.MODERATOR)
    approved = await pair.a.post(
        f"/api/v1/admin/comments/{posted.json()['comment']['id']}/moderate",
        json={"action": "approve"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert approved.status_code == 200
    decided = time.monotonic()
    while (await pair.b.get(url)).json()["count"] == 0:
        assert time.monotonic() - decided <= pair.settings.stale_seconds + 0.5, "B still shows the old thread"
        await asyncio.sleep(0.05)
    assert (await pair.b.get(f"/api/v1/counts?slug={article.slug}")).json()["counts"][article.slug] == 1


async def test_a_budget_of_ten_writes_a_minute_admits_exactly_ten_across_a_and_b(pair: Pair) -> None:
    article = await make_article(pair.services)
    url = f"/api/v1/articles/{article.slug}/comments"
    answers = await asyncio.gather(
        *((pair.a if n % 2 else pair.b).post(url, json=builders.comment(body=f"burst {n}")) for n in range(30))
    )
    assert sorted(answer.status_code for answer in answers) == [201] * 10 + [429] * 20
    assert (await pair.services.threads.counts([article.slug]))[article.slug] == 10


async def test_a_moderation_race_across_a_and_b_has_exactly_one_winner(pair: Pair) -> None:
    article = await make_article(pair.services, moderation=ArticleModeration.PRE)
    _, one = await pair.services.tokens.create("one", Role.MODERATOR)
    _, two = await pair.services.tokens.create("two", Role.MODERATOR)
    for round_ in range(5):
        posted = await pair.a.post(
            f"/api/v1/articles/{article.slug}/comments", json=builders.comment(body=f"contested {round_}")
        )
        comment_id = posted.json()["comment"]["id"]
        path = f"/api/v1/admin/comments/{comment_id}/moderate"
        answers = await asyncio.gather(
            pair.a.post(
                path,
                json={"action": "approve", "expected_status": "pending"},
                headers={"Authorization": f"Bearer {one}"},
            ),
            pair.b.post(
                path,
                json={"action": "reject", "expected_status": "pending"},
                headers={"Authorization": f"Bearer {two}"},
            ),
        )
        assert sorted(answer.status_code for answer in answers) == [200, 409], [a.text for a in answers]
        events = await audit_events(pair.services, comment_id=int(comment_id))
        decisions = [event for event in events if event.action in ("approve", "reject")]
        assert len(decisions) == 1


async def test_a_comment_posted_through_a_reaches_a_reader_streaming_from_b(tmp_path: Path) -> None:
    pg.require()
    async with pg.schema() as url:
        settings = Settings(
            database=str(tmp_path / "unused.db"),
            database_url=url,
            access_log=False,
            writes_per_minute=0,
            reads_per_minute=0,
        )
        a, b = create_app(settings), create_app(settings)
        async with serving(a), over_tcp(b) as b_url, http_client(a) as through_a:
            article = await make_article(running(a).services)
            async with (
                httpx.AsyncClient(base_url=b_url) as through_b,
                through_b.stream("GET", f"/api/v1/articles/{article.slug}/comments/stream") as stream,
            ):
                lines = stream.aiter_lines()
                assert await anext(lines) == "id: " + str(await running(a).services.live.last_id())
                posted = await through_a.post(
                    f"/api/v1/articles/{article.slug}/comments", json=builders.comment(body="from A")
                )
                async with asyncio.timeout(5):
                    async for line in lines:
                        if "from A" in line:
                            break
    assert posted.status_code == 201
