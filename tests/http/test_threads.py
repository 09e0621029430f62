"""Reading a thread: the visible tree, sorts, pages, tombstones, and the author's own pending comment."""

from __future__ import annotations

from parley.domain.records import ArticleModeration
from parley.services import Services
from tests.http.helpers import Client, make_article, pages, post, set_policy, thread


async def test_an_empty_thread_is_count_zero_and_no_items(client: Client, services: Services) -> None:
    article = await make_article(services)
    assert await thread(client, article.slug) == {"article": article.slug, "count": 0, "items": [], "next_cursor": None}


async def test_a_thread_of_an_unknown_article_is_404(client: Client) -> None:
    assert (await client.get("/api/v1/articles/nope/comments")).status_code == 404


async def test_replies_nest_under_their_parents_with_counts(client: Client, services: Services) -> None:
    article = await make_article(services)
    root = (await post(client, article.slug, body="root")).json()["comment"]
    reply = (await post(client, article.slug, body="reply", parent_id=root["id"])).json()["comment"]
    await post(client, article.slug, body="deeper", parent_id=reply["id"])
    await post(client, article.slug, body="second root")
    page = await thread(client, article.slug)
    assert page["count"] == 4
    first, second = page["items"]
    assert first["body_html"] == "<p>root</p>\n"
    assert first["reply_count"] == 2
    assert first["replies"][0]["parent_id"] == root["id"]
    assert first["replies"][0]["depth"] == 1
    assert first["replies"][0]["replies"][0]["body_html"] == "<p>deeper</p>\n"
    assert second["replies"] == []
    assert second["reply_count"] == 0
    node_fields = {
        "id",
        "parent_id",
        "depth",
        "author",
        "body_html",
        "created_at",
        "edited_at",
        "status",
        "replies",
        "reply_count",
    }
    assert set(first) == node_fields


async def test_sorts_order_top_level_comments(client: Client, services: Services) -> None:
    article = await make_article(services)
    ids = [(await post(client, article.slug, body=f"c{i}")).json()["comment"]["id"] for i in range(3)]
    for i in range(2):
        await post(client, article.slug, body=f"reply {i}", parent_id=ids[1])
    assert [c["id"] for c in (await thread(client, article.slug))["items"]] == ids
    assert [c["id"] for c in (await thread(client, article.slug, sort="newest"))["items"]] == ids[::-1]
    assert [c["id"] for c in (await thread(client, article.slug, sort="top"))["items"]] == [ids[1], ids[0], ids[2]]


async def test_cursor_pages_walk_top_level_comments_with_their_replies(client: Client, services: Services) -> None:
    article = await make_article(services)
    roots = [(await post(client, article.slug, body=f"root {i}")).json()["comment"]["id"] for i in range(5)]
    await post(client, article.slug, body="reply", parent_id=roots[2])
    for sort in ("oldest", "newest", "top"):
        walked = await pages(lambda more, sort=sort: thread(client, article.slug, limit=2, sort=sort, **more))
        assert all(len(page["items"]) <= 2 and page["count"] == 6 for page in walked)
        seen = [comment["id"] for page in walked for comment in page["items"]]
        assert sorted(seen) == sorted(roots), sort


async def test_a_cursor_of_another_sort_is_422(client: Client, services: Services) -> None:
    article = await make_article(services)
    for i in range(3):
        await post(client, article.slug, body=f"c{i}")
    cursor = (await thread(client, article.slug, limit=1))["next_cursor"]
    response = await client.get(f"/api/v1/articles/{article.slug}/comments", params={"sort": "top", "cursor": cursor})
    assert response.status_code == 422


async def test_a_pending_comment_is_invisible_to_readers_and_visible_to_its_token(
    client: Client, services: Services
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    answer = (await post(client, article.slug, body="wait for me")).json()
    assert answer["status"] == "pending"
    assert (await thread(client, article.slug))["items"] == []
    own = await client.get(f"/api/v1/articles/{article.slug}/comments", headers={"X-Edit-Token": answer["edit_token"]})
    (item,) = own.json()["items"]
    assert item["status"] == "pending"
    assert item["body_html"] == "<p>wait for me</p>\n"
    assert own.json()["count"] == 0
    assert (await client.get(f"/api/v1/comments/{answer['comment']['id']}")).status_code == 404


async def test_the_authors_pending_reply_shows_in_place_under_its_parent(client: Client, services: Services) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    parent = (await post(client, article.slug, body="parent")).json()["comment"]
    await set_policy(services, moderation="pre")
    answer = (await post(client, article.slug, body="my reply", parent_id=parent["id"])).json()
    page = await client.get(f"/api/v1/articles/{article.slug}/comments", headers={"X-Edit-Token": answer["edit_token"]})
    (root,) = page.json()["items"]
    assert [(r["body_html"], r["status"]) for r in root["replies"]] == [("<p>my reply</p>\n", "pending")]


async def test_a_removed_parent_keeps_its_replies_visible_as_a_tombstone(client: Client, services: Services) -> None:
    article = await make_article(services)
    parent = (await post(client, article.slug, body="parent")).json()
    await post(client, article.slug, body="reply", parent_id=parent["comment"]["id"])
    deleted = await client.delete(
        f"/api/v1/comments/{parent['comment']['id']}", headers={"X-Edit-Token": parent["edit_token"]}
    )
    assert deleted.status_code == 204
    page = await thread(client, article.slug)
    (tomb,) = page["items"]
    assert tomb["status"] == "removed"
    assert tomb["author"] is None
    assert tomb["body_html"] is None
    assert tomb["replies"][0]["body_html"] == "<p>reply</p>\n"
    assert page["count"] == 1


async def test_a_removed_comment_without_replies_leaves_the_thread(client: Client, services: Services) -> None:
    article = await make_article(services)
    answer = (await post(client, article.slug)).json()
    await client.delete(f"/api/v1/comments/{answer['comment']['id']}", headers={"X-Edit-Token": answer["edit_token"]})
    assert (await thread(client, article.slug))["items"] == []


async def test_one_visible_comment_by_id(client: Client, services: Services) -> None:
    article = await make_article(services)
    made = (await post(client, article.slug, body="single")).json()["comment"]
    found = (await client.get(f"/api/v1/comments/{made['id']}")).json()
    assert found["id"] == made["id"]
    assert found["body_html"] == "<p>single</p>\n"
    assert (await client.get("/api/v1/comments/999999")).status_code == 404
