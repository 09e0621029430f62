"""The policy's rules on create and on every edit: each recorded by name and shown in the queue's `held_by`."""

from __future__ import annotations

from typing import Any

import pytest

from parley.app import Services
from parley.domain.records import ArticleModeration
from tests import builders
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
# rule -> (policy, extra fields on the submission, stored status, queue it waits in)
RULES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "hold_words": ({"moderation": "post", "hold_words": ("casino",)}, {"body": "Off to the CASINO"}, "pending",
                   "pending"),
    "block_words": ({"moderation": "post", "block_words": ("pills",)}, {"body": "cheap \uff30\uff49\uff4c\uff4c\uff53 here"}, "spam", "spam"),
    "max_links": ({"moderation": "post", "max_links": 2}, {"body": LINKS}, "pending", "pending"),
    "pre_moderation": ({"moderation": "pre"}, {}, "pending", "pending"),
    "honeypot": ({"moderation": "post"}, {"homepage": "https://bot.example"}, "spam", "spam"),
}  # fmt: skip


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
    policy, fields, stored, state = RULES[rule]
    await set_policy(services, **policy)
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    response = await post(client, article.slug, **fields)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["status"] == answer["comment"]["status"] == "pending"  # spam looks like pending to its poster
    comment_id = answer["comment"]["id"]
    assert (await admin_comment(client, moderator, comment_id))["status"] == stored
    assert (await admin_comment(client, moderator, comment_id))["rules"] == [rule]
    assert (await queue_entry(client, moderator, state, comment_id))["held_by"] == [rule]
    assert (await thread(client, article.slug))["count"] == 0
    created = (await audit_events(services, comment_id=int(comment_id)))[0]
    assert (created.actor, created.action, created.to_status, created.reason) == ("author", "create", stored,
                                                                                  f"rule:{rule}")  # fmt: skip


@pytest.mark.parametrize("rule", ["hold_words", "block_words", "max_links", "honeypot"])
async def test_each_rule_fires_when_an_edit_brings_an_approved_comment_under_it(
    client: Client, services: Services, moderator: dict[str, str], rule: str
) -> None:
    policy, fields, stored, state = RULES[rule]
    await set_policy(services, **policy)
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    answer = (await post(client, article.slug, body="harmless")).json()
    assert answer["status"] == "approved"
    comment_id = answer["comment"]["id"]
    response = await edit(client, answer, **({"body": "harmless, edited"} | fields))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending"
    comment = await admin_comment(client, moderator, comment_id)
    assert (comment["status"], comment["rules"], comment["visible"]) == (stored, [rule], False)
    assert (await queue_entry(client, moderator, state, comment_id))["held_by"] == [rule]
    page = await thread(client, article.slug)
    assert (page["count"], page["items"]) == (0, [])
    moved = (await audit_events(services, comment_id=int(comment_id)))[0]
    assert (moved.actor, moved.from_status, moved.to_status, moved.reason) == (f"rule:{rule}", "approved", stored,
                                                                               "edited")  # fmt: skip


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


async def test_a_trusted_returning_author_is_approved_at_once(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre")
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    ann = {"author_name": "Ann", "author_email": "ann@example.org"}
    first = (await post(client, article.slug, **ann)).json()
    assert first["status"] == "pending"
    assert (await post(client, article.slug, **ann)).json()["status"] == "pending"  # nothing approved yet
    await moderate(client, moderator, first["comment"]["id"], "approve")
    again = (await post(client, article.slug, **ann)).json()
    assert again["status"] == "approved"
    assert (await admin_comment(client, moderator, again["comment"]["id"]))["rules"] == ["trusted_author"]
    other_name = await post(client, article.slug, author_name="Ann B", author_email="ann@example.org")
    other_email = await post(client, article.slug, author_name="Ann", author_email="ann@example.net")
    assert other_name.json()["status"] == other_email.json()["status"] == "pending"
    edited = await edit(client, again, body="a trusted author's second thought")
    assert edited.json()["status"] == "approved"
    assert (await admin_comment(client, moderator, again["comment"]["id"]))["rules"] == ["trusted_author"]
    await set_policy(services, moderation="pre", trust_returning_authors=False)
    assert (await post(client, article.slug, **ann)).json()["status"] == "pending"


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
