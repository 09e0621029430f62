"""'Add yours': what a submission must carry, what it answers, and every refusal in the contract."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from parley.domain import text
from parley.domain.records import ArticleModeration
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders, peek
from tests.conftest import PEER
from tests.http.helpers import Client, connect, make_article, moderate, post, set_policy, thread


async def test_a_comment_is_created_with_a_one_time_edit_token(client: Client, services: Services) -> None:
    article = await make_article(services)
    response = await post(client, article.slug, author_name="Ann", body="Hello *there*")
    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == {"comment", "status", "edit_token", "edit_expires_at", "author_token"}
    assert answer["status"] == "approved"
    assert answer["comment"]["author"] == {"name": "Ann"}
    assert answer["comment"]["body_html"] == "<p>Hello <em>there</em></p>\n"
    assert len(answer["edit_token"]) >= 40
    assert len(answer["author_token"]) >= 40
    assert answer["author_token"] != answer["edit_token"]


async def test_the_edit_token_and_email_are_stored_only_as_hashes_and_the_source_is_kept(
    client: Client, services: Services, settings: Settings
) -> None:
    article = await make_article(services)
    answer = (await post(client, article.slug, body="**kept** as typed", author_email="ann@example.org")).json()
    dump = await peek.dump(settings)
    (row,) = await peek.rows(settings, "SELECT body, body_html FROM comments")
    body, body_html = row["body"], row["body_html"]
    assert answer["edit_token"] not in dump
    assert (body, body_html) == ("**kept** as typed", "<p><strong>kept</strong> as typed</p>\n")


@pytest.mark.parametrize(
    "fields",
    [
        {"author_name": "", "body": "x"},
        {"author_name": "   ", "body": "x"},
        {"author_name": "x" * 81, "body": "x"},
        {"author_name": "bidi \u202eevil", "body": "x"},
        {"author_name": "A", "body": ""},
        {"author_name": "A", "body": "  \n "},
        {"author_name": "A", "body": "x" * 10_001},
        {"author_name": "A", "body": "nul \x00 byte"},
        {"author_name": "A", "body": "x", "author_email": "not-an-email"},
        {"author_name": "A", "body": "x", "author_url": "javascript:alert(1)"},
        {"author_name": "A", "body": "x", "author_url": "ftp://example.org"},
        {"author_name": "A", "body": "x", "parent_id": "abc"},
        {"author_name": "A", "body": "x", "parent_id": 5},
        {"author_name": "A", "body": "x", "status": "approved"},
        {"body": "x"},
        {"author_name": 7, "body": "x"},
    ],
)
async def test_invalid_fields_are_422_and_store_nothing(
    client: Client, services: Services, fields: dict[str, Any]
) -> None:
    article = await make_article(services)
    response = await client.post(f"/api/v1/articles/{article.slug}/comments", json=fields)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert {"status", "title", "detail", "errors"} <= set(problem)
    assert all({"field", "message"} == set(error) for error in problem["errors"])
    assert (await thread(client, article.slug))["count"] == 0


async def test_the_longest_allowed_name_and_body_are_accepted(client: Client, services: Services) -> None:
    article = await make_article(services)
    response = await post(client, article.slug, author_name="n" * 80, body="b" * 10_000)
    assert response.status_code == 201


async def test_empty_optional_fields_count_as_absent(client: Client, services: Services) -> None:
    article = await make_article(services)
    response = await post(client, article.slug, author_email="", author_url="")
    assert response.status_code == 201
    assert response.json()["comment"]["author"] == {"name": response.json()["comment"]["author"]["name"]}


async def test_the_authors_url_is_shown_but_never_the_email(client: Client, services: Services) -> None:
    article = await make_article(services)
    answer = await post(client, article.slug, author_email="ann@example.org", author_url="https://ann.example")
    assert answer.json()["comment"]["author"]["url"] == "https://ann.example"
    page = await client.get(f"/api/v1/articles/{article.slug}/comments")
    assert "ann@example.org" not in page.text
    assert "ann@example.org" not in answer.text


async def test_an_unknown_article_is_404(client: Client) -> None:
    assert (await post(client, "no-such-article")).status_code == 404


async def test_a_post_to_an_unknown_article_is_refused_before_its_markdown_is_rendered(
    client: Client, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    real = text.render_comment
    monkeypatch.setattr(text, "render_comment", lambda source: rendered.append(source) or real(source))
    assert (await post(client, "no-such-article", body="*never rendered*")).status_code == 404
    assert rendered == []
    article = await make_article(services)
    assert (await post(client, article.slug, body="*rendered once*")).status_code == 201
    assert rendered == ["*rendered once*"]


async def test_a_closed_article_is_403(client: Client, services: Services) -> None:
    article = await make_article(services, comments_open=False)
    response = await post(client, article.slug)
    assert response.status_code == 403
    assert response.json()["code"] == "comments_closed"


async def test_comments_close_by_themselves_after_the_policys_days(
    client: Client, services: Services, clock: Any
) -> None:
    article = await make_article(services, published_at=clock.now - timedelta(days=10))
    assert (await post(client, article.slug)).status_code == 201
    await set_policy(services, moderation="post", auto_close_days=7)
    assert (await post(client, article.slug)).status_code == 403
    assert (await client.get(f"/api/v1/articles/{article.slug}")).json()["comments"]["open"] is False


async def test_the_same_author_posting_the_same_text_again_is_409(client: Client, services: Services) -> None:
    article = await make_article(services)
    fields = builders.comment(author_email="ann@example.org")
    assert (await client.post(f"/api/v1/articles/{article.slug}/comments", json=fields)).status_code == 201
    again = await client.post(f"/api/v1/articles/{article.slug}/comments", json=fields)
    assert again.status_code == 409
    other_author = fields | {"author_email": "bob@example.org"}
    assert (await client.post(f"/api/v1/articles/{article.slug}/comments", json=other_author)).status_code == 201


async def test_a_reply_must_target_a_visible_comment_of_the_same_article(client: Client, services: Services) -> None:
    article = await make_article(services)
    other = await make_article(services)
    elsewhere = (await post(client, other.slug)).json()["comment"]["id"]
    assert (await post(client, article.slug, parent_id=elsewhere)).status_code == 404
    assert (await post(client, article.slug, parent_id="9999999")).status_code == 404
    held = await make_article(services, moderation=ArticleModeration.PRE)
    pending = (await post(client, held.slug)).json()["comment"]["id"]
    assert (await post(client, held.slug, parent_id=pending)).status_code == 404


async def test_replies_deeper_than_max_depth_attach_to_the_deepest_allowed_ancestor(
    client: Client, services: Services
) -> None:
    await set_policy(services, moderation="post", max_depth=2)
    article = await make_article(services)
    parent = None
    made = []
    for level in range(4):
        answer = (await post(client, article.slug, body=f"level {level}", parent_id=parent)).json()["comment"]
        made.append(answer)
        parent = answer["id"]
    assert [c["depth"] for c in made] == [0, 1, 2, 2]
    assert made[3]["parent_id"] == made[1]["id"]


async def test_a_reply_too_deep_never_attaches_under_a_comment_readers_cannot_see(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="post", max_depth=2)
    article = await make_article(services)
    root = (await post(client, article.slug, body="root")).json()["comment"]["id"]
    middle = (await post(client, article.slug, body="middle", parent_id=root)).json()["comment"]["id"]
    deepest = (await post(client, article.slug, body="deepest", parent_id=middle)).json()["comment"]["id"]
    await moderate(client, moderator, middle, "remove")
    answer = await post(client, article.slug, body="a reply to the deepest", parent_id=deepest)
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    direct = await post(client, article.slug, body="a reply to the removed one", parent_id=middle)
    assert direct.status_code == 404
    assert (await thread(client, article.slug))["items"][0]["replies"][0]["status"] == "removed"


async def test_an_idempotency_key_replays_the_first_answer(client: Client, services: Services) -> None:
    article = await make_article(services)
    fields = builders.comment()
    headers = {"Idempotency-Key": "retry-1"}
    first = await client.post(f"/api/v1/articles/{article.slug}/comments", json=fields, headers=headers)
    again = await client.post(f"/api/v1/articles/{article.slug}/comments", json=fields, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert (await thread(client, article.slug))["count"] == 1
    edited = await client.patch(
        f"/api/v1/comments/{first.json()['comment']['id']}",
        json={"body": "fixed"},
        headers={"X-Edit-Token": again.json()["edit_token"]},
    )
    assert edited.status_code == 200


async def test_an_idempotency_key_reused_with_another_body_is_422(client: Client, services: Services) -> None:
    article = await make_article(services)
    headers = {"Idempotency-Key": "retry-2"}
    await client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers=headers)
    other = await client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers=headers)
    assert other.status_code == 422
    assert (await thread(client, article.slug))["count"] == 1


async def test_a_replay_from_another_network_gets_no_token_and_squats_no_key(
    client: Client, services: Services
) -> None:
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    fields = builders.comment()
    key = {"Idempotency-Key": "shared-by-accident"}
    first = await client.post(url, json=fields, headers={**key, PEER: "198.51.100.60"})
    stranger = await client.post(url, json=fields, headers={**key, PEER: "203.0.113.60"})
    assert stranger.status_code == 201
    assert stranger.json()["comment"]["id"] != first.json()["comment"]["id"]  # a comment of its own
    assert stranger.json()["edit_token"] != first.json()["edit_token"]
    assert stranger.json()["author_token"] != first.json()["author_token"]
    hijack = await client.delete(
        f"/api/v1/comments/{first.json()['comment']['id']}",
        headers={"X-Edit-Token": stranger.json()["edit_token"], PEER: "203.0.113.60"},
    )
    assert hijack.status_code == 403
    other_body = await client.post(url, json=builders.comment(), headers={**key, PEER: "203.0.113.61"})
    assert other_body.status_code == 201  # another client's key is no key of this one's
    again = await client.post(url, json=fields, headers={**key, PEER: "198.51.100.60"})
    assert again.json() == first.json()  # its own client still gets its first answer, tokens included


async def test_a_keyed_retry_after_the_key_expired_is_answered_without_a_server_error(
    client: Client, services: Services, clock: Any
) -> None:
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    fields = builders.comment()
    headers = {"Idempotency-Key": "retry-much-later"}
    first = await client.post(url, json=fields, headers=headers)
    clock.advance(days=1, seconds=1)
    later = await client.post(url, json=fields, headers=headers)
    assert (later.status_code, later.json()["code"]) == (409, "duplicate")
    other = await client.post(url, json=builders.comment(), headers=headers)
    assert other.status_code == 201
    assert other.json()["edit_token"] != first.json()["edit_token"]


async def test_the_tokens_a_replay_returns_are_not_in_the_database(
    client: Client, services: Services, settings: Settings
) -> None:
    article = await make_article(services)
    answer = await client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json=builders.comment(),
        headers={"Idempotency-Key": "my-own-retry-key-7"},
    )
    dump = await peek.dump(settings)
    dump += repr(
        [
            (bytes(row["sealed"]), row["key"])
            for row in await peek.rows(settings, "SELECT sealed, key FROM idempotency_keys")
        ]
    )
    for token in (answer.json()["edit_token"], answer.json()["author_token"], "my-own-retry-key-7"):
        assert token not in dump
        assert token.encode() not in dump.encode()


async def test_fifty_concurrent_posts_to_one_article_all_succeed(app_in_loop: Litestar) -> None:
    """In the test's own loop, so the fifty really are in flight together (they share group commits)."""
    article = await make_article(running(app_in_loop).services)
    async with connect(app_in_loop) as client:
        answers = await asyncio.gather(*(post(client, article.slug, body=f"concurrent {i}") for i in range(50)))
        page = await thread(client, article.slug, limit=100)
    assert [a.status_code for a in answers] == [201] * 50
    assert len({a.json()["comment"]["id"] for a in answers}) == 50
    assert page["count"] == 50
    assert sorted(c["body_html"] for c in page["items"]) == sorted(f"<p>concurrent {i}</p>\n" for i in range(50))


async def test_a_text_plain_post_is_415_and_creates_nothing(client: Client, services: Services) -> None:
    article = await make_article(services)
    response = await client.post(
        f"/api/v1/articles/{article.slug}/comments",
        content=b'{"author_name": "A", "body": "sneaky"}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    form = await client.post(f"/api/v1/articles/{article.slug}/comments", data={"author_name": "A", "body": "x"})
    assert form.status_code == 415
    assert (await thread(client, article.slug))["count"] == 0


async def test_a_body_over_the_limit_is_413(client: Client, services: Services) -> None:
    article = await make_article(services)
    response = await client.post(
        f"/api/v1/articles/{article.slug}/comments",
        content=b'{"author_name": "A", "body": "' + b"x" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_json_is_a_4xx_problem(client: Client, services: Services) -> None:
    article = await make_article(services)
    for raw in (b'{"author_name": "A"', b"[1, 2]", b"null", b"\xff\xfe", b""):
        response = await client.post(
            f"/api/v1/articles/{article.slug}/comments", content=raw, headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, raw
        assert response.headers["content-type"] == "application/problem+json"


async def test_the_author_email_limit_is_429_with_retry_after_until_the_window_passes(
    client: Client, services: Services, clock: Any
) -> None:
    """Middleware cannot read the email in the body, so this limit is the domain's (Policy.author_rate_limit)."""
    article = await make_article(services)
    await set_policy(services, moderation="post", author_rate_limit=2, author_rate_window_seconds=120)
    same = {"author_email": "Fast@Example.org"}
    first = [await post(client, article.slug, **same) for _ in range(2)]
    refused = await post(client, article.slug, author_email="fast@example.ORG")
    assert [answer.status_code for answer in first] == [201, 201]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["retry-after"] == "120"
    assert (await post(client, article.slug, author_email="other@example.org")).status_code == 201
    clock.advance(seconds=121)
    assert (await post(client, article.slug, **same)).status_code == 201
    assert (await thread(client, article.slug))["count"] == 4


async def test_a_stranger_typing_an_authors_email_elsewhere_does_not_spend_their_pace(
    client: Client, services: Services
) -> None:
    article = await make_article(services)
    await set_policy(services, moderation="post", author_rate_limit=2, author_rate_window_seconds=120)
    url = f"/api/v1/articles/{article.slug}/comments"
    carol = {"author_name": "Carol", "author_email": "carol@example.org"}
    mine = await client.post(url, json={**carol, "body": "Carol's first."}, headers={PEER: "198.51.100.70"})
    key = {"X-Author-Token": mine.json()["author_token"]}
    stranger = [
        await client.post(url, json={**carol, "body": f"Impostor {n}."}, headers={PEER: "203.0.113.70"})
        for n in range(3)
    ]
    assert [answer.status_code for answer in stranger] == [201, 201, 429]  # the stranger meets their own pace
    later = [
        await client.post(url, json={**carol, "body": f"Carol, later {n}."}, headers={PEER: f"192.0.2.{n}", **key})
        for n in range(3)
    ]
    # Her pace follows her author key from one network to another; the stranger's posts were not hers.
    assert [answer.status_code for answer in later] == [201, 201, 429]


async def test_a_homepage_field_is_refused_rather_than_taken_for_the_honeypot(
    client: Client, services: Services
) -> None:
    """A frontend mapping a visible "Homepage" input to a field named like it must hear about it at once."""
    article = await make_article(services)
    answer = await client.post(
        f"/api/v1/articles/{article.slug}/comments", json=builders.comment(homepage="https://ann.example.org")
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "homepage", "message": "there is no such field"}]
    assert (await services.threads.counts([article.slug]))[article.slug] == 0


async def test_the_honeypot_says_in_the_api_document_to_leave_it_empty(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    for name in ("CommentIn", "CommentEdit"):
        described = document["components"]["schemas"][name]["properties"]["honeypot"]
        said = json.dumps(described)
        assert "Leave empty" in said, name
        assert "hide its input from people" in said, name


async def test_replying_to_your_own_waiting_comment_says_it_waits(client: Client, services: Services) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    mine = (await post(client, article.slug)).json()
    assert mine["status"] == "pending"
    reply = builders.comment(parent_id=mine["comment"]["id"], body="And another thing.")
    url = f"/api/v1/articles/{article.slug}/comments"
    own = await client.post(url, json=reply, headers={"X-Author-Token": mine["author_token"]})
    assert own.status_code == 409
    assert own.json()["code"] == "parent_awaiting_moderation"
    stranger = await client.post(url, json=reply)
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_found")
    assert (await services.threads.counts([article.slug]))[article.slug] == 0


async def test_a_comment_read_with_its_edit_token_shows_its_author_while_it_waits(
    client: Client, services: Services
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    mine = (await post(client, article.slug)).json()
    url = f"/api/v1/comments/{mine['comment']['id']}"
    assert (await client.get(url)).status_code == 404
    assert (await client.get(url, headers={"X-Edit-Token": "not-its-token"})).status_code == 404
    own = await client.get(url, headers={"X-Edit-Token": mine["edit_token"]})
    assert own.status_code == 200
    assert (own.json()["id"], own.json()["status"]) == (mine["comment"]["id"], "pending")
    assert own.headers["cache-control"] == "private, no-store"
    assert "X-Edit-Token" in own.headers["vary"]
