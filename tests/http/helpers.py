"""Small steps HTTP tests repeat: make an article, post a comment, read a thread."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from parley.app import Services
from parley.domain.policy import Policy
from parley.domain.records import Article
from tests import builders

Client = AsyncTestClient  # type: ignore[type-arg]


def connect(app: Litestar, address: str = "testclient") -> httpx.AsyncClient:
    """A client of an app running in the test's own loop, connecting from `address` (a peer, not a header)."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


async def make_article(services: Services, **overrides: Any) -> Article:
    view = await services.articles.create(builders.article(**overrides))
    return view.article


async def set_policy(services: Services, **settings: Any) -> None:
    await services.moderation.set_policy(Policy(**settings), "test")


async def post(client: Client, slug: str, **fields: Any) -> Any:
    return await client.post(f"/api/v1/articles/{slug}/comments", json=builders.comment(**fields))


async def thread(client: Client, slug: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1/articles/{slug}/comments", params=params)
    assert response.status_code == 200, response.text
    return response.json()
