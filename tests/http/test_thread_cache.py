"""Thread pages are cached per article version and served with ETags; no change is ever served stale."""

from __future__ import annotations

from parley.domain.identity import Client as Origin
from parley.domain.identity import Hasher
from parley.domain.records import utcnow
from parley.domain.submission import Draft, SubmissionService
from parley.opening import open_store
from parley.services import Services
from parley.settings import Settings
from tests.http.helpers import Client, make_article, post


async def test_an_unchanged_thread_answers_304_to_its_etag(client: Client, services: Services) -> None:
    article = await make_article(services)
    await post(client, article.slug)
    url = f"/api/v1/articles/{article.slug}/comments"
    first = await client.get(url)
    tag = first.headers["etag"]
    again = await client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag


async def test_a_new_comment_changes_the_etag_and_the_page(client: Client, services: Services) -> None:
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    before = await client.get(url)
    await post(client, article.slug, body="fresh")
    after = await client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["items"][0]["body_html"] == "<p>fresh</p>\n"


async def test_a_change_made_by_another_server_process_is_seen_at_once(
    client: Client, services: Services, settings: Settings
) -> None:
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    assert (await client.get(url)).json()["count"] == 0
    other = await open_store(settings)
    try:
        async with other.writing() as tx:
            key = await tx.site.secret()
        elsewhere = SubmissionService(other, Hasher(key), utcnow)
        await elsewhere.submit(article.slug, Draft(author_name="Far", body="from the other worker"), Origin("1.2.3.4"))
    finally:
        await other.close()
    assert (await client.get(url)).json()["count"] == 1


async def test_a_view_with_an_edit_token_is_private_and_not_cached(client: Client, services: Services) -> None:
    article = await make_article(services)
    token = (await post(client, article.slug)).json()["edit_token"]
    response = await client.get(f"/api/v1/articles/{article.slug}/comments", headers={"X-Edit-Token": token})
    assert response.headers["cache-control"] == "private, no-store"
    assert "etag" not in response.headers
    public = await client.get(f"/api/v1/articles/{article.slug}/comments")
    assert public.headers["vary"] == "X-Edit-Token"


async def test_a_page_from_the_cache_is_the_page_the_handler_gave(client: Client, services: Services) -> None:
    article = await make_article(services)
    await post(client, article.slug, body="hello")
    url = f"/api/v1/articles/{article.slug}/comments?limit=10"
    first = await client.get(url)
    again = await client.get(url)
    assert again.content == first.content
    for name in ("etag", "cache-control", "vary", "content-type", "x-content-type-options", "content-security-policy"):
        assert again.headers[name] == first.headers[name], name
    unchanged = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304
    assert "content-type" not in unchanged.headers


async def test_a_bad_query_is_refused_even_after_good_ones_were_cached(client: Client, services: Services) -> None:
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    assert (await client.get(url, params={"limit": 5})).status_code == 200
    assert (await client.get(url, params={"limit": 5})).status_code == 200
    assert (await client.get(url, params={"limit": 500})).status_code == 422


async def test_a_bad_query_is_refused_even_with_a_fresh_etag(client: Client, services: Services) -> None:
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    tag = (await client.get(url)).headers["etag"]
    for params in ({"limit": 0}, {"sort": "bogus"}, {"cursor": "garbage"}, {"max_comments": 9999}):
        answer = await client.get(url, params=params, headers={"If-None-Match": tag})
        assert answer.status_code == 422, params
