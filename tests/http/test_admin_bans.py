"""Bans by email, by network address or both: refusal, shadow bans, expiry, lifting, and what the list shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from parley.domain.records import ArticleModeration, stamp
from parley.services import Services
from parley.settings import Settings
from tests import builders, peek
from tests.conftest import Clock
from tests.http.conftest import MODERATOR
from tests.http.helpers import (
    PEER,
    Client,
    admin_comment,
    answer,
    audit_events,
    bearer,
    client_with_peers,
    make_article,
    moderate,
    post,
    queue,
    set_policy,
    thread,
)

SPAMMER = "Spam.Bot@Example.org"


def ids(items: list[dict[str, Any]]) -> set[str]:
    """Every comment id in a thread's items, replies included."""
    return {item["id"] for item in items} | {found for item in items for found in ids(item["replies"])}


async def ban(client: Client, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    return answer(await client.post("/api/v1/admin/bans", json=fields, headers=headers), 201)


async def bans(client: Client, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    return answer(await client.get("/api/v1/admin/bans", params=params, headers=headers))


async def test_a_ban_by_email_refuses_that_authors_comments_with_403(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    made = await ban(client, moderator, email=SPAMMER, reason="link farm")
    assert (made["by_email"], made["by_address"], made["reason"], made["created_by"]) == (
        True,
        False,
        "link farm",
        MODERATOR,
    )
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
    assert made["expires_at"] == "2026-01-15T13:00:00.000000Z"
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


@pytest.mark.parametrize(("moderation", "told"), [("post", "approved"), ("pre", "pending")])
async def test_a_shadow_banned_authors_view_is_an_ordinary_authors_view(
    client: Client, services: Services, moderator: dict[str, str], moderation: str, told: str
) -> None:
    await set_policy(services, moderation=moderation, shadow_ban=True)
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    first = (await post(client, article.slug, body="Someone else, earlier.")).json()
    if first["status"] == "pending":
        await moderate(client, moderator, first["comment"]["id"], "approve")
    ordinary = (await post(client, article.slug, body="An ordinary reply.", parent_id=first["comment"]["id"])).json()
    await ban(client, moderator, email=SPAMMER)
    response = await post(client, article.slug, author_email=SPAMMER, parent_id=first["comment"]["id"])
    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == answer["comment"]["status"] == ordinary["status"] == told
    stored = await admin_comment(client, moderator, answer["comment"]["id"])
    assert (stored["status"], stored["visible"]) == ("spam", False)
    assert "shadow_ban" in stored["rules"]
    (entry,) = (await queue(client, moderator, state="spam"))["items"]
    assert "shadow_ban" in entry["held_by"]

    async def view(token: str) -> dict[str, Any]:
        seen: dict[str, Any] = (
            await client.get(f"/api/v1/articles/{article.slug}/comments", headers={"X-Edit-Token": token})
        ).json()
        return seen

    public = await thread(client, article.slug)
    mine, theirs = await view(answer["edit_token"]), await view(ordinary["edit_token"])
    if told == "approved":  # each author sees their comment live and counted, as everyone sees the ordinary one
        assert public["count"] == theirs["count"] == 2
        assert mine["count"] == 3
        assert public["items"][0]["reply_count"] == 1
        assert mine["items"][0]["reply_count"] == 2
    assert [reply["status"] for reply in mine["items"][0]["replies"] if reply["id"] == answer["comment"]["id"]] == [
        told
    ]
    assert answer["comment"]["id"] not in ids(public["items"])
    deleted = await client.delete(
        f"/api/v1/comments/{answer['comment']['id']}", headers={"X-Edit-Token": answer["edit_token"]}
    )
    assert deleted.status_code == 204
    assert answer["comment"]["id"] not in ids((await view(answer["edit_token"]))["items"])


async def test_an_author_banned_after_posting_cannot_edit(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    answer = (await post(client, article.slug, author_email=SPAMMER, body="before")).json()
    await ban(client, moderator, email=SPAMMER)
    edited = await client.patch(
        f"/api/v1/comments/{answer['comment']['id']}",
        json={"body": "after"},
        headers={"X-Edit-Token": answer["edit_token"]},
    )
    assert edited.status_code == 403
    assert (await admin_comment(client, moderator, answer["comment"]["id"]))["body"] == "before"


async def test_the_ban_list_shows_moderators_what_each_ban_names_and_the_database_keeps_it_sealed(
    client: Client, services: Services, moderator: dict[str, str], settings: Settings
) -> None:
    made = [
        await ban(client, moderator, email=SPAMMER),
        await ban(client, moderator, address="203.0.113.9", reason="flood"),
        await ban(client, moderator, email="both@example.org", address="2001:db8:1:2::99"),
        await ban(client, moderator, address="198.51.100.0/24"),
    ]
    first = await bans(client, moderator, limit=2)
    second = await bans(client, moderator, limit=2, cursor=first["next_cursor"])
    listed = first["items"] + second["items"]
    assert [item["id"] for item in listed] == [item["id"] for item in made]
    assert second["next_cursor"] is None
    assert [(item["email"], item["network"]) for item in listed] == [
        (SPAMMER, None),
        (None, "203.0.113.9"),
        ("both@example.org", "2001:db8:1:2::/64"),
        (None, "198.51.100.0/24"),
    ]
    assert (await client.get(f"/api/v1/admin/bans/{made[2]['id']}", headers=moderator)).json() == listed[2]
    dump = (await peek.dump(settings)).casefold()
    for secret in (SPAMMER.casefold(), "203.0.113.9", "both@example.org", "2001:db8:1:2", "198.51.100.0"):
        assert secret not in dump


async def test_bans_are_found_by_the_email_address_or_comment_they_name(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    troll = await client.post(
        f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers={PEER: "192.0.2.50"}
    )
    by_email = await ban(client, moderator, email=SPAMMER)
    by_network = await ban(client, moderator, address="198.51.100.7")
    by_block = await ban(client, moderator, address="198.51.100.0/24")
    by_comment = await ban(client, moderator, comment_id=troll.json()["comment"]["id"])

    async def found(**params: str) -> list[str]:
        return [item["id"] for item in (await bans(client, moderator, **params))["items"]]

    assert await found(email=SPAMMER.upper()) == [by_email["id"]]
    assert await found(address="198.51.100.7") == [by_network["id"], by_block["id"]]
    assert await found(address="198.51.100.8") == [by_block["id"]]
    assert await found(address="198.51.100.0/24") == [by_block["id"]]
    assert await found(address="192.0.2.50") == [by_comment["id"]]
    assert await found(comment_id=troll.json()["comment"]["id"]) == [by_comment["id"]]
    assert by_comment["comment_id"] == troll.json()["comment"]["id"]
    assert await found(email="nobody@example.org") == []
    refused = await client.get("/api/v1/admin/bans", params={"address": "example.org"}, headers=moderator)
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "address")


async def test_an_erasure_takes_the_email_off_a_ban_and_the_ban_still_holds(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    article = await make_article(services)
    made = await ban(client, moderator, email=SPAMMER)
    await services.privacy.purge(SPAMMER, actor="admin:cli")
    assert (await bans(client, moderator))["items"][0]["email"] is None
    assert (await bans(client, moderator, email=SPAMMER))["items"][0]["id"] == made["id"]
    refused = await post(client, article.slug, author_email=SPAMMER)
    assert refused.status_code == 403


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


@pytest.mark.parametrize(
    ("banned", "refused", "allowed"),
    [
        ("2001:db8:1:2::10", ["2001:db8:1:2::11", "2001:db8:1:2:ffff::1"], ["2001:db8:1:3::10"]),
        ("198.51.100.77", ["198.51.100.77", "::ffff:198.51.100.77"], ["198.51.100.78"]),
        ("::ffff:198.51.100.77", ["198.51.100.77"], ["198.51.100.78"]),
        ("198.51.100.0/24", ["198.51.100.1", "::ffff:198.51.100.200"], ["198.51.101.1"]),
        ("2001:db8:aa::/48", ["2001:db8:aa:1::1", "2001:db8:aa:ffff::9"], ["2001:db8:ab::1"]),
        ("2001:db8:1:2::10/128", ["2001:db8:1:2::10"], ["2001:db8:1:2::11"]),
    ],
)
async def test_an_address_ban_covers_its_network_however_the_address_is_spelled(
    client: Client, services: Services, moderator: dict[str, str], banned: str, refused: list[str], allowed: list[str]
) -> None:
    article = await make_article(services)
    await ban(client, moderator, address=banned)
    for address in refused:
        answer = await client.post(
            f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers={PEER: address}
        )
        assert (address, answer.status_code) == (address, 403)
    for address in allowed:
        answer = await client.post(
            f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers={PEER: address}
        )
        assert (address, answer.status_code) == (address, 201)


@pytest.mark.parametrize("network", ["0.0.0.0/0", "10.0.0.0/7", "2001::/15", "198.51.100.7/33"])
async def test_a_ban_wider_than_a_carrier_or_not_a_network_is_422(
    client: Client, moderator: dict[str, str], network: str
) -> None:
    response = await client.post("/api/v1/admin/bans", json={"address": network}, headers=moderator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "address"


async def test_banning_the_author_of_a_comment_bans_their_key_and_network_never_the_email_they_typed(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    carol = {"author_name": "Carol", "author_email": "carol@example.org"}
    troll = await client.post(url, json={**carol, "body": "Abuse in Carol's name."}, headers={PEER: "203.0.113.90"})
    made = await ban(client, moderator, comment_id=troll.json()["comment"]["id"], reason="impersonation")
    assert (made["by_email"], made["by_address"], made["by_author_key"]) == (False, True, True)
    key = {"X-Author-Token": troll.json()["author_token"]}
    elsewhere = await client.post(
        url, json={"author_name": "T", "body": "New network."}, headers={PEER: "192.0.2.90", **key}
    )
    same_network = await client.post(
        url, json={"author_name": "T2", "body": "Same network."}, headers={PEER: "203.0.113.90"}
    )
    assert elsewhere.status_code == same_network.status_code == 403
    real = await client.post(url, json={**carol, "body": "The real Carol."}, headers={PEER: "198.51.100.90"})
    assert real.status_code == 201
    events = await audit_events(services, action="ban")
    assert events[0].comment_id == int(troll.json()["comment"]["id"])


async def test_a_ban_names_a_comment_or_an_email_and_network_but_not_both(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    article = await make_article(services)
    comment_id = (await post(client, article.slug)).json()["comment"]["id"]
    both = await client.post(
        "/api/v1/admin/bans", json={"comment_id": comment_id, "email": "x@example.org"}, headers=moderator
    )
    assert (both.status_code, both.json()["errors"][0]["field"]) == (422, "comment_id")
    missing = await client.post("/api/v1/admin/bans", json={"comment_id": "999999"}, headers=moderator)
    assert missing.status_code == 404
