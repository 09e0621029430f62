"""The author's own edit and delete: the token, the window, and the rules run again."""

from __future__ import annotations

from typing import Any

from parley.domain.records import ArticleModeration
from parley.services import Services
from tests.http.helpers import Client, audit_events, make_article, moderate, post, queue, set_policy, thread


async def submitted(client: Client, services: Services, **fields: Any) -> dict[str, Any]:
    article = await make_article(services)
    answer: dict[str, Any] = (await post(client, article.slug, **fields)).json()
    answer["slug"] = article.slug
    return answer


async def test_the_author_fixes_a_typo_inside_the_window(client: Client, services: Services, clock: Any) -> None:
    answer = await submitted(client, services, body="teh typo")
    clock.advance(minutes=5)
    response = await client.patch(
        f"/api/v1/comments/{answer['comment']['id']}",
        json={"body": "the typo"},
        headers={"X-Edit-Token": answer["edit_token"]},
    )
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
    response = await client.patch(
        f"/api/v1/comments/{answer['comment']['id']}",
        json={"body": "still mine"},
        headers={"X-Edit-Token": answer["edit_token"]},
    )
    assert response.status_code == 200


async def test_an_edit_adding_too_many_links_sends_an_approved_comment_back_to_pending(
    client: Client, services: Services
) -> None:
    answer = await submitted(client, services, body="harmless")
    assert answer["status"] == "approved"
    links = "https://a.example https://b.example https://c.example"
    response = await client.patch(
        f"/api/v1/comments/{answer['comment']['id']}",
        json={"body": links},
        headers={"X-Edit-Token": answer["edit_token"]},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    page = await thread(client, answer["slug"])
    assert page["count"] == 0
    assert page["items"] == []


async def test_an_edit_of_a_pending_comment_keeps_it_pending(client: Client, services: Services) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    answer = (await post(client, article.slug, body="first")).json()
    response = await client.patch(
        f"/api/v1/comments/{answer['comment']['id']}",
        json={"body": "second"},
        headers={"X-Edit-Token": answer["edit_token"]},
    )
    assert response.json()["status"] == "pending"


async def test_a_delete_removes_the_comment_from_the_thread_and_counts(client: Client, services: Services) -> None:
    answer = await submitted(client, services)
    response = await client.delete(
        f"/api/v1/comments/{answer['comment']['id']}", headers={"X-Edit-Token": answer["edit_token"]}
    )
    assert response.status_code == 204
    assert response.content == b""
    assert (await thread(client, answer["slug"]))["count"] == 0
    again = await client.delete(
        f"/api/v1/comments/{answer['comment']['id']}", headers={"X-Edit-Token": answer["edit_token"]}
    )
    assert again.status_code == 403


async def test_an_invalid_edit_body_is_422_and_changes_nothing(client: Client, services: Services) -> None:
    answer = await submitted(client, services, body="original")
    url = f"/api/v1/comments/{answer['comment']['id']}"
    for body in ({"body": ""}, {"body": "x" * 10_001}, {"text": "x"}, {"body": "ok", "status": "approved"}):
        response = await client.patch(url, json=body, headers={"X-Edit-Token": answer["edit_token"]})
        assert response.status_code == 422, body
    assert (await thread(client, answer["slug"]))["items"][0]["body_html"] == "<p>original</p>\n"


async def test_an_edit_after_approval_under_pre_moderation_waits_for_a_moderator_with_its_diff(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre")
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    first = (await post(client, article.slug, author_name="Eve", body="What a fine report.")).json()
    comment_id = first["comment"]["id"]
    await moderate(client, moderator, comment_id, "approve")
    assert (await thread(client, article.slug))["count"] == 1
    edited = await client.patch(
        f"/api/v1/comments/{comment_id}",
        json={"body": "What a fine report.\n\nBuy at https://spam.example"},
        headers={"X-Edit-Token": first["edit_token"]},
    )
    assert (edited.status_code, edited.json()["status"]) == (200, "pending")
    page = await thread(client, article.slug)
    assert (page["count"], page["items"]) == (0, [])
    (entry,) = (await queue(client, moderator))["items"]
    assert entry["comment"]["id"] == comment_id
    assert entry["held_by"] == ["pre_moderation"]
    assert entry["edit"]["previous_body"] == "What a fine report."
    assert "+Buy at https://spam.example" in entry["edit"]["diff"]
    events = await audit_events(services, comment_id=int(comment_id))
    assert [(event.action, event.from_status, event.to_status) for event in events[:2]] == [
        ("hold", "approved", "pending"),
        ("edit", "approved", "approved"),
    ]
    assert (await moderate(client, moderator, comment_id, "approve")).status_code == 200
    assert "spam.example" in (await thread(client, article.slug))["items"][0]["body_html"]


async def test_an_author_cannot_edit_once_comments_are_closed_but_may_still_delete(
    client: Client, services: Services, admin: dict[str, str]
) -> None:
    answer = await submitted(client, services, body="Before closing.")
    await client.patch(f"/api/v1/admin/articles/{answer['slug']}", json={"comments_open": False}, headers=admin)
    url = f"/api/v1/comments/{answer['comment']['id']}"
    refused = await client.patch(url, json={"body": "After closing."}, headers={"X-Edit-Token": answer["edit_token"]})
    assert (refused.status_code, refused.json()["code"]) == (403, "comments_closed")
    assert "Before closing." in (await thread(client, answer["slug"]))["items"][0]["body_html"]
    assert (await client.delete(url, headers={"X-Edit-Token": answer["edit_token"]})).status_code == 204
