"""Atom feeds of approved comments: what goes in (only what readers see), escaping, ids, dates and links, checked
by a real Atom parser (feedparser)."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import httpx
import msgspec
from litestar import Litestar

from parley.app import create_app
from parley.domain.records import ArticleModeration, Role
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders
from tests.conftest import Clock, http_client, serving
from tests.http.helpers import Client, make_article, post, set_policy


def parsed(response: httpx.Response) -> feedparser.FeedParserDict:
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


async def test_the_site_feed_lists_only_what_readers_see_newest_first(client: Client, services: Services) -> None:
    held = await make_article(services, moderation=ArticleModeration.PRE, title="Held")
    open_ = await make_article(services, title="Open & <Shut>")
    await set_policy(services, moderation="post", block_words=("casino",))
    first = (await post(client, open_.slug, body="first **words**", author_name='Ann "<b>" & co')).json()
    await post(client, held.slug, body="waiting text")
    await post(client, open_.slug, body="cheap casino")  # held as spam: its author is told it is shown
    second = (await post(client, open_.slug, body="second words", author_url="https://ann.example/x?a=1&b=2")).json()
    response = await client.get("/feeds/comments.atom")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = parsed(response)
    assert [entry.id.rsplit("/", 1)[1] for entry in feed.entries] == [second["comment"]["id"], first["comment"]["id"]]
    assert "waiting text" not in response.text
    assert "casino" not in response.text
    newest, oldest = feed.entries
    assert oldest.author == 'Ann "<b>" & co'
    assert oldest.title == 'Ann "<b>" & co on Open & <Shut>'
    assert "<strong>words</strong>" in oldest.content[0].value
    assert newest.author_detail.href == "https://ann.example/x?a=1&b=2"
    assert newest.link.endswith(f"/articles/{open_.slug}#parley-c-{second['comment']['id']}")


async def test_an_article_feed_holds_that_article_only_and_an_unknown_or_future_one_is_404(
    client: Client, services: Services, clock: Clock
) -> None:
    one, other = await make_article(services), await make_article(services)
    later = await make_article(services, published_at=clock.now + timedelta(days=1))
    mine = (await post(client, one.slug, body="on one")).json()
    await post(client, other.slug, body="on the other")
    feed = parsed(await client.get(f"/feeds/articles/{one.slug}/comments.atom"))
    assert [entry.id.rsplit("/", 1)[1] for entry in feed.entries] == [mine["comment"]["id"]]
    assert feed.feed.title == f"Comments on {one.title}"
    for slug in ("no-such-article", later.slug):
        missing = await client.get(f"/feeds/articles/{slug}/comments.atom")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_an_approval_adds_a_comment_and_a_removal_takes_it_out(client: Client, services: Services) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    _, secret = await services.tokens.create("desk", Role.MODERATOR)
    desk = {"Authorization": f"Bearer {secret}"}
    held = (await post(client, article.slug, body="worth the wait")).json()["comment"]["id"]
    url = f"/feeds/articles/{article.slug}/comments.atom"
    assert parsed(await client.get(url)).entries == []
    await client.post(f"/api/v1/admin/comments/{held}/moderate", json={"action": "approve"}, headers=desk)
    assert len(parsed(await client.get(url)).entries) == 1
    await client.post(f"/api/v1/admin/comments/{held}/moderate", json={"action": "remove"}, headers=desk)
    assert "worth the wait" not in (await client.get(url)).text


async def test_an_edit_moves_the_entrys_updated_date_and_not_its_published_date(
    client: Client, services: Services, clock: Clock
) -> None:
    article = await make_article(services)
    receipt = (await post(client, article.slug, body="typo here")).json()
    clock.advance(minutes=3)
    await client.patch(
        f"/api/v1/comments/{receipt['comment']['id']}",
        json={"body": "fixed here"},
        headers={"X-Edit-Token": receipt["edit_token"]},
    )
    (entry,) = parsed(await client.get("/feeds/comments.atom")).entries
    assert entry.updated_parsed > entry.published_parsed
    assert "fixed here" in entry.content[0].value


async def test_text_xml_cannot_carry_still_makes_a_valid_feed(client: Client, services: Services) -> None:
    article = await make_article(services)
    await post(client, article.slug, body="odd \ufffe and \uffff characters")
    feed = parsed(await client.get("/feeds/comments.atom"))
    assert "\ufffd" in feed.entries[0].content[0].value


async def test_links_name_the_public_url_when_set_and_only_then_may_be_cached(settings: Settings, clock: Clock) -> None:
    public = msgspec.structs.replace(settings, public_url="https://news.example.org")
    app: Litestar = create_app(public, clock=clock)
    async with serving(app), http_client(app) as client:
        article = await make_article(running(app).services)
        await client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())
        response = await client.get("/feeds/comments.atom", headers={"Host": "evil.example"})
    assert response.headers["cache-control"] == "public, max-age=60"
    feed = parsed(response)
    assert feed.feed.id == "https://news.example.org/feeds/comments.atom"
    assert all(entry.link.startswith("https://news.example.org/") for entry in feed.entries)
    assert "evil.example" not in response.text


async def test_without_a_public_url_a_feed_is_not_kept_by_shared_caches(client: Client) -> None:
    response = await client.get("/feeds/comments.atom")
    assert response.headers["cache-control"] == "no-store"
    assert parsed(response).entries == []
