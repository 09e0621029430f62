"""The author's own edit and delete: the token, the window, and the rules run again."""

from __future__ import annotations

from typing import Any

from parley.app import Services
from parley.domain.records import ArticleModeration
from tests.http.helpers import Client, make_article, post, set_policy, thread


async def submitted(client: Client, services: Services, **fields: Any) -> dict[str, Any]:
    article = await make_article(services)
    answer: dict[str, Any] = (await post(client, article.slug, **fields)).json()
    answer["slug"] = article.slug
    return answer


async def test_the_author_fixes_a_typo_inside_the_window(client: Client, services: Services, clock: Any) -> None:
    answer = await submitted(client, services, body="teh typo")
    clock.advance(minutes=5)
    response = await client.patch(
        f"/api/v1/comments/{answer['comment']['id']}", json={"body": "the typo"},
        headers={"X-Edit-Token": answer["edit_token"]},
    )  # fmt: skip
    assert response.status_code == 200
    node = response.json()
    assert node["body_html"] == "<p>the typo</p>\n"
    assert node["edited_at"] == "2026-01-15T12:05:00.000000Z"
    assert (await thread(client, answer["slug"]))["items"][0]["body_html"] == "<p>the typo</p>\n"


async def test_an_edit_with_a_wrong_or_missing_token_is_403(client: Client, services: Services) -> None:
    answer = await submitted(client, services)
    url = f"/api/v1/comments/{answer['comment']['id']}"
    for headers in ({"X-Edit-Token": "wrong"}, {}):
        assert (await client.patch(url, json={"body": "hijack"}, headers=headers)).status_code == 403
        assert (await client.delete(url, headers=headers)).status_code == 403
    assert (await thread(client, answer["slug"]))["items"][0]["body_html"] != "<p>hijack</p>\n"


async def test_another_comments_token_does_not_open_this_one(client: Client, services: Services) -> None:
    mine = await submitted(client, services)
    theirs = (await post(client, mine["slug"])).json()
    url = f"/api/v1/comments/{mine['comment']['id']}"
    response = await client.patch(url, json={"body": "x"}, headers={"X-Edit-Token": theirs["edit_token"]})
    assert response.status_code == 403


async def test_after_the_window_edits_and_deletes_are_403(client: Client, services: Services, clock: Any) -> None:
    answer = await submitted(client, services)
    clock.advance(minutes=15, seconds=1)
    url = f"/api/v1/comments/{answer['comment']['id']}"
    headers = {"X-Edit-Token": answer["edit_token"]}
    assert (await client.patch(url, json={"body": "late"}, headers=headers)).status_code == 403
    assert (await client.delete(url, headers=headers)).status_code == 403


async def test_the_window_follows_the_policy(client: Client, services: Services, clock: Any) -> None:
    await set_policy(services, moderation="post", edit_window_seconds=3600)
    answer = await submitted(client, services)
    clock.advance(minutes=59)
    response = await client.patch(f"/api/v1/comments/{answer['comment']['id']}", json={"body": "still mine"},
                                  headers={"X-Edit-Token": answer["edit_token"]})  # fmt: skip
    assert response.status_code == 200


async def test_an_edit_adding_too_many_links_sends_an_approved_comment_back_to_pending(
    client: Client, services: Services
) -> None:
    answer = await submitted(client, services, body="harmless")
    assert answer["status"] == "approved"
    links = "https://a.example https://b.example https://c.example"
    response = await client.patch(f"/api/v1/comments/{answer['comment']['id']}", json={"body": links},
                                  headers={"X-Edit-Token": answer["edit_token"]})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    page = await thread(client, answer["slug"])
    assert page["count"] == 0
    assert page["items"] == []


async def test_an_edit_of_a_pending_comment_keeps_it_pending(client: Client, services: Services) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    answer = (await post(client, article.slug, body="first")).json()
    response = await client.patch(f"/api/v1/comments/{answer['comment']['id']}", json={"body": "second"},
                                  headers={"X-Edit-Token": answer["edit_token"]})  # fmt: skip
    assert response.json()["status"] == "pending"


async def test_a_delete_removes_the_comment_from_the_thread_and_counts(client: Client, services: Services) -> None:
    answer = await submitted(client, services)
    response = await client.delete(f"/api/v1/comments/{answer['comment']['id']}",
                                   headers={"X-Edit-Token": answer["edit_token"]})  # fmt: skip
    assert response.status_code == 204
    assert response.content == b""
    assert (await thread(client, answer["slug"]))["count"] == 0
    again = await client.delete(f"/api/v1/comments/{answer['comment']['id']}",
                                headers={"X-Edit-Token": answer["edit_token"]})  # fmt: skip
    assert again.status_code == 403


async def test_an_invalid_edit_body_is_422_and_changes_nothing(client: Client, services: Services) -> None:
    answer = await submitted(client, services, body="original")
    url = f"/api/v1/comments/{answer['comment']['id']}"
    for body in ({"body": ""}, {"body": "x" * 10_001}, {"text": "x"}, {"body": "ok", "status": "approved"}):
        response = await client.patch(url, json=body, headers={"X-Edit-Token": answer["edit_token"]})
        assert response.status_code == 422, body
    assert (await thread(client, answer["slug"]))["items"][0]["body_html"] == "<p>original</p>\n"
