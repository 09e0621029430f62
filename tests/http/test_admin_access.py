"""Who may reach the admin API: every admin route, found by walking the app, refuses callers without the role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from litestar import Litestar

from parley.app import create_app
from parley.domain.policy import Policy
from parley.domain.records import ArticleModeration, Role
from parley.services import Services
from parley.settings import Settings
from tests import peek
from tests.http.helpers import Client, audit_events, bearer, make_article, post

PREFIX = "/api/v1/admin"
M, A = Role.MODERATOR, Role.ADMIN
# The contract's table: the role each admin route needs. A new route must be added here to pass.
ROLES: dict[tuple[str, str], Role] = {
    ("GET", "/api/v1/admin/queue"): M,
    ("GET", "/api/v1/admin/queue/stats"): M,
    ("GET", "/api/v1/admin/queue/stream"): M,
    ("GET", "/api/v1/admin/comments/{comment_id}"): M,
    ("GET", "/api/v1/admin/comments/{comment_id}/history"): M,
    ("POST", "/api/v1/admin/comments/{comment_id}/moderate"): M,
    ("POST", "/api/v1/admin/comments/moderate"): M,
    ("GET", "/api/v1/admin/audit"): A,
    ("POST", "/api/v1/admin/articles"): A,
    ("GET", "/api/v1/admin/articles/{slug}"): A,
    ("PATCH", "/api/v1/admin/articles/{slug}"): A,
    ("GET", "/api/v1/admin/policy"): A,
    ("PUT", "/api/v1/admin/policy"): A,
    ("PATCH", "/api/v1/admin/policy"): A,
    ("GET", "/api/v1/admin/bans"): M,
    ("POST", "/api/v1/admin/bans"): M,
    ("GET", "/api/v1/admin/bans/{ban_id}"): M,
    ("DELETE", "/api/v1/admin/bans/{ban_id}"): M,
    ("POST", "/api/v1/admin/webhooks"): A,
    ("GET", "/api/v1/admin/webhooks"): A,
    ("GET", "/api/v1/admin/webhooks/{webhook_id}"): A,
    ("DELETE", "/api/v1/admin/webhooks/{webhook_id}"): A,
    ("GET", "/api/v1/admin/webhooks/{webhook_id}/deliveries"): A,
    ("GET", "/api/v1/admin/webhooks/{webhook_id}/deliveries/{delivery_id}"): A,
    ("POST", "/api/v1/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): A,
}
# What a write sends: a body that would change something if the guard let it through.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/admin/comments/{comment_id}/moderate"): {"action": "reject"},
    ("POST", "/api/v1/admin/comments/moderate"): {"ids": ["{comment_id}"], "action": "reject"},
    ("POST", "/api/v1/admin/articles"): {
        "slug": "new-one",
        "title": "New",
        "author": {"slug": "a", "name": "A"},
        "body": "text",
    },
    ("PATCH", "/api/v1/admin/articles/{slug}"): {"comments_open": False},
    ("PUT", "/api/v1/admin/policy"): {**msgspec.to_builtins(Policy()), "moderation": "post"},
    ("PATCH", "/api/v1/admin/policy"): {"moderation": "post"},
    ("POST", "/api/v1/admin/bans"): {"email": "someone@example.org"},
    ("POST", "/api/v1/admin/webhooks"): {"url": "https://hooks.example.org/in", "events": ["comment.created"]},
}


def admin_routes(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path) the app serves under the admin prefix, OPTIONS included."""
    return sorted(
        (method, route.path_format) for route in app.routes if route.path.startswith(PREFIX) for method in route.methods
    )


ROUTES = admin_routes(create_app(Settings(database="unused.db", access_log=False)))
GUARDED = [route for route in ROUTES if route[0] != "OPTIONS"]


@dataclass
class World:
    """Something for every path parameter to name, and the file to compare before and after."""

    comment_id: str
    slug: str
    ban_id: str
    webhook_id: str
    delivery_id: str
    settings: Settings

    def request(self, method: str, path: str) -> dict[str, Any]:
        names = {
            "comment_id": self.comment_id,
            "slug": self.slug,
            "ban_id": self.ban_id,
            "webhook_id": self.webhook_id,
            "delivery_id": self.delivery_id,
        }
        url = path.format(**names)
        body = BODIES.get((method, path))
        if isinstance(body, dict) and "ids" in body:
            body = body | {"ids": [self.comment_id]}
        return {"method": method, "url": url, **({"json": body} if body is not None else {})}

    async def snapshot(self) -> str:
        return await peek.dump(self.settings)


@pytest.fixture
async def world(client: Client, services: Services, settings: Settings, moderator: dict[str, str]) -> World:
    hook = await services.webhooks.create("https://hooks.example.org/x", ["comment.created"], None, actor="x")
    article = await make_article(services, moderation=ArticleModeration.PRE)
    comment_id = (await post(client, article.slug)).json()["comment"]["id"]
    await services.dispatcher.dispatch()
    [delivery] = await services.webhooks.deliveries(hook.id, state=None, before_id=None, limit=1)
    ban = await services.bans.ban(email="banned@example.org", address=None, reason=None, expires_at=None, actor="x")
    # The moderator's first use stamps last_used_at; from here on the same minute writes nothing for it.
    await services.tokens.authenticate(moderator["Authorization"].removeprefix("Bearer "))
    return World(comment_id, article.slug, str(ban.id), str(hook.id), str(delivery.id), settings)


def test_every_admin_route_has_a_role_in_this_table(app: Litestar) -> None:
    assert [route for route in admin_routes(app) if route[0] != "OPTIONS"] == sorted(ROLES)


async def refused_credentials(services: Services) -> list[dict[str, str]]:
    revoked = await bearer(services, Role.ADMIN, "gone")
    await services.tokens.revoke("gone")
    _other, secret = await services.tokens.create("someone", Role.ADMIN)
    return [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {secret}"},
        {"Authorization": f"Bearer {secret}x"},
        {"Authorization": f"Bearer {secret[:-1]}"},
        {"Authorization": "Bearer " + "a" * 5000},
        {"Authorization": "Bearer not-a-token"},
        revoked,
    ]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_no_token_or_an_unknown_or_revoked_one_is_401_and_changes_nothing(
    client: Client, services: Services, world: World, method: str, path: str
) -> None:
    credentials = await refused_credentials(services)
    before = await world.snapshot()
    for headers in credentials:
        response = await client.request(**world.request(method, path), headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == 'Bearer realm="parley"'
        assert response.headers["content-type"] == "application/problem+json"
    assert await world.snapshot() == before


@pytest.mark.parametrize(("method", "path"), [route for route in GUARDED if ROLES.get(route) is A])
async def test_a_moderator_token_on_an_admin_route_is_403_and_changes_nothing(
    client: Client, world: World, moderator: dict[str, str], method: str, path: str
) -> None:
    before = await world.snapshot()
    response = await client.request(**world.request(method, path), headers=moderator)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await world.snapshot() == before


@pytest.mark.parametrize(("method", "path"), GUARDED)
@pytest.mark.parametrize("role", [M, A])
async def test_a_token_with_the_role_gets_through_and_its_name_is_the_actor(
    client: Client, services: Services, world: World, method: str, path: str, role: Role
) -> None:
    headers = await bearer(services, role, f"{role.value}-on-duty")
    response = await client.request(**world.request(method, path), headers=headers)
    if ROLES[method, path] is A and role is M:
        assert response.status_code == 403
        return
    assert response.status_code < 300, response.text
    if method != "GET":
        assert (await audit_events(services))[0].actor == f"{role.value}-on-duty"


async def test_the_openapi_document_gives_every_admin_route_its_security_and_error_responses(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A moderator or admin token from `parley token create`.",
    }
    for (method, path), role in ROLES.items():
        operation = document["paths"][path][method.lower()]
        where = f"{method} {path}"
        assert operation["security"] == [{"bearer": [role.value]}], where
        responses = operation["responses"]
        errors = {status for status in responses if status.startswith(("4", "5"))}
        expected = {"401"} | ({"403"} if role is A else set())
        if "{" in path:
            expected |= {"404", "422"}
        if (method, path) in BODIES:
            expected |= {"400", "413", "415", "422"}
        assert expected <= errors, where
        for status in errors:
            content = responses[status]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
                where,
                status,
            )
    problem = document["components"]["schemas"]["Problem"]
    assert {"status", "title", "detail"} <= set(problem["required"])
