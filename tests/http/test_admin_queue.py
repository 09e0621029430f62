"""The queues a moderator works from, their counts, and the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from parley.domain.records import ArticleModeration
from parley.services import Services
from tests.conftest import Clock
from tests.http.conftest import ADMIN, MODERATOR
from tests.http.helpers import Client, answer, bearer, flag, make_article, moderate, pages, post, queue, set_policy

ANN = {"author_name": "Ann", "author_email": "ann@example.org"}


async def test_the_pending_queue_is_oldest_first_and_pages_with_a_cursor(
    client: Client, services: Services, moderator: dict[str, str], clock: Clock
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    made = []
    for n in range(5):
        made.append((await post(client, article.slug, body=f"waiting {n}")).json()["comment"]["id"])
        clock.advance(minutes=1)
    walked = await pages(lambda more: queue(client, moderator, limit=2, **more))
    seen = [item["comment"]["id"] for page in walked for item in page["items"]]
    assert (seen, len(walked)) == (made, 3)
    assert (await queue(client, moderator))["items"][0]["comment"]["body"] == "waiting 0"


async def test_spam_and_rejected_queues_show_the_latest_first(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    ids = [(await post(client, article.slug)).json()["comment"]["id"] for _ in range(4)]
    for comment_id, action in zip(ids, ("spam", "reject", "spam", "reject"), strict=True):
        await moderate(client, moderator, comment_id, action)
    assert [i["comment"]["id"] for i in (await queue(client, moderator, state="spam"))["items"]] == [ids[2], ids[0]]
    assert [i["comment"]["id"] for i in (await queue(client, moderator, state="rejected"))["items"]] == [ids[3], ids[1]]
    assert (await queue(client, moderator))["items"] == []


async def test_a_queue_item_carries_what_a_moderator_needs_to_decide(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre", trust_returning_authors=False, max_links=0)
    article = await make_article(services, moderation=ArticleModeration.INHERIT, title="Shade as infrastructure")
    parent = (await post(client, article.slug, body="The parent's words. " * 20)).json()["comment"]["id"]
    await moderate(client, moderator, parent, "approve")
    key: dict[str, str] = {}
    for action in ("approve", "reject", "spam"):
        earlier = await client.post(
            f"/api/v1/articles/{article.slug}/comments", json={**ANN, "body": f"earlier, then {action}"}, headers=key
        )
        key = {"X-Author-Token": earlier.json()["author_token"]}
        await moderate(client, moderator, earlier.json()["comment"]["id"], action)
    body = {**ANN, "body": "See **[this](https://example.org)**", "parent_id": parent}
    reply = await client.post(f"/api/v1/articles/{article.slug}/comments", json=body, headers=key)
    reply_id = reply.json()["comment"]["id"]
    (item,) = (await queue(client, moderator))["items"]
    assert item["article"] == {"slug": article.slug, "title": "Shade as infrastructure"}
    assert item["parent_excerpt"] == ("The parent's words. " * 20)[:200]
    assert item["author_history"] == {"pending": 1, "approved": 1, "rejected": 1, "spam": 1, "removed": 0}
    assert item["flags"] == []
    assert item["held_by"] == ["max_links"]
    comment = item["comment"]
    assert (comment["id"], comment["parent_id"], comment["depth"], comment["status"]) == (
        reply_id,
        parent,
        1,
        "pending",
    )
    assert comment["body"] == "See **[this](https://example.org)**"
    assert comment["body_html"].startswith('<p>See <strong><a href="https://example.org"')
    assert comment["author"] == {"name": "Ann", "email": "ann@example.org", "url": None}
    assert set(comment) == {
        "id",
        "article_id",
        "parent_id",
        "depth",
        "status",
        "previous_status",
        "removed_by",
        "visible",
        "flagged",
        "author",
        "body",
        "body_html",
        "created_at",
        "edited_at",
        "rules",
    }


async def test_an_authors_history_follows_their_author_key_not_an_email_anyone_can_type(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    for n in range(2):
        await post(client, article.slug, body=f"Ann's own words {n}.", **ANN)
    impostor = (await post(client, article.slug, body="An impostor's words.", **ANN)).json()["comment"]["id"]
    items = (await queue(client, moderator))["items"]
    assert [item["author_history"]["pending"] for item in items] == [1, 1, 1]
    assert items[-1]["comment"]["id"] == impostor
    assert items[-1]["parent_excerpt"] is None


async def test_queues_filter_by_article(client: Client, services: Services, moderator: dict[str, str]) -> None:
    one = await make_article(services, moderation=ArticleModeration.PRE)
    two = await make_article(services, moderation=ArticleModeration.PRE)
    mine = (await post(client, one.slug)).json()["comment"]["id"]
    await post(client, two.slug)
    assert [i["comment"]["id"] for i in (await queue(client, moderator, article=one.slug))["items"]] == [mine]
    assert len((await queue(client, moderator))["items"]) == 2
    unknown = await client.get("/api/v1/admin/queue", params={"article": "nope"}, headers=moderator)
    assert unknown.status_code == 404


async def test_stats_count_each_queue(client: Client, services: Services, moderator: dict[str, str]) -> None:
    await set_policy(services, moderation="pre", flag_threshold=1)
    article = await make_article(services, moderation=ArticleModeration.PRE)
    ids = [(await post(client, article.slug)).json()["comment"]["id"] for _ in range(6)]
    await moderate(client, moderator, ids[0], "spam")
    await moderate(client, moderator, ids[1], "reject")
    await moderate(client, moderator, ids[2], "reject")
    await moderate(client, moderator, ids[3], "approve")
    await flag(client, ids[3], "reader-1")
    stats = await client.get("/api/v1/admin/queue/stats", headers=moderator)
    assert stats.json() == {"pending": 2, "flagged": 1, "spam": 1, "rejected": 2}


@pytest.mark.parametrize(
    "params",
    [{"state": "approved"}, {"limit": 0}, {"limit": 201}, {"cursor": "garbage"}, {"article": "x" * 201}],
)
async def test_bad_queue_parameters_are_422(client: Client, moderator: dict[str, str], params: dict[str, Any]) -> None:
    response = await client.get("/api/v1/admin/queue", params=params, headers=moderator)
    assert response.status_code == 422, response.text


async def test_a_cursor_from_one_queue_is_refused_by_another(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    for _ in range(2):
        await post(client, article.slug)
    cursor = (await queue(client, moderator, limit=1))["next_cursor"]
    response = await client.get("/api/v1/admin/queue", params={"state": "spam", "cursor": cursor}, headers=moderator)
    assert response.status_code == 422


async def audit(client: Client, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    return answer(await client.get("/api/v1/admin/audit", params=params, headers=headers))


async def test_the_audit_log_is_newest_first_filters_by_actor_and_action_and_pages(
    client: Client, services: Services, moderator: dict[str, str], admin: dict[str, str]
) -> None:
    other = await bearer(services, name="omar")
    article = await make_article(services, moderation=ArticleModeration.PRE)
    ids = [(await post(client, article.slug)).json()["comment"]["id"] for _ in range(3)]
    await moderate(client, moderator, ids[0], "approve")
    await moderate(client, other, ids[1], "reject", reason="off topic")
    await moderate(client, moderator, ids[2], "spam")
    await client.patch("/api/v1/admin/policy", json={"max_links": 4}, headers=admin)
    everything = (await audit(client, admin, limit=200))["items"]
    assert [(e["actor"], e["action"]) for e in everything[:4]] == [
        (ADMIN, "policy"),
        (MODERATOR, "spam"),
        ("omar", "reject"),
        (MODERATOR, "approve"),
    ]
    assert [e["action"] for e in everything[4:]] == ["create", "create", "create", "article", *["token_create"] * 3]
    assert {(e["actor"], e["reason"]) for e in everything[-3:]} >= {("admin:cli", "moderator token omar")}
    ids_desc = [int(e["id"]) for e in everything]
    assert ids_desc == sorted(ids_desc, reverse=True)
    assert [e["comment_id"] for e in (await audit(client, admin, actor=MODERATOR))["items"]] == [ids[2], ids[0]]
    assert [e["reason"] for e in (await audit(client, admin, action="reject"))["items"]] == ["off topic"]
    assert (await audit(client, admin, actor="omar", action="approve"))["items"] == []
    assert [e["action"] for e in (await audit(client, admin, comment_id=ids[1]))["items"]] == ["reject", "create"]
    walked = await pages(lambda more: audit(client, admin, limit=3, **more))
    assert all(len(page["items"]) <= 3 for page in walked)
    assert [item for page in walked for item in page["items"]] == everything
    policy_event = everything[0]
    assert (policy_event["comment_id"], policy_event["from_status"], policy_event["reason"]) == (
        None,
        None,
        "max_links: 2 -> 4",
    )


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"cursor": "nope"}, {"actor": "x" * 201}, {"comment_id": 0}, {"comment_id": "one"}]
)
async def test_bad_audit_parameters_are_422(client: Client, admin: dict[str, str], params: dict[str, Any]) -> None:
    assert (await client.get("/api/v1/admin/audit", params=params, headers=admin)).status_code == 422


async def test_the_audit_log_cannot_be_changed_through_the_api(client: Client, admin: dict[str, str]) -> None:
    for method in ("put", "patch", "delete", "post"):
        response = await getattr(client, method)("/api/v1/admin/audit", headers=admin)
        assert response.status_code == 405, method
