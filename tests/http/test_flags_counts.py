"""Readers' flags and the counts endpoint."""

from __future__ import annotations

from parley.http.cache.counts import CountAnswers
from parley.services import Services
from parley.settings import Settings
from tests.http.helpers import Client, make_article, post
from tests.peek import flags_on


async def test_a_reader_flags_a_comment_and_gets_202(client: Client, services: Services, settings: Settings) -> None:
    article = await make_article(services)
    comment_id = (await post(client, article.slug)).json()["comment"]["id"]
    response = await client.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "abuse", "note": "rude"})
    assert response.status_code == 202
    assert response.json() == {"received": True}
    again = await client.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"})
    assert again.status_code == 202
    assert await flags_on(settings, comment_id) == [("abuse", "rude")]


async def test_flags_need_a_known_reason_and_a_visible_comment(client: Client, services: Services) -> None:
    article = await make_article(services)
    comment_id = (await post(client, article.slug)).json()["comment"]["id"]
    assert (await client.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "boring"})).status_code == 422
    assert (await client.post(f"/api/v1/comments/{comment_id}/flags", json={})).status_code == 422
    assert (await client.post("/api/v1/comments/424242/flags", json={"reason": "spam"})).status_code == 404


async def test_counts_cover_many_articles_and_unknown_ones_count_zero(client: Client, services: Services) -> None:
    one = await make_article(services)
    two = await make_article(services)
    for _ in range(3):
        await post(client, one.slug)
    response = await client.get("/api/v1/counts", params=[("slug", one.slug), ("slug", two.slug), ("slug", "nope")])
    assert response.json() == {"counts": {one.slug: 3, two.slug: 0, "nope": 0}}


async def test_counts_accept_up_to_a_hundred_slugs(client: Client) -> None:
    ok = await client.get("/api/v1/counts", params=[("slug", f"s{i}") for i in range(100)])
    assert ok.status_code == 200
    assert len(ok.json()["counts"]) == 100
    too_many = await client.get("/api/v1/counts", params=[("slug", f"s{i}") for i in range(101)])
    assert too_many.status_code == 422
    assert (await client.get("/api/v1/counts")).status_code in (400, 422)


async def test_a_remembered_count_follows_every_new_comment(client: Client, services: Services) -> None:
    article = await make_article(services)
    url = f"/api/v1/counts?slug={article.slug}&slug=elsewhere"
    assert (await client.get(url)).json() == {"counts": {article.slug: 0, "elsewhere": 0}}
    assert (await client.get(url)).json() == {"counts": {article.slug: 0, "elsewhere": 0}}
    await post(client, article.slug)
    assert (await client.get(url)).json() == {"counts": {article.slug: 1, "elsewhere": 0}}
    assert (await client.get(url)).headers["content-type"] == "application/json"


async def test_remembered_counts_drop_the_least_recently_asked_first(services: Services) -> None:
    answers = CountAnswers(services.threads, max_entries=2)
    for query in (b"slug=a", b"slug=b"):
        await answers.read(query, [query.decode().removeprefix("slug=")])
    # Asking again for "a" makes "b" the oldest, so remembering a third query drops "b".
    assert await answers.hit({"query_string": b"slug=a"}) is not None
    await answers.read(b"slug=c", ["c"])
    assert await answers.hit({"query_string": b"slug=a"}) is not None
    assert await answers.hit({"query_string": b"slug=b"}) is None
