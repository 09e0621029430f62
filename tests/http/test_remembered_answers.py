"""Remembered thread pages against the real store: under random reads, comments, edits and moderators'
decisions, every page served equals what the uncached path returned at a moment within the staleness bound;
an author's own view is always read now."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import msgspec
import pytest

from parley.domain.paging import Sort
from parley.http.cache.pages import ThreadPages
from parley.http.schemas import ThreadPage
from parley.services import Services
from tests.http.helpers import Client, make_article, moderate, post, set_policy

STALE = 1.0
READS = [(sort, limit) for sort in Sort for limit in (2, 50)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def uncached(services: Services, slug: str, sort: Sort, limit: int) -> bytes:
    page, _ = await services.threads.page(slug, sort=sort, cursor=None, limit=limit, budget=250)
    return msgspec.json.encode(ThreadPage.of(page))


async def served(pages: ThreadPages, slug: str, sort: Sort, limit: int, **headers: str | None) -> bytes:
    answer = await pages.read(
        slug,
        f"limit={limit}&sort={sort.value}".encode(),
        sort=sort,
        cursor=None,
        limit=limit,
        budget=250,
        edit_token=headers.get("edit_token"),
        if_none_match=None,
    )
    body: bytes = answer.content
    return body


@pytest.mark.parametrize("seed", range(6))
async def test_every_page_served_was_true_within_the_bound(
    client: Client, services: Services, moderator: dict[str, str], seed: int
) -> None:
    rng = random.Random(seed)
    clock = Clock()
    pages = ThreadPages(services.threads, max_bytes=1 << 20, stale_for=STALE, clock=clock)
    await set_policy(services, moderation="post", hide_flagged=True, flag_threshold=1)
    slug = (await make_article(services)).slug
    comments: list[dict[str, Any]] = []
    history: dict[tuple[Sort, int], list[tuple[float, bytes]]] = {}

    async def record() -> None:
        for sort, limit in READS:
            history.setdefault((sort, limit), []).append((clock.now, await uncached(services, slug, sort, limit)))

    await record()
    for step in range(120):
        roll = rng.random()
        if roll < 0.2 or not comments:
            parent = rng.choice(comments)["comment"]["id"] if comments and rng.random() < 0.4 else None
            answer = await post(client, slug, body=f"step {step}", parent_id=parent)
            if answer.status_code != 201:  # a reply to a comment that has since gone: refused, nothing changed
                continue
            comments.append(answer.json())
        elif roll < 0.3:
            target = rng.choice(comments)
            action = rng.choice(["remove", "approve", "reject", "restore"])
            await moderate(client, moderator, target["comment"]["id"], action)
        elif roll < 0.35:
            target = rng.choice(comments)
            await client.patch(
                f"/api/v1/comments/{target['comment']['id']}",
                json={"body": f"edited at {step}"},
                headers={"X-Edit-Token": target["edit_token"]},
            )
        elif roll < 0.4:
            target = rng.choice(comments)
            await client.post(f"/api/v1/comments/{target['comment']['id']}/flags", json={"reason": "spam"})
        elif roll < 0.5:
            clock.now += rng.choice([0.05, 0.3, 0.9, 2.0])
            continue
        elif roll < 0.55:
            await asyncio.sleep(0.01)  # a background rebuild finishes
            continue
        else:
            sort, limit = rng.choice(READS)
            body = await served(pages, slug, sort, limit)
            truths = history[sort, limit]
            until = [later for later, _ in truths[1:]] + [clock.now]
            recent = [truth for (_, truth), end in zip(truths, until, strict=True) if clock.now - end <= STALE]
            assert body in recent, (seed, step, sort, limit)
            continue
        await record()


async def test_a_comment_is_seen_by_every_reader_once_the_bound_has_passed_and_by_its_author_at_once(
    client: Client, services: Services
) -> None:
    clock = Clock()
    pages = ThreadPages(services.threads, max_bytes=1 << 20, stale_for=STALE, clock=clock)
    await set_policy(services, moderation="post")
    slug = (await make_article(services)).slug
    assert b'"count":0' in await served(pages, slug, Sort.OLDEST, 50)
    receipt = (await post(client, slug, body="Breaking.")).json()
    clock.now += 0.5
    assert b"Breaking." in await served(pages, slug, Sort.OLDEST, 50, edit_token=receipt["edit_token"])
    clock.now += STALE
    assert b"Breaking." in await served(pages, slug, Sort.OLDEST, 50)
