"""Errors are problem details everywhere; operations endpoints and the OpenAPI document."""

from __future__ import annotations

import msgspec
import pytest
from litestar import Litestar

from tests.http.helpers import Client


async def test_an_unknown_route_is_a_404_problem(client: Client) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert {"status", "title", "detail"} <= set(response.json())


async def test_a_wrong_method_is_a_405_problem(client: Client) -> None:
    response = await client.put("/api/v1/counts")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("comment_id", ["0", "-1", "9007199254740992", "99999999999999999999999", "1e3"])
async def test_comment_ids_out_of_range_are_a_problem_answer(client: Client, comment_id: str) -> None:
    response = await client.get(f"/api/v1/comments/{comment_id}")
    assert response.status_code in (404, 422)
    assert response.headers["content-type"] == "application/problem+json"


async def test_health_and_readiness(client: Client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}


async def test_metrics_are_prometheus_text_for_admins_only(client: Client, admin: dict[str, str]) -> None:
    await client.get("/healthz")
    assert (await client.get("/metrics")).status_code == 401
    response = await client.get("/metrics", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'parley_requests_total{method="GET",path="/healthz",status="200"} 1.0' in response.text


async def test_a_moderator_token_does_not_read_the_metrics(client: Client, moderator: dict[str, str]) -> None:
    assert (await client.get("/metrics", headers=moderator)).status_code == 403


async def test_the_openapi_document_describes_every_endpoint_with_problem_responses(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    for path in (
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/v1/articles/{slug}/comments",
        "/api/v1/comments/{comment_id}",
        "/api/v1/comments/{comment_id}/flags",
        "/api/v1/counts",
        "/api/v1/admin/queue",
        "/api/v1/admin/queue/stats",
        "/api/v1/admin/comments/{comment_id}/moderate",
        "/api/v1/admin/comments/moderate",
        "/api/v1/admin/comments/{comment_id}/history",
        "/api/v1/admin/audit",
        "/api/v1/admin/articles",
        "/api/v1/admin/articles/{slug}",
        "/api/v1/admin/policy",
        "/api/v1/admin/bans",
        "/api/v1/admin/bans/{ban_id}",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    post = paths["/api/v1/articles/{slug}/comments"]["post"]
    for status in ("201", "403", "404", "409", "413", "415", "422", "429"):
        assert status in post["responses"], status
    assert "application/problem+json" in post["responses"]["404"]["content"]


def test_no_body_field_shares_a_name_with_a_dependency(app: Litestar) -> None:
    """Litestar reports a body field's validation error under a dependency's name as a 500, not a 422."""

    clashes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None or not isinstance(data.annotation, type) or not issubclass(data.annotation, msgspec.Struct):
                continue
            dependencies = set(handler.resolve_dependencies())
            clashes += [(route.path, name) for name in data.annotation.__struct_fields__ if name in dependencies]
    assert clashes == []
