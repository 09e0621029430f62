"""A page of a thread costs the same however long the thread grows: a comment budget, and more replies on demand."""

from __future__ import annotations

from typing import Any

from parley.services import Services
from tests.http.helpers import Client, make_article, pages, post, thread


async def make_thread(client: Client, slug: str, shape: list[int]) -> list[str]:
    """Top-level comments with the given numbers of direct replies; their ids."""
    roots = []
    for n, replies in enumerate(shape):
        root = (await post(client, slug, body=f"root {n}")).json()["comment"]["id"]
        roots.append(root)
        for i in range(replies):
            await post(client, slug, body=f"reply {n}.{i}", parent_id=root)
    return roots


def flat(nodes: list[dict[str, Any]]) -> list[str]:
    return [id_ for node in nodes for id_ in [node["id"], *flat(node["replies"])]]


async def test_pages_hold_at_most_max_comments_and_walk_every_comment_once(client: Client, services: Services) -> None:
    article = await make_article(services)
    await make_thread(client, article.slug, [2, 0, 3, 1, 0, 4])
    walked = await pages(lambda more: thread(client, article.slug, max_comments=5, **more))
    assert all(0 < len(flat(page["items"])) <= 5 for page in walked)
    seen = [id_ for page in walked for id_ in flat(page["items"])]
    assert len(seen) == len(set(seen)) == 16


async def test_a_whole_small_thread_fits_the_default_page(client: Client, services: Services) -> None:
    article = await make_article(services)
    await make_thread(client, article.slug, [3] * 10)
    page = await thread(client, article.slug)
    assert len(flat(page["items"])) == 40
    assert page["next_cursor"] is None
    assert all("replies_cursor" not in node for node in page["items"])


async def test_a_comment_with_more_replies_than_fit_leads_to_the_rest(client: Client, services: Services) -> None:
    article = await make_article(services)
    (big, after) = await make_thread(client, article.slug, [7, 0])
    page = await thread(client, article.slug, max_comments=3)
    (first,) = page["items"]
    assert first["id"] == big
    assert len(flat([first])) == 3
    assert first["reply_count"] == 7

    async def replies(more: dict[str, str]) -> dict[str, Any]:
        cursor = more.get("cursor", first["replies_cursor"])
        answer = await client.get(f"/api/v1/comments/{big}/replies", params={"cursor": cursor, "max_comments": 2})
        found: dict[str, Any] = answer.json()
        return found

    walked = await pages(replies)
    assert {page["comment"] for page in walked} == {big}
    assert all(item["parent_id"] == big for page in walked for item in page["items"])
    rest = [id_ for page in walked for id_ in flat(page["items"])]
    assert len(set(flat([first])[1:] + rest)) == 7
    following = await thread(client, article.slug, max_comments=3, cursor=page["next_cursor"])
    assert [node["id"] for node in following["items"]] == [after]


async def test_replies_of_a_comment_nest_below_it_from_the_start(client: Client, services: Services) -> None:
    article = await make_article(services)
    root = (await post(client, article.slug, body="root")).json()["comment"]["id"]
    reply = (await post(client, article.slug, body="reply", parent_id=root)).json()["comment"]["id"]
    deeper = (await post(client, article.slug, body="deeper", parent_id=reply)).json()["comment"]["id"]
    answer = (await client.get(f"/api/v1/comments/{root}/replies")).json()
    assert [node["id"] for node in answer["items"]] == [reply]
    assert [node["id"] for node in answer["items"][0]["replies"]] == [deeper]
    assert answer["next_cursor"] is None


async def test_replies_of_an_unknown_comment_or_with_a_foreign_cursor_are_refused(
    client: Client, services: Services
) -> None:
    article = await make_article(services)
    root = (await post(client, article.slug)).json()["comment"]["id"]
    other = (await post(client, article.slug)).json()["comment"]["id"]
    assert (await client.get("/api/v1/comments/987654/replies")).status_code == 404
    foreign = (await thread(client, article.slug, limit=1))["next_cursor"]
    assert (await client.get(f"/api/v1/comments/{root}/replies", params={"cursor": foreign})).status_code == 422
    assert (await client.get(f"/api/v1/comments/{other}/replies", params={"max_comments": 0})).status_code == 422


async def test_tombstones_and_the_authors_own_rows_count_toward_the_budget(client: Client, services: Services) -> None:
    article = await make_article(services)
    for n in range(4):
        root = (await post(client, article.slug, body=f"root {n}")).json()["comment"]["id"]
        middle = (await post(client, article.slug, body=f"middle {n}", parent_id=root)).json()
        await post(client, article.slug, body=f"reply {n}", parent_id=middle["comment"]["id"])
        # The middle comment becomes a tombstone: shown, but not among its root's visible replies.
        deleted = await client.delete(
            f"/api/v1/comments/{middle['comment']['id']}", headers={"X-Edit-Token": middle["edit_token"]}
        )
        assert deleted.status_code == 204
    walked = await pages(lambda more: thread(client, article.slug, max_comments=5, **more))
    assert all(0 < len(flat(page["items"])) <= 5 for page in walked)
    seen = [id_ for page in walked for id_ in flat(page["items"])]
    assert len(seen) == len(set(seen)) == 12


async def test_once_the_first_comment_is_cut_no_other_joins_its_page(client: Client, services: Services) -> None:
    article = await make_article(services)
    big, small = await make_thread(client, article.slug, [6, 0])
    page = await thread(client, article.slug, max_comments=4)
    assert [node["id"] for node in page["items"]] == [big]
    assert "replies_cursor" in page["items"][0]
    assert page["next_cursor"] is not None
    following = await thread(client, article.slug, max_comments=4, cursor=page["next_cursor"])
    assert [node["id"] for node in following["items"]] == [small]
