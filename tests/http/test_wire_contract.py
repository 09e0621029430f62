"""The wire contract holds both ways: bodies are read as strictly as the OpenAPI document describes them."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from litestar.exceptions import InternalServerException

from parley.domain.records import Role
from parley.http import errors
from parley.http.bodies import MAX_REFUSALS
from parley.services import Services
from tests.http.helpers import Client, make_article, post


async def admin(services: Services) -> dict[str, str]:
    _token, secret = await services.tokens.create("editor", Role.ADMIN)
    return {"Authorization": f"Bearer {secret}"}


def article(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"slug": "wire", "title": "Wire", "author": {"slug": "ed", "name": "Ed"}, "body": "Text"}
    return values | fields


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/admin/articles", article(moderation="sometimes")),
        ("patch", "/api/v1/admin/policy", {"moderation": "sometimes"}),
    ],
)
async def test_a_bad_value_in_a_field_named_like_a_service_is_422_not_500(
    client: Client, services: Services, method: str, path: str, body: dict[str, Any]
) -> None:
    response = await client.request(method, path, json=body, headers=await admin(services))
    assert_refused(response, "moderation")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/admin/articles", article(comments_open=0), "comments_open"),
        ("/api/v1/admin/articles", article(tags="news"), "tags"),
        ("/api/v1/admin/bans", {"email": "a@example.org", "reason": 7}, "reason"),
    ],
)
async def test_json_values_are_not_coerced_into_other_types(
    client: Client, services: Services, path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(path, json=body, headers=await admin(services))
    assert_refused(response, field)


async def test_a_number_string_is_not_a_number_but_a_whole_float_is_an_integer(
    client: Client, services: Services
) -> None:
    headers = await admin(services)
    assert_refused(await client.patch("/api/v1/admin/policy", json={"max_links": "5"}, headers=headers), "max_links")
    response = await client.patch("/api/v1/admin/policy", json={"max_links": 5.0}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["max_links"] == 5


@pytest.mark.parametrize("name", ["Ann\n", "Ann\r\n", "\x85", "\ufeff"])
async def test_a_name_with_a_final_newline_or_only_spacing_is_refused(
    client: Client, services: Services, name: str
) -> None:
    slug = (await make_article(services)).slug
    assert_refused(await post(client, slug, author_name=name), "author_name")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/admin/articles", article(slug="wire\n"), "slug"),
        ("/api/v1/admin/bans", {"email": "a@example.org\n"}, "email"),
        ("/api/v1/admin/comments/moderate", {"ids": ["1\n"], "action": "approve"}, "ids"),
    ],
)
async def test_patterns_end_where_the_text_ends(
    client: Client, services: Services, path: str, body: dict[str, Any], field: str
) -> None:
    assert_refused(await client.post(path, json=body, headers=await admin(services)), field)


async def test_an_article_from_before_the_year_1000_is_stored_and_paged(client: Client, services: Services) -> None:
    headers = await admin(services)
    for slug, when, shown in (
        ("old", "0780-04-22T22:48:22.302191Z", "0780-04-22T22:48:22.302191Z"),
        ("older", "0120-01-01T00:00:00Z", "0120-01-01T00:00:00.000000Z"),  # every instant sent in one spelling
    ):
        created = await client.post(
            "/api/v1/admin/articles", json=article(slug=slug, published_at=when), headers=headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["published_at"] == shown
    first = (await client.get("/api/v1/articles", params={"limit": 1, "author": "ed"})).json()
    second = (
        await client.get("/api/v1/articles", params={"limit": 1, "author": "ed", "cursor": first["next_cursor"]})
    ).json()
    assert [first["items"][0]["slug"], second["items"][0]["slug"]] == ["old", "older"]


@pytest.mark.parametrize(
    ("when", "field"),
    [("2026-05-01T09:00:00", "published_at"), ("0001-01-01T00:30:00+01:00", "published_at")],
)
async def test_an_instant_needs_an_offset_and_a_reading_in_utc(
    client: Client, services: Services, when: str, field: str
) -> None:
    response = await client.post(
        "/api/v1/admin/articles", json=article(published_at=when), headers=await admin(services)
    )
    assert_refused(response, field)


async def test_an_article_body_fits_in_one_request(client: Client, services: Services) -> None:
    headers = await admin(services)
    assert_refused(
        await client.post("/api/v1/admin/articles", json=article(body="w" * 50_001), headers=headers), "body"
    )
    response = await client.post("/api/v1/admin/articles", json=article(body="w" * 50_000), headers=headers)
    assert response.status_code == 201, response.text


async def test_a_ban_needs_an_email_or_an_address(client: Client, services: Services) -> None:
    assert_refused(
        await client.post("/api/v1/admin/bans", json={"address": None}, headers=await admin(services)), "email"
    )


def test_a_framework_500_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="parley.errors"):
        problem = errors.from_http(InternalServerException())
    assert problem.status_code == 500
    assert any(record.exc_info for record in caplog.records)


async def test_every_refused_field_is_named_at_once_in_the_types_order(client: Client, services: Services) -> None:
    article_ = await make_article(services)
    response = await client.post(
        f"/api/v1/articles/{article_.slug}/comments",
        json={"body": 7, "author_email": "not an address", "colour": "red"},
    )
    assert response.status_code == 422, response.text
    named = [(item["field"], item["message"]) for item in response.json()["errors"]]
    assert [field for field, _ in named] == ["author_name", "body", "author_email", "colour"]
    assert named[0][1] == "this field is required"
    assert named[1][1].startswith("must be text that shows")
    assert named[3][1] == "there is no such field"
    assert named[2][1].startswith("must be a valid e-mail address")
    assert response.json()["detail"].startswith("author_name: this field is required; body: must be text")


async def test_a_refused_field_inside_an_object_is_named_by_its_path(client: Client, services: Services) -> None:
    response = await client.post(
        "/api/v1/admin/articles",
        json=article(author={"slug": "Not A Slug", "name": "Ed", "extra": 1}),
        headers=await admin(services),
    )
    assert response.status_code == 422, response.text
    assert [item["field"] for item in response.json()["errors"]] == ["author.slug", "author.extra"]


async def test_a_body_that_is_not_an_object_is_refused_as_a_whole(client: Client, services: Services) -> None:
    article_ = await make_article(services)
    response = await client.post(f"/api/v1/articles/{article_.slug}/comments", json=["a", "b"])
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "must be an object"}]


async def test_a_body_of_a_thousand_unknown_fields_gets_a_bounded_answer(client: Client, services: Services) -> None:
    article_ = await make_article(services)
    hostile = {f"field{n}": n for n in range(1000)}
    response = await client.post(f"/api/v1/articles/{article_.slug}/comments", json=hostile)
    assert response.status_code == 422
    assert len(response.json()["errors"]) == MAX_REFUSALS
    assert len(response.content) < 4096


async def test_a_rule_across_fields_belongs_to_the_body(client: Client, services: Services) -> None:
    response = await client.post(
        "/api/v1/admin/articles", json=article(published_at="0001-01-01T00:30:00+01:00"), headers=await admin(services)
    )
    assert response.status_code == 422
    assert [item["field"] for item in response.json()["errors"]] == ["body"]
    assert "published_at" in response.json()["errors"][0]["message"]
