"""The policy's rules on create and on every edit: each recorded by name and shown in the queue's `held_by`."""

from __future__ import annotations

from typing import Any

import pytest

from parley.domain.records import ArticleModeration
from parley.services import Services
from tests import builders
from tests.conftest import PEER
from tests.http.helpers import (
    Client,
    admin_comment,
    audit_events,
    make_article,
    moderate,
    post,
    queue,
    set_policy,
    thread,
)

LINKS = "see https://a.example and https://b.example and https://c.example"
# rule -> (policy, extra fields on the submission, stored status, queue it waits in, what its author is told)
RULES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str, str]] = {
    "hold_words": (
        {"moderation": "post", "hold_words": ("casino",)},
        {"body": "Off to the CASINO"},
        "pending",
        "pending",
        "pending",
    ),
    "block_words": (
        {"moderation": "post", "block_words": ("pills",)},
        {"body": "cheap \uff30\uff49\uff4c\uff4c\uff53 here"},
        "spam",
        "spam",
        "approved",
    ),
    "max_links": ({"moderation": "post", "max_links": 2}, {"body": LINKS}, "pending", "pending", "pending"),
    "pre_moderation": ({"moderation": "pre"}, {}, "pending", "pending", "pending"),
    "honeypot": ({"moderation": "post"}, {"honeypot": "https://bot.example"}, "spam", "spam", "approved"),
}


async def queue_entry(client: Client, headers: dict[str, str], state: str, comment_id: str) -> dict[str, Any]:
    items = (await queue(client, headers, state=state))["items"]
    found: dict[str, Any] = next(item for item in items if item["comment"]["id"] == comment_id)
    return found


async def edit(client: Client, answer: dict[str, Any], **fields: Any) -> Any:
    return await client.patch(
        f"/api/v1/comments/{answer['comment']['id']}", json=fields, headers={"X-Edit-Token": answer["edit_token"]}
    )


@pytest.mark.parametrize("rule", list(RULES))
async def test_each_rule_fires_on_create_and_is_recorded_by_name(
    client: Client, services: Services, moderator: dict[str, str], rule: str
) -> None:
    policy, fields, stored, state, told = RULES[rule]
    await set_policy(services, **policy)
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    response = await post(client, article.slug, **fields)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["status"] == answer["comment"]["status"] == told  # spam looks like any comment to its poster
    comment_id = answer["comment"]["id"]
    assert (await admin_comment(client, moderator, comment_id))["status"] == stored
    assert (await admin_comment(client, moderator, comment_id))["rules"] == [rule]
    assert (await queue_entry(client, moderator, state, comment_id))["held_by"] == [rule]
    assert (await thread(client, article.slug))["count"] == 0
    created = (await audit_events(services, comment_id=int(comment_id)))[0]
    assert (created.actor, created.action, created.to_status, created.reason) == (
        "author",
        "create",
        stored,
        f"rule:{rule}",
    )


@pytest.mark.parametrize("rule", ["hold_words", "block_words", "max_links", "honeypot"])
async def test_each_rule_fires_when_an_edit_brings_an_approved_comment_under_it(
    client: Client, services: Services, moderator: dict[str, str], rule: str
) -> None:
    policy, fields, stored, state, told = RULES[rule]
    await set_policy(services, **policy)
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    answer = (await post(client, article.slug, body="harmless")).json()
    assert answer["status"] == "approved"
    comment_id = answer["comment"]["id"]
    response = await edit(client, answer, **({"body": "harmless, edited"} | fields))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == told
    comment = await admin_comment(client, moderator, comment_id)
    assert (comment["status"], comment["rules"], comment["visible"]) == (stored, [rule], False)
    assert (await queue_entry(client, moderator, state, comment_id))["held_by"] == [rule]
    page = await thread(client, article.slug)
    assert (page["count"], page["items"]) == (0, [])
    moved = (await audit_events(services, comment_id=int(comment_id)))[0]
    assert (moved.actor, moved.from_status, moved.to_status, moved.reason) == (
        f"rule:{rule}",
        "approved",
        stored,
        "edited",
    )


async def test_an_edit_of_a_pending_comment_runs_the_rules_again(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre", hold_words=("casino",), block_words=("pills",))
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    answer = (await post(client, article.slug, body="first")).json()
    comment_id = answer["comment"]["id"]
    assert (await edit(client, answer, body="second")).json()["status"] == "pending"
    assert (await queue_entry(client, moderator, "pending", comment_id))["held_by"] == ["pre_moderation"]
    assert (await edit(client, answer, body="casino")).json()["status"] == "pending"
    assert (await queue_entry(client, moderator, "pending", comment_id))["held_by"] == ["hold_words"]
    assert (await edit(client, answer, body="pills")).json()["status"] == "pending"
    assert (await queue_entry(client, moderator, "spam", comment_id))["held_by"] == ["block_words"]
    edits = await audit_events(services, comment_id=int(comment_id), action="edit")
    assert [event.reason for event in edits] == ["rule:block_words", "rule:hold_words", "rule:pre_moderation"]


async def test_an_edit_never_releases_a_comment_from_the_queue(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post", hold_words=("casino",))
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    answer = (await post(client, article.slug, body="casino")).json()
    assert (await edit(client, answer, body="nothing to see")).json()["status"] == "pending"
    assert (await admin_comment(client, moderator, answer["comment"]["id"]))["status"] == "pending"


async def test_an_edit_adding_too_many_links_to_a_moderator_approved_comment_sends_it_back(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre", max_links=1)
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    answer = (await post(client, article.slug, body="one link: https://a.example")).json()
    comment_id = answer["comment"]["id"]
    assert (await moderate(client, moderator, comment_id, "approve")).json()["status"] == "approved"
    assert (await thread(client, article.slug))["count"] == 1
    assert (await edit(client, answer, body=LINKS)).json()["status"] == "pending"
    assert (await queue_entry(client, moderator, "pending", comment_id))["held_by"] == ["max_links"]
    assert (await thread(client, article.slug))["count"] == 0


async def test_a_returning_author_is_known_by_the_author_key_their_first_receipt_gave(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre")
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    ann = {"author_name": "Ann", "author_email": "ann@example.org"}
    first = (await post(client, article.slug, **ann)).json()
    assert first["status"] == "pending"
    key = {"X-Author-Token": first["author_token"]}
    waiting = await client.post(f"/api/v1/articles/{article.slug}/comments", json={**ann, "body": "b"}, headers=key)
    assert waiting.json()["status"] == "pending"  # nothing approved yet
    assert waiting.json()["author_token"] == first["author_token"]
    await moderate(client, moderator, first["comment"]["id"], "approve")
    again = await client.post(f"/api/v1/articles/{article.slug}/comments", json={**ann, "body": "c"}, headers=key)
    assert again.json()["status"] == "approved"
    assert (await admin_comment(client, moderator, again.json()["comment"]["id"]))["rules"] == ["trusted_author"]
    other_name = await client.post(
        f"/api/v1/articles/{article.slug}/comments", json={**ann, "author_name": "Ann B", "body": "d"}, headers=key
    )
    assert other_name.json()["status"] == "pending"  # trust is for the name a moderator approved
    await set_policy(services, moderation="pre", trust_returning_authors=False)
    off = await client.post(f"/api/v1/articles/{article.slug}/comments", json={**ann, "body": "e"}, headers=key)
    assert off.json()["status"] == "pending"


async def test_a_name_and_email_typed_by_a_stranger_borrow_no_trust_and_reveal_nothing(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre")
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    carol = {"author_name": "Carol Jones", "author_email": "carol@example.org"}
    first = (await post(client, article.slug, **carol)).json()
    await moderate(client, moderator, first["comment"]["id"], "approve")
    for spelling in ("carol@example.org", "Carol@Example.org"):
        for key in ({}, {"X-Author-Token": "made-up-by-a-stranger"}):
            borrowed = await client.post(
                f"/api/v1/articles/{article.slug}/comments",
                json={**carol, "author_email": spelling, "body": f"Borrowed voice {spelling} {bool(key)}."},
                headers={PEER: "203.0.113.80", **key},
            )
            assert borrowed.status_code == 201
            assert borrowed.json()["status"] == "pending"
            assert borrowed.json()["author_token"] != first["author_token"]
    nobody = await client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"author_name": "Nobody", "author_email": "nobody@example.org", "body": "A first comment."},
        headers={PEER: "203.0.113.80"},
    )
    assert nobody.json()["status"] == "pending"  # the same answer as Carol's impostor gets


async def test_a_trusted_authors_edit_goes_live_only_with_their_author_key(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre")
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    first = (await post(client, article.slug, author_name="Ann")).json()
    await moderate(client, moderator, first["comment"]["id"], "approve")
    key = first["author_token"]
    edited = await client.patch(
        f"/api/v1/comments/{first['comment']['id']}",
        json={"body": "a trusted author's second thought"},
        headers={"X-Edit-Token": first["edit_token"], "X-Author-Token": key},
    )
    assert edited.json()["status"] == "approved"
    assert (await thread(client, article.slug))["count"] == 1


async def test_a_trusted_author_is_still_held_by_the_word_rules(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre", hold_words=("casino",))
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    ann = {"author_name": "Ann", "author_email": "ann@example.org"}
    await moderate(client, moderator, (await post(client, article.slug, **ann)).json()["comment"]["id"], "approve")
    held = (await post(client, article.slug, body="casino", **ann)).json()
    assert held["status"] == "pending"
    assert (await queue_entry(client, moderator, "pending", held["comment"]["id"]))["held_by"] == ["hold_words"]


async def test_the_same_text_twice_from_one_author_is_409_on_create_and_on_edit(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post")
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    fields = builders.comment(author_email="ann@example.org", body="Same words.")
    first = await client.post(f"/api/v1/articles/{article.slug}/comments", json=fields)
    assert first.status_code == 201
    again = await client.post(f"/api/v1/articles/{article.slug}/comments", json=fields)
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate"
    second = (await post(client, article.slug, author_email="ann@example.org", body="Other words.")).json()
    refused = await edit(client, second, body="Same words.")
    assert refused.status_code == 409
    assert refused.json()["code"] == "duplicate"
    assert (await admin_comment(client, moderator, second["comment"]["id"]))["body"] == "Other words."
    assert (await edit(client, second, body="Other words.")).status_code == 200  # its own text again is fine
    elsewhere = await make_article(services, moderation=ArticleModeration.INHERIT)
    assert (await client.post(f"/api/v1/articles/{elsewhere.slug}/comments", json=fields)).status_code == 201
