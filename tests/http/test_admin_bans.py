"""Bans by email, by network address or both: refusal, shadow bans, expiry, lifting, and what the list shows."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from parley.app import Services
from parley.domain.records import stamp
from parley.settings import Settings
from tests.conftest import Clock
from tests.http.conftest import MODERATOR
from tests.http.helpers import (
    PEER,
    Client,
    admin_comment,
    audit_events,
    bearer,
    client_with_peers,
    make_article,
    post,
    queue,
    set_policy,
)

SPAMMER = "Spam.Bot@Example.org"


async def ban(client: Client, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/admin/bans", json=fields, headers=headers)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


async def bans(client: Client, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/admin/bans", params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_a_ban_by_email_refuses_that_authors_comments_with_403(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    made = await ban(client, moderator, email=SPAMMER, reason="link farm")
    assert (made["by_email"], made["by_address"], made["reason"], made["created_by"]) == (True, False, "link farm",
                                                                                          MODERATOR)  # fmt: skip
    for spelling in (SPAMMER, SPAMMER.lower(), f"  {SPAMMER.upper()}"):
        refused = await post(client, article.slug, author_email=spelling.strip())
        assert refused.status_code == 403, spelling
        assert refused.json()["code"] == "banned"
    assert (await post(client, article.slug, author_email="someone@example.org")).status_code == 201
    (event,) = await audit_events(services, action="ban")
    assert (event.actor, event.reason) == (MODERATOR, f"ban {made['id']}: link farm")


async def test_a_ban_by_address_or_by_both_refuses_comments_from_either(settings: Settings, clock: Clock) -> None:
    async with client_with_peers(settings, clock) as (client, services):
        moderator = await bearer(services)
        await set_policy(services, moderation="post")
        article = await make_article(services)
        await ban(client, moderator, address="2001:DB8:0::7")
        await ban(client, moderator, email="both@example.org", address="203.0.113.9")

        async def post_from(address: str, **fields: Any) -> int:
            body = {"author_name": "Someone", "body": f"from {address} {fields}", **fields}
            answer = await client.post(f"/api/v1/articles/{article.slug}/comments", json=body, headers={PEER: address})
            return answer.status_code

        assert await post_from("2001:db8::7") == 403
        assert await post_from("203.0.113.9") == 403
        assert await post_from("198.51.100.1", author_email="both@example.org") == 403
        assert await post_from("198.51.100.1") == 201
        assert await post_from("198.51.100.1", author_email="other@example.org") == 201


async def test_an_expired_ban_stops_applying_by_itself(
    client: Client, services: Services, moderator: dict[str, str], clock: Clock
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    made = await ban(client, moderator, email=SPAMMER, expires_at=stamp(clock.now + timedelta(hours=1)))
    assert made["expires_at"] == "2026-01-15T13:00:00Z"
    assert (await post(client, article.slug, author_email=SPAMMER)).status_code == 403
    clock.advance(minutes=59)
    assert (await post(client, article.slug, author_email=SPAMMER)).status_code == 403
    assert [item["id"] for item in (await bans(client, moderator))["items"]] == [made["id"]]
    clock.advance(minutes=1)
    assert (await post(client, article.slug, author_email=SPAMMER)).status_code == 201
    assert (await bans(client, moderator))["items"] == []


async def test_lifting_a_ban_ends_it_at_once(client: Client, services: Services, moderator: dict[str, str]) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    made = await ban(client, moderator, email=SPAMMER)
    assert (await client.get(f"/api/v1/admin/bans/{made['id']}", headers=moderator)).json() == made
    assert (await post(client, article.slug, author_email=SPAMMER)).status_code == 403
    lifted = await client.delete(f"/api/v1/admin/bans/{made['id']}", headers=moderator)
    assert lifted.status_code == 204
    assert (await post(client, article.slug, author_email=SPAMMER)).status_code == 201
    assert (await client.delete(f"/api/v1/admin/bans/{made['id']}", headers=moderator)).status_code == 404
    assert (await client.get(f"/api/v1/admin/bans/{made['id']}", headers=moderator)).status_code == 404
    assert (await client.delete("/api/v1/admin/bans/424242", headers=moderator)).status_code == 404
    (event,) = await audit_events(services, action="unban")
    assert (event.actor, event.reason) == (MODERATOR, f"ban {made['id']}")


async def test_with_shadow_ban_a_banned_authors_comment_is_stored_as_spam_and_looks_pending(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post", shadow_ban=True)
    article = await make_article(services)
    await ban(client, moderator, email=SPAMMER)
    response = await post(client, article.slug, author_email=SPAMMER)
    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == answer["comment"]["status"] == "pending"
    stored = await admin_comment(client, moderator, answer["comment"]["id"])
    assert (stored["status"], stored["rules"], stored["visible"]) == ("spam", ["shadow_ban"], False)
    (entry,) = (await queue(client, moderator, state="spam"))["items"]
    assert entry["held_by"] == ["shadow_ban"]
    own = await client.get(f"/api/v1/articles/{article.slug}/comments",
                           headers={"X-Edit-Token": answer["edit_token"]})  # fmt: skip
    assert [item["status"] for item in own.json()["items"]] == ["pending"]
    assert (await client.get(f"/api/v1/articles/{article.slug}/comments")).json()["count"] == 0


async def test_an_author_banned_after_posting_cannot_edit(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    answer = (await post(client, article.slug, author_email=SPAMMER, body="before")).json()
    await ban(client, moderator, email=SPAMMER)
    edited = await client.patch(f"/api/v1/comments/{answer['comment']['id']}", json={"body": "after"},
                                headers={"X-Edit-Token": answer["edit_token"]})  # fmt: skip
    assert edited.status_code == 403
    assert (await admin_comment(client, moderator, answer["comment"]["id"]))["body"] == "before"


async def test_the_ban_list_shows_neither_email_nor_address_and_pages(
    client: Client, services: Services, moderator: dict[str, str], settings: Settings
) -> None:
    made = [
        await ban(client, moderator, email=SPAMMER),
        await ban(client, moderator, address="203.0.113.9", reason="flood"),
        await ban(client, moderator, email="both@example.org", address="198.51.100.4"),
    ]
    first = await bans(client, moderator, limit=2)
    second = await bans(client, moderator, limit=2, cursor=first["next_cursor"])
    assert [item["id"] for item in first["items"] + second["items"]] == [item["id"] for item in made]
    assert second["next_cursor"] is None
    assert set(first["items"][0]) == {"id", "by_email", "by_address", "reason", "created_by", "created_at",
                                      "expires_at"}  # fmt: skip
    listing = first | second
    text = str(listing).casefold() + str(made).casefold()
    for secret in (SPAMMER.casefold(), "203.0.113.9", "both@example.org", "198.51.100.4"):
        assert secret not in text
    with sqlite3.connect(settings.database) as conn:
        dump = "\n".join(conn.iterdump()).casefold()
    for secret in (SPAMMER.casefold(), "203.0.113.9", "both@example.org", "198.51.100.4"):
        assert secret not in dump


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"reason": "nobody in particular"},
        {"email": "not-an-email"},
        {"address": "999.1.1.1"},
        {"address": "example.org"},
        {"email": "a@example.org", "expires_at": "2026-01-15T11:00:00Z"},
        {"email": "a@example.org", "expires_at": "tomorrow"},
        {"email": "a@example.org", "expires_at": "2026-02-01T12:00:00"},
        {"email": "a@example.org", "reason": "x" * 1001},
        {"email": "a@example.org", "everyone": True},
    ],
)
async def test_a_bad_ban_is_422_and_stores_nothing(
    client: Client, services: Services, moderator: dict[str, str], fields: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/admin/bans", json=fields, headers=moderator)
    assert response.status_code == 422, response.text
    assert response.json()["errors"]
    assert (await bans(client, moderator))["items"] == []
    assert await audit_events(services, action="ban") == []
