"""Admins' settings over HTTP: the site policy, creating articles, and each article's comments and moderation."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from parley.domain.policy import Policy
from parley.domain.records import ArticleModeration
from parley.services import Services
from tests.conftest import Clock
from tests.http.conftest import ADMIN
from tests.http.helpers import Client, answer, audit_events, make_article, post

DEFAULTS = {
    "moderation": "pre",
    "trust_returning_authors": True,
    "hold_words": [],
    "block_words": [],
    "max_links": 2,
    "flag_threshold": 3,
    "hide_flagged": False,
    "edit_window_seconds": 900,
    "max_depth": 5,
    "shadow_ban": False,
    "auto_close_days": None,
    "author_rate_limit": 5,
    "author_rate_window_seconds": 60,
}


async def read_policy(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    return answer(await client.get("/api/v1/admin/policy", headers=headers))


async def test_the_policy_starts_at_its_defaults(client: Client, admin: dict[str, str]) -> None:
    assert await read_policy(client, admin) == DEFAULTS


async def test_put_replaces_the_policy_and_the_audit_names_what_changed(
    client: Client, services: Services, admin: dict[str, str]
) -> None:
    wanted = DEFAULTS | {"moderation": "post", "hold_words": ["casino"], "max_links": 5}
    response = await client.put("/api/v1/admin/policy", json=wanted, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == wanted
    assert await read_policy(client, admin) == wanted
    (event,) = await audit_events(services, action="policy")
    assert event.actor == ADMIN
    assert event.reason == 'moderation: "pre" -> "post"; hold_words: [] -> ["casino"]; max_links: 2 -> 5'
    again = await client.put("/api/v1/admin/policy", json=DEFAULTS | {"moderation": "post"}, headers=admin)
    assert again.json() == DEFAULTS | {"moderation": "post"}
    article = await make_article(services)
    assert (await post(client, article.slug, body="casino")).json()["status"] == "approved"  # hold_words is gone


async def test_a_put_that_leaves_settings_out_is_422_naming_them_and_changes_nothing(
    client: Client, services: Services, admin: dict[str, str]
) -> None:
    await client.patch("/api/v1/admin/policy", json={"hold_words": ["casino"]}, headers=admin)
    partial = await client.put("/api/v1/admin/policy", json={"moderation": "post"}, headers=admin)
    assert partial.status_code == 422
    assert "trust_returning_authors" in partial.text
    assert (await read_policy(client, admin))["hold_words"] == ["casino"]


async def test_patch_changes_only_the_settings_it_names(
    client: Client, services: Services, admin: dict[str, str]
) -> None:
    await client.patch("/api/v1/admin/policy", json={"hold_words": ["casino"], "auto_close_days": 30}, headers=admin)
    changed = await client.patch("/api/v1/admin/policy", json={"max_links": 0, "auto_close_days": None}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert changed.json() == DEFAULTS | {"hold_words": ["casino"], "max_links": 0}
    events = await audit_events(services, action="policy")
    assert events[0].reason == "max_links: 2 -> 0; auto_close_days: 30 -> null"


async def test_the_new_policy_applies_to_the_next_comment(
    client: Client, services: Services, admin: dict[str, str]
) -> None:
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    assert (await post(client, article.slug)).json()["status"] == "pending"
    await client.patch("/api/v1/admin/policy", json={"moderation": "post"}, headers=admin)
    assert (await post(client, article.slug)).json()["status"] == "approved"


@pytest.mark.parametrize(
    "body",
    [
        {"moderation": "sometimes"},
        {"max_links": -1},
        {"max_links": "two"},
        {"flag_threshold": 0},
        {"edit_window_seconds": 7 * 86400 + 1},
        {"max_depth": 21},
        {"auto_close_days": 0},
        {"hold_words": "casino"},
        {"hold_words": [""]},
        {"block_words": ["x" * 101]},
        {"hide_flagged": "yes"},
        {"colour": "blue"},
        {"moderation": "post", "flag_treshold": 2},
        [],
        None,
    ],
)
async def test_unknown_keys_or_bad_values_are_422_and_change_nothing(
    client: Client, services: Services, admin: dict[str, str], body: Any
) -> None:
    await client.patch("/api/v1/admin/policy", json={"max_links": 7}, headers=admin)
    before = await read_policy(client, admin)
    events = await audit_events(services)
    raw = body.encode() if isinstance(body, str) else msgspec.json.encode(body)
    response = await client.patch(
        "/api/v1/admin/policy", content=raw, headers=admin | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    assert await read_policy(client, admin) == before
    assert await audit_events(services) == events


ARTICLE = {
    "slug": "harbour-reopens",
    "title": "The harbour reopens",
    "author": {"slug": "jo-reyes", "name": "Jo Reyes"},
    "body": "The harbour reopened on **Monday**. " + "word " * 400,
    "tags": ["port-ansel", "transport"],
}


async def test_an_admin_creates_an_article_and_gets_the_article_back(
    client: Client, services: Services, admin: dict[str, str]
) -> None:
    response = await client.post("/api/v1/admin/articles", json=ARTICLE, headers=admin)
    assert response.status_code == 201, response.text
    article = response.json()
    assert (article["slug"], article["title"], article["reading_minutes"]) == (
        "harbour-reopens",
        "The harbour reopens",
        3,
    )
    assert article["author"] == {"slug": "jo-reyes", "name": "Jo Reyes"}
    assert article["published_at"] == "2026-01-15T12:00:00.000000Z"
    assert article["body_html"].startswith("<p>The harbour reopened on <strong>Monday</strong>.")
    assert article["comments"] == {"open": True, "moderation": "pre", "count": 0}
    assert (await client.get("/api/v1/articles/harbour-reopens")).json() == article
    (event,) = await audit_events(services, action="article")
    assert (event.actor, event.reason) == (ADMIN, "harbour-reopens: created")


async def test_a_duplicate_slug_is_409_and_the_first_article_is_kept(client: Client, admin: dict[str, str]) -> None:
    assert (await client.post("/api/v1/admin/articles", json=ARTICLE, headers=admin)).status_code == 201
    again = await client.post("/api/v1/admin/articles", json=ARTICLE | {"title": "Another"}, headers=admin)
    assert again.status_code == 409
    assert again.json()["code"] == "already_exists"
    assert (await client.get("/api/v1/articles/harbour-reopens")).json()["title"] == "The harbour reopens"


async def test_an_article_scheduled_for_later_appears_only_then(
    client: Client, admin: dict[str, str], clock: Clock
) -> None:
    scheduled = ARTICLE | {"published_at": "2026-01-16T06:00:00+01:00"}
    assert (await client.post("/api/v1/admin/articles", json=scheduled, headers=admin)).status_code == 201
    assert (await client.get("/api/v1/articles/harbour-reopens")).status_code == 404
    editor = await client.get("/api/v1/admin/articles/harbour-reopens", headers=admin)
    assert editor.json()["published_at"] == "2026-01-16T05:00:00.000000Z"
    clock.advance(hours=17)
    assert (await client.get("/api/v1/articles/harbour-reopens")).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"slug": "Not A Slug"},
        {"slug": ""},
        {"title": ""},
        {"author": {"slug": "x"}},
        {"body": ""},
        {"tags": ["ok", "Not Ok"]},
        {"published_at": "2026-01-16T06:00:00"},
        {"moderation": "never"},
        {"comment_count": 5},
    ],
)
async def test_a_bad_article_is_422_and_nothing_is_created(
    client: Client, admin: dict[str, str], change: dict[str, Any]
) -> None:
    body = {key: value for key, value in (ARTICLE | change).items() if not (key == "title" and "author" in change)}
    response = await client.post("/api/v1/admin/articles", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert (await client.get("/api/v1/articles")).json()["items"] == []


async def test_closing_and_opening_comments_on_one_article(
    client: Client, services: Services, admin: dict[str, str]
) -> None:
    article = await make_article(services)
    url = f"/api/v1/admin/articles/{article.slug}"
    closed = await client.patch(url, json={"comments_open": False}, headers=admin)
    assert closed.status_code == 200, closed.text
    assert closed.json()["comments"]["open"] is False
    refused = await post(client, article.slug)
    assert (refused.status_code, refused.json()["code"]) == (403, "comments_closed")
    assert (await client.patch(url, json={"comments_open": True}, headers=admin)).json()["comments"]["open"] is True
    assert (await post(client, article.slug)).status_code == 201
    events = await audit_events(services, action="article", actor=ADMIN)
    assert [event.reason for event in events] == [
        f"{article.slug}: comments_open: false -> true",
        f"{article.slug}: comments_open: true -> false",
    ]


@pytest.mark.parametrize(
    ("site", "own", "shown", "status"),
    [
        ("pre", "post", "post", "approved"),
        ("post", "pre", "pre", "pending"),
        ("post", "inherit", "post", "approved"),
        ("pre", "inherit", "pre", "pending"),
    ],
)
async def test_an_articles_moderation_overrides_the_sites_unless_it_inherits(
    client: Client, services: Services, admin: dict[str, str], site: str, own: str, shown: str, status: str
) -> None:
    await services.moderation.set_policy(Policy(moderation=site), "test")  # type: ignore[arg-type]
    article = await make_article(services)
    response = await client.patch(f"/api/v1/admin/articles/{article.slug}", json={"moderation": own}, headers=admin)
    assert response.json()["comments"]["moderation"] == shown
    assert (await client.get(f"/api/v1/articles/{article.slug}")).json()["comments"]["moderation"] == shown
    assert (await post(client, article.slug)).json()["status"] == status


async def test_a_patch_changes_only_what_it_names(client: Client, services: Services, admin: dict[str, str]) -> None:
    article = await make_article(services)
    url = f"/api/v1/admin/articles/{article.slug}"
    before = (await client.get(url, headers=admin)).json()
    after = (await client.patch(url, json={"title": "A better title", "body": "short"}, headers=admin)).json()
    assert after == before | {"title": "A better title", "body_html": "<p>short</p>\n", "reading_minutes": 1}
    (event, _created) = await audit_events(services, action="article")
    assert event.reason == f'{article.slug}: title: "{article.title}" -> "A better title"; body'
    assert (await client.patch(url, json={}, headers=admin)).json() == after


@pytest.mark.parametrize(
    "change",
    [{"comments_open": "no"}, {"moderation": "never"}, {"slug": "renamed"}, {"tags": "news"}, {"title": ""}, []],
)
async def test_a_bad_patch_is_422_and_changes_nothing(
    client: Client, services: Services, admin: dict[str, str], change: Any
) -> None:
    article = await make_article(services)
    url = f"/api/v1/admin/articles/{article.slug}"
    before = (await client.get(url, headers=admin)).json()
    assert (await client.patch(url, json=change, headers=admin)).status_code == 422
    assert (await client.get(url, headers=admin)).json() == before


async def test_patching_an_unknown_article_is_404(client: Client, admin: dict[str, str]) -> None:
    response = await client.patch("/api/v1/admin/articles/nope", json={"comments_open": False}, headers=admin)
    assert response.status_code == 404
    assert (await client.get("/api/v1/admin/articles/nope", headers=admin)).status_code == 404


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "0001-06-01T12:00:00Z"])
async def test_instants_no_engine_can_read_back_are_422_and_store_nothing(
    client: Client, admin: dict[str, str], services: Services, moment: str
) -> None:
    """PostgreSQL would keep Python's first and last instants as -infinity and infinity and fail every read."""
    article = await make_article(services)
    body = {
        "slug": "far-off",
        "title": "Far off",
        "author": {"slug": "desk", "name": "Desk"},
        "body": "text",
        "published_at": moment,
    }
    made = await client.post("/api/v1/admin/articles", json=body, headers=admin)
    moved = await client.patch(f"/api/v1/admin/articles/{article.slug}", json={"published_at": moment}, headers=admin)
    banned = await client.post(
        "/api/v1/admin/bans", json={"email": "x@example.org", "expires_at": moment}, headers=admin
    )
    assert (made.status_code, moved.status_code, banned.status_code) == (422, 422, 422)
    assert (await client.get("/api/v1/articles")).status_code == 200
    assert (await client.get(f"/api/v1/articles/{article.slug}")).status_code == 200
    assert (await client.get("/api/v1/admin/bans", headers=admin)).json()["items"] == []
