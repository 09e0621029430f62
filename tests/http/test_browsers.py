"""What browsers are told: no cross-site writes from other origins, CORS from the allow-list, security headers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from parley.domain.records import Role
from parley.services import Services
from parley.settings import Settings
from tests import builders
from tests.http.helpers import Client, make_article, post, thread

OURS = "https://news.example.org"
EVIL = "https://evil.example"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database=str(tmp_path / "parley.db"),
        access_log=False,
        writes_per_minute=0,
        reads_per_minute=0,
        cors_origins=(OURS, "http://localhost:3000"),
    )


def cross_site(origin: str | None) -> dict[str, str]:
    headers = {"Sec-Fetch-Site": "cross-site"}
    if origin is not None:
        headers["Origin"] = origin
    return headers


@pytest.mark.parametrize("origin", [EVIL, None, "https://news.example.org.evil.example", "null"])
async def test_a_cross_site_submission_from_another_origin_is_403_and_stores_nothing(
    client: Client, services: Services, origin: str | None
) -> None:
    article = await make_article(services)
    response = await client.post(
        f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers=cross_site(origin)
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert (await thread(client, article.slug))["count"] == 0


async def test_cross_site_edits_deletes_flags_and_admin_writes_are_refused(client: Client, services: Services) -> None:
    article = await make_article(services)
    receipt = (await post(client, article.slug)).json()
    path = f"/api/v1/comments/{receipt['comment']['id']}"
    token = {"X-Edit-Token": receipt["edit_token"]}
    _, secret = await services.tokens.create("desk", Role.ADMIN)
    bearer = {"Authorization": f"Bearer {secret}"}
    answers = [
        await client.patch(path, json={"body": "changed"}, headers={**token, **cross_site(EVIL)}),
        await client.delete(path, headers={**token, **cross_site(EVIL)}),
        await client.post(f"{path}/flags", json={"reason": "spam"}, headers=cross_site(EVIL)),
        await client.post(
            f"/api/v1/admin/comments/{receipt['comment']['id']}/moderate",
            json={"action": "remove"},
            headers={**bearer, **cross_site(EVIL)},
        ),
    ]
    assert [answer.status_code for answer in answers] == [403] * 4
    assert (await client.get(path)).json()["body_html"] == receipt["comment"]["body_html"]


@pytest.mark.parametrize(
    "headers",
    [
        cross_site(OURS),
        cross_site("http://localhost:3000"),
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://www.example.org"},
        {"Sec-Fetch-Site": "none"},
        {},  # not a browser: curl, a server-side renderer
    ],
)
async def test_writes_from_our_own_pages_and_from_non_browsers_pass(
    client: Client, services: Services, headers: dict[str, str]
) -> None:
    article = await make_article(services)
    response = await client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers=headers)
    assert response.status_code == 201


async def test_cross_site_reads_are_allowed(client: Client, services: Services) -> None:
    article = await make_article(services)
    assert (await client.get(f"/api/v1/articles/{article.slug}", headers=cross_site(EVIL))).status_code == 200


async def test_a_preflight_from_an_allowed_origin_names_the_headers_the_api_needs(client: Client) -> None:
    response = await client.options(
        "/api/v1/articles/any/comments",
        headers={
            "Origin": OURS,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key, x-edit-token, authorization",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == OURS
    allowed = {name.strip().lower() for name in response.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "idempotency-key", "x-edit-token", "authorization"} <= allowed
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


async def test_a_preflight_from_another_origin_is_not_allowed(client: Client) -> None:
    response = await client.options(
        "/api/v1/articles/any/comments",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
    )
    assert response.headers.get("access-control-allow-origin") not in (EVIL, "*")


async def test_cors_answers_expose_the_rate_limit_headers_and_never_a_wildcard(client: Client) -> None:
    response = await client.get("/api/v1/articles", headers={"Origin": OURS})
    assert response.headers["access-control-allow-origin"] == OURS
    exposed = {name.strip().lower() for name in response.headers["access-control-expose-headers"].split(",")}
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after"} <= exposed
    other = await client.get("/api/v1/articles", headers={"Origin": EVIL})
    assert other.headers.get("access-control-allow-origin") not in (EVIL, "*")


async def _answers(client: Client, services: Services) -> list[Any]:
    article = await make_article(services)
    comments = f"/api/v1/articles/{article.slug}/comments"
    return [
        await client.get("/api/v1/articles"),  # 200
        await post(client, article.slug),  # 201
        await client.get("/no/such/route"),  # 404 before any route is found
        await client.put("/api/v1/counts"),  # 405
        await client.post(comments, content=b"x", headers={"Content-Type": "text/plain"}),  # 415
        await client.post(comments, json={"body": "no name"}),  # 422
        await client.get("/api/v1/admin/queue"),  # 401
        await client.post(comments, json=builders.comment(), headers=cross_site(EVIL)),  # 403
        await client.options(comments, headers={"Origin": OURS, "Access-Control-Request-Method": "POST"}),
        await client.get("/healthz"),
        await client.get("/metrics"),
    ]


async def test_every_response_carries_the_security_headers_errors_included(client: Client, services: Services) -> None:
    answers = await _answers(client, services)
    assert {answer.status_code for answer in answers} >= {200, 201, 401, 403, 404, 405, 415, 422}
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer
        assert answer.headers["referrer-policy"] == "no-referrer", answer
        assert answer.headers["x-frame-options"] == "DENY", answer
        assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'", answer


async def test_the_docs_page_has_a_strict_policy_and_no_inline_script(client: Client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "*" not in policy["script-src"].split()
    assert policy["connect-src"] == "'self'"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.DOTALL)
    assert scripts
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert policy["script-src"] == "'self'"
    assert not re.findall(r'(?:src|href)="(?!/)', page.text), "every asset comes from parley itself"
    for url in re.findall(r'(?:src|href)="(/schema/assets/[^"]+)"', page.text):
        tag = page.text[page.text.rindex("<", 0, page.text.index(url)) :].split(">", 1)[0]
        assert 'integrity="sha384-' in tag, url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert "immutable" in asset.headers["cache-control"]
    start = await client.get(re.findall(r'<script src="(/[^"]+)"', page.text)[-1])
    assert start.status_code == 200
    assert start.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in start.text


async def test_an_unknown_docs_path_is_a_problem_document(client: Client) -> None:
    for path in ("/schema/redoc", "/schema/nothing", "/schema/assets/5.18.2/nope.js", "/schema/assets/../x"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json", path
        assert answer.json()["code"] == "not_found", path


async def test_vary_names_the_origin_beside_what_the_answer_already_varies_by(
    client: Client, services: Services
) -> None:
    article = await make_article(services)
    receipt = (await post(client, article.slug)).json()
    token = {"X-Edit-Token": receipt["edit_token"]}
    thread = f"/api/v1/articles/{article.slug}/comments"
    for headers in ({"Origin": OURS} | token, {"Origin": EVIL} | token, token):
        for url in (thread, f"/api/v1/comments/{receipt['comment']['id']}"):
            answer = await client.get(url, headers=headers)
            named = {part.strip().lower() for value in answer.headers.get_list("vary") for part in value.split(",")}
            assert {"origin", "x-edit-token"} <= named, (url, headers, answer.headers.get_list("vary"))
            assert len(answer.headers.get_list("vary")) == 1


async def test_a_refused_preflight_is_a_problem_document(client: Client) -> None:
    asks = [
        {"Origin": EVIL, "Access-Control-Request-Method": "POST"},
        {"Origin": OURS, "Access-Control-Request-Method": "TRACE"},
        {"Origin": OURS, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-secret"},
    ]
    for headers in asks:
        answer = await client.options("/api/v1/articles/any/comments", headers=headers)
        assert answer.status_code == 403, headers
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "cross_origin_refused"
        assert "access-control-allow-origin" not in answer.headers
