"""Moderators' decisions over HTTP: the state machine, restore, expected_status, the race, bulk, history."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from litestar import Litestar

from parley.domain.records import ArticleModeration, Role
from parley.http.deps import running
from parley.services import Services
from tests.http.conftest import MODERATOR
from tests.http.helpers import (
    Client,
    admin_comment,
    audit_events,
    connect,
    make_article,
    moderate,
    post,
    set_policy,
    thread,
)

ACTIONS = ("approve", "reject", "spam", "remove", "restore")
STATUSES = ("pending", "approved", "rejected", "spam", "removed")
# How a comment that was pending reaches each status; approved ones are posted where moderation is `post`.
REACH = {"rejected": "reject", "spam": "spam", "removed": "remove"}
# The contract's table, from a comment that started pending: restore goes back to pending.
ALLOWED = {
    ("approve", "pending"): "approved",
    ("reject", "pending"): "rejected",
    ("spam", "pending"): "spam",
    ("remove", "pending"): "removed",
    ("reject", "approved"): "rejected",
    ("spam", "approved"): "spam",
    ("remove", "approved"): "removed",
    ("restore", "rejected"): "pending",
    ("restore", "spam"): "pending",
    ("restore", "removed"): "pending",
}
REFUSED = [pair for pair in itertools.product(ACTIONS, STATUSES) if pair not in ALLOWED]


async def comment_in(client: Client, services: Services, headers: dict[str, str], status: str) -> tuple[str, str]:
    """A new comment brought to `status` through the API; returns its id and its article's slug."""
    moderation = ArticleModeration.POST if status == "approved" else ArticleModeration.PRE
    article = await make_article(services, moderation=moderation)
    answer = (await post(client, article.slug)).json()
    comment_id: str = answer["comment"]["id"]
    if status in REACH:
        assert (await moderate(client, headers, comment_id, REACH[status])).status_code == 200
    assert (await admin_comment(client, headers, comment_id))["status"] == status
    return comment_id, article.slug


@pytest.mark.parametrize(("action", "status"), list(ALLOWED))
async def test_every_allowed_move(
    client: Client, services: Services, moderator: dict[str, str], action: str, status: str
) -> None:
    comment_id, _slug = await comment_in(client, services, moderator, status)
    response = await moderate(client, moderator, comment_id, action, reason="checked")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == ALLOWED[action, status]
    assert response.json()["id"] == comment_id
    latest = (await audit_events(services, comment_id=int(comment_id)))[0]
    assert (latest.actor, latest.action, latest.from_status, latest.to_status, latest.reason) == (
        MODERATOR,
        action,
        status,
        ALLOWED[action, status],
        "checked",
    )


@pytest.mark.parametrize(("action", "status"), REFUSED)
async def test_every_refused_move_is_409_and_changes_nothing(
    client: Client, services: Services, moderator: dict[str, str], action: str, status: str
) -> None:
    comment_id, _slug = await comment_in(client, services, moderator, status)
    before = await admin_comment(client, moderator, comment_id)
    events = await audit_events(services)
    response = await moderate(client, moderator, comment_id, action)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "conflict"
    assert await admin_comment(client, moderator, comment_id) == before
    assert await audit_events(services) == events


@pytest.mark.parametrize("leave", ["reject", "spam", "remove"])
async def test_restore_returns_an_approved_comment_to_the_thread(
    client: Client, services: Services, moderator: dict[str, str], leave: str
) -> None:
    comment_id, slug = await comment_in(client, services, moderator, "approved")
    assert (await thread(client, slug))["count"] == 1
    assert (await moderate(client, moderator, comment_id, leave)).json()["visible"] is False
    assert (await thread(client, slug))["count"] == 0
    restored = (await moderate(client, moderator, comment_id, "restore")).json()
    assert (restored["status"], restored["visible"], restored["previous_status"]) == ("approved", True, None)
    page = await thread(client, slug)
    assert page["count"] == 1
    assert [item["id"] for item in page["items"]] == [comment_id]


async def test_restore_remembers_through_several_moves(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, _slug = await comment_in(client, services, moderator, "pending")
    steps = [
        ("reject", "rejected"),
        ("restore", "pending"),
        ("approve", "approved"),
        ("spam", "spam"),
        ("restore", "approved"),
        ("remove", "removed"),
        ("restore", "approved"),
    ]
    for action, status in steps:
        response = await moderate(client, moderator, comment_id, action)
        assert response.json()["status"] == status, (action, response.text)
    assert (await moderate(client, moderator, comment_id, "restore")).status_code == 409


async def test_restore_of_a_comment_stored_as_spam_sends_it_to_the_pending_queue(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    comment_id = (await post(client, article.slug, honeypot="http://bot.example")).json()["comment"]["id"]
    assert (await admin_comment(client, moderator, comment_id))["status"] == "spam"
    restored = await moderate(client, moderator, comment_id, "restore")
    assert restored.json()["status"] == "pending"
    assert (await thread(client, article.slug))["count"] == 0


async def test_expected_status_that_no_longer_holds_is_409_and_changes_nothing(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, _slug = await comment_in(client, services, moderator, "pending")
    before = await admin_comment(client, moderator, comment_id)
    events = await audit_events(services)
    response = await moderate(client, moderator, comment_id, "reject", expected_status="approved")
    assert response.status_code == 409
    assert "pending" in response.json()["detail"]
    assert await admin_comment(client, moderator, comment_id) == before
    assert await audit_events(services) == events
    ok = await moderate(client, moderator, comment_id, "reject", expected_status="pending")
    assert ok.status_code == 200
    assert ok.json()["status"] == "rejected"


async def test_two_moderators_deciding_at_once_one_wins_and_one_event_is_written(app_in_loop: Litestar) -> None:
    """In the test's own loop, so both decisions really are in flight together."""
    services: Services = running(app_in_loop).services
    _, one = await services.tokens.create("one", Role.MODERATOR)
    _, two = await services.tokens.create("two", Role.MODERATOR)
    async with connect(app_in_loop) as client:
        first = {"Authorization": f"Bearer {one}"}
        comment_id, _slug = await comment_in(client, services, first, "pending")
        created = await audit_events(services, comment_id=int(comment_id))
        answers = await asyncio.gather(
            moderate(client, first, comment_id, "approve", expected_status="pending"),
            moderate(client, {"Authorization": f"Bearer {two}"}, comment_id, "reject", expected_status="pending"),
        )
        assert sorted(answer.status_code for answer in answers) == [200, 409]
        winner = next(answer for answer in answers if answer.status_code == 200).json()
        events = await audit_events(services, comment_id=int(comment_id))
        assert len(events) == len(created) + 1
        assert events[0].to_status == winner["status"]
        assert (await admin_comment(client, first, comment_id))["status"] == winner["status"]


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "bless"},
        {},
        {"action": "approve", "expected_status": "gone"},
        {"action": "approve", "reason": "x" * 1001},
        {"action": "approve", "extra": 1},
    ],
)
async def test_a_malformed_decision_is_422_and_changes_nothing(
    client: Client, services: Services, moderator: dict[str, str], fields: dict[str, Any]
) -> None:
    comment_id, _slug = await comment_in(client, services, moderator, "pending")
    url = f"/api/v1/admin/comments/{comment_id}/moderate"
    response = await client.post(url, json=fields, headers=moderator)
    assert response.status_code == 422, response.text
    assert response.json()["errors"]
    assert (await admin_comment(client, moderator, comment_id))["status"] == "pending"


async def test_deciding_on_an_unknown_comment_is_404(client: Client, moderator: dict[str, str]) -> None:
    assert (await moderate(client, moderator, "424242", "approve")).status_code == 404
    assert (await client.get("/api/v1/admin/comments/424242/history", headers=moderator)).status_code == 404
    assert (await client.get("/api/v1/admin/comments/424242", headers=moderator)).status_code == 404


async def test_bulk_applies_the_valid_ids_and_reports_stale_and_unknown_ones(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    first, _ = await comment_in(client, services, moderator, "pending")
    second, _ = await comment_in(client, services, moderator, "pending")
    approved, _ = await comment_in(client, services, moderator, "approved")
    rejected, _ = await comment_in(client, services, moderator, "rejected")
    ids = [first, approved, "424242", second, rejected, first]
    response = await client.post(
        "/api/v1/admin/comments/moderate",
        json={"ids": ids, "action": "spam", "reason": "wave", "expected_status": "pending"},
        headers=moderator,
    )
    assert response.status_code == 200, response.text
    results = {item["id"]: item for item in response.json()["results"]}
    assert [item["id"] for item in response.json()["results"]] == [first, approved, "424242", second, rejected]
    assert results[first] == {"id": first, "result": "ok", "status": "spam"}
    assert results[second] == {"id": second, "result": "ok", "status": "spam"}
    assert results["424242"] == {"id": "424242", "result": "not_found"}
    assert (results[approved]["result"], results[approved]["status"]) == ("conflict", "approved")
    assert (results[rejected]["result"], results[rejected]["status"]) == ("conflict", "rejected")
    for comment_id, status in ((first, "spam"), (second, "spam"), (approved, "approved"), (rejected, "rejected")):
        assert (await admin_comment(client, moderator, comment_id))["status"] == status
    spammed = await audit_events(services, action="spam", actor=MODERATOR)
    assert sorted(str(event.comment_id) for event in spammed if event.reason == "wave") == sorted([first, second])


async def test_bulk_without_expected_status_refuses_only_the_moves_the_table_forbids(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    pending, _ = await comment_in(client, services, moderator, "pending")
    approved, _ = await comment_in(client, services, moderator, "approved")
    removed, _ = await comment_in(client, services, moderator, "removed")
    response = await client.post(
        "/api/v1/admin/comments/moderate",
        json={"ids": [pending, approved, removed], "action": "reject"},
        headers=moderator,
    )
    results = response.json()["results"]
    assert [(item["result"], item["status"]) for item in results] == [
        ("ok", "rejected"),
        ("ok", "rejected"),
        ("conflict", "removed"),
    ]
    assert "cannot reject" in results[2]["detail"]


@pytest.mark.parametrize("ids", [[], ["0"], ["abc"], [1], ["9007199254740993" + "0"], [str(n) for n in range(1, 202)]])
async def test_bulk_input_out_of_bounds_is_422(client: Client, moderator: dict[str, str], ids: list[Any]) -> None:
    response = await client.post(
        "/api/v1/admin/comments/moderate", json={"ids": ids, "action": "approve"}, headers=moderator
    )
    assert response.status_code == 422, response.text


async def test_bulk_accepts_two_hundred_ids(client: Client, moderator: dict[str, str]) -> None:
    ids = [str(n) for n in range(1, 201)]
    response = await client.post(
        "/api/v1/admin/comments/moderate", json={"ids": ids, "action": "approve"}, headers=moderator
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200


async def test_history_lists_a_comments_events_newest_first_with_who_and_why(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, _slug = await comment_in(client, services, moderator, "pending")
    await moderate(client, moderator, comment_id, "approve", reason="fine")
    await moderate(client, moderator, comment_id, "remove", reason="changed my mind")
    response = await client.get(f"/api/v1/admin/comments/{comment_id}/history", headers=moderator)
    assert response.status_code == 200
    events = response.json()
    assert [(e["actor"], e["action"], e["from_status"], e["to_status"], e["reason"]) for e in events] == [
        (MODERATOR, "remove", "approved", "removed", "changed my mind"),
        (MODERATOR, "approve", "pending", "approved", "fine"),
        ("author", "create", None, "pending", "rule:pre_moderation"),
    ]
    assert all(e["comment_id"] == comment_id for e in events)
    assert events[0]["created_at"].endswith("Z")


async def test_a_comment_its_author_deleted_cannot_be_restored_by_a_moderator(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    answer = (await post(client, article.slug)).json()
    comment_id = answer["comment"]["id"]
    deleted = await client.delete(f"/api/v1/comments/{comment_id}", headers={"X-Edit-Token": answer["edit_token"]})
    assert deleted.status_code == 204
    refused = await moderate(client, moderator, comment_id, "restore")
    assert refused.status_code == 409
    assert "author deleted" in refused.json()["detail"]
    bulk = await client.post(
        "/api/v1/admin/comments/moderate", json={"ids": [comment_id], "action": "restore"}, headers=moderator
    )
    assert bulk.json()["results"][0]["result"] == "conflict"
    latest = (await audit_events(services, comment_id=int(comment_id)))[0]
    assert (latest.actor, latest.action, latest.to_status) == ("author", "delete", "removed")
    assert (await thread(client, article.slug))["count"] == 0
