"""Small steps HTTP tests repeat: make an article, post a comment, read a thread, act as a moderator."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar

from parley.app import create_app
from parley.domain.policy import Policy
from parley.domain.records import Article, AuditEvent, AuditQuery, Role
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders
from tests.conftest import PEER, http_client, serving

Client = httpx.AsyncClient


def connect(app: Litestar, address: str = "testclient") -> httpx.AsyncClient:
    """A client of an app running in the test's own loop, connecting from `address` (a peer, not a header)."""
    return http_client(app, address)


async def make_article(services: Services, **overrides: Any) -> Article:
    view = await services.articles.create(builders.article(**overrides), actor="test")
    return view.article


async def set_policy(services: Services, **settings: Any) -> None:
    await services.moderation.set_policy(Policy(**settings), "test")


async def post(client: Client, slug: str, **fields: Any) -> Any:
    return await client.post(f"/api/v1/articles/{slug}/comments", json=builders.comment(**fields))


def answer(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The JSON object a request was answered with, after checking it was answered with `status`."""
    assert response.status_code == status, response.text
    found: dict[str, Any] = response.json()
    return found


async def pages(fetch: Callable[[dict[str, str]], Awaitable[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every page of a list, from the first (`fetch({})`) along each `next_cursor` to the last."""
    walked = [await fetch({})]
    while walked[-1]["next_cursor"] is not None:
        walked.append(await fetch({"cursor": walked[-1]["next_cursor"]}))
    return walked


async def thread(client: Client, slug: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1/articles/{slug}/comments", params=params)
    assert response.status_code == 200, response.text
    return response.json()


_names = itertools.count(1)


async def bearer(services: Services, role: Role = Role.MODERATOR, name: str | None = None) -> dict[str, str]:
    """Authorization headers for a new token made the way `parley token create` makes it."""
    _token, secret = await services.tokens.create(name or f"{role.value}-{next(_names)}", role)
    return {"Authorization": f"Bearer {secret}"}


async def moderate(client: Client, headers: dict[str, str], comment_id: str, action: str, **fields: Any) -> Any:
    return await client.post(
        f"/api/v1/admin/comments/{comment_id}/moderate", json={"action": action, **fields}, headers=headers
    )


async def admin_comment(client: Client, headers: dict[str, str], comment_id: str) -> dict[str, Any]:
    return answer(await client.get(f"/api/v1/admin/comments/{comment_id}", headers=headers))


async def queue(client: Client, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    return answer(await client.get("/api/v1/admin/queue", params=params, headers=headers))


async def audit_events(services: Services, **query: Any) -> list[AuditEvent]:
    """The audit log read straight from the store, newest first."""
    return (await services.moderation.audit(AuditQuery(**query), cursor=None, limit=1000)).items


_readers: dict[str, str] = {}


def network_of(reader: str) -> str:
    """A network address of its own for each reader named in a test: readers count once per network."""
    return _readers.setdefault(reader, f"198.18.{len(_readers) // 250}.{len(_readers) % 250 + 1}")


async def flag(client: Client, comment_id: str, reader: str, reason: str = "abuse", **headers: str) -> Any:
    """A flag from one reader, each reader at a network of its own (`X-Test-Peer`)."""
    return await client.post(
        f"/api/v1/comments/{comment_id}/flags", json={"reason": reason}, headers={PEER: network_of(reader), **headers}
    )


@asynccontextmanager
async def client_with_peers(settings: Settings, clock: Any) -> AsyncIterator[tuple[Client, Services]]:
    """The app behind `at_peer`, and its services."""
    app = create_app(settings, clock=clock)
    async with serving(app), http_client(app) as test_client:
        yield test_client, running(app).services
