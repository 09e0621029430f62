"""What operators see: the status each client really got, in the access log and the metrics, and nothing forged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from parley.app import create_app
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders
from tests.conftest import PEER, at_peer
from tests.http.helpers import make_article
from tests.logs import Lines

METRICS = "s3cret-metrics-token"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database=str(tmp_path / "parley.db"),
        access_log=True,
        writes_per_minute=1,
        reads_per_minute=0,
        metrics_token=METRICS,
        cors_origins=("https://news.example.org",),
        # The tests call the services from their own loop: no outbox worker may hold the writer in the app's.
        outbox_worker=False,
    )


@pytest.fixture
async def observed(settings: Settings) -> AsyncIterator[tuple[AsyncTestClient, Services, Lines]]:  # type: ignore[type-arg]
    app: Litestar = create_app(settings)
    log = Lines()
    async with AsyncTestClient(at_peer(app)) as client:
        logging.getLogger("parley.access").addHandler(log)  # once the app has configured logging
        try:
            yield client, running(app).services, log
        finally:
            logging.getLogger("parley.access").removeHandler(log)


async def test_every_answer_is_logged_and_counted_with_the_status_sent(
    observed: tuple[AsyncTestClient, Services, Lines],  # type: ignore[type-arg]
) -> None:
    client, services, log = observed
    slug = (await make_article(services)).slug
    comments = f"/api/v1/articles/{slug}/comments"
    cross_site = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example", PEER: "192.0.2.3"}
    answers = [
        await client.post(comments, json=builders.comment(), headers={PEER: "192.0.2.1"}),  # 201
        await client.post(comments, json=builders.comment(), headers={PEER: "192.0.2.1"}),  # 429, a middleware's
        await client.post(comments, content=b"x", headers={"Content-Type": "text/plain", PEER: "192.0.2.2"}),  # 415
        await client.post(comments, json=builders.comment(), headers=cross_site),  # 403, a middleware's
        await client.get("/no/such/route"),  # 404 before any route is found
        await client.request("TRACE", comments),  # 405
        await client.request("FOOBAR", "/healthz"),  # 405, an unknown method
    ]
    sent = [answer.status_code for answer in answers]
    assert sent == [201, 429, 415, 403, 404, 405, 405]
    logged = [int(line.split('" ', 1)[1].split()[0]) for line in log.lines]
    assert logged == sent
    metrics = (await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS}"})).text
    route = 'method="POST",path="/api/v1/articles/{slug}/comments"'
    for status in (201, 429, 415, 403):
        assert f'parley_requests_total{{{route},status="{status}"}} 1.0' in metrics
    assert 'parley_requests_total{method="GET",path="unmatched",status="404"} 1.0' in metrics
    assert 'parley_requests_total{method="OTHER",path="unmatched",status="405"} 2.0' in metrics
    assert "FOOBAR" not in metrics  # a label a client chooses would grow the metrics without bound


async def test_a_path_cannot_forge_log_lines_or_send_terminal_escapes(
    observed: tuple[AsyncTestClient, Services, Lines],  # type: ignore[type-arg]
) -> None:
    client, _services, log = observed
    await client.get("/api/v1/articles/x%0d%0a127.0.0.1%20%22GET%20/admin%22%20200%1b%5b31m")
    await client.get("/" + "a" * 5000)
    (forged, long) = log.lines
    assert not {"\r", "\n", "\x1b"} & set(forged)
    assert all(escaped in forged for escaped in ("\\x0d\\x0a", "\\x1b"))
    assert len(long) < 500


async def test_admin_answers_receipts_and_metrics_are_never_stored_by_a_cache(
    client: AsyncTestClient,
    services: Services,
    admin: dict[str, str],  # type: ignore[type-arg]
) -> None:
    slug = (await make_article(services)).slug
    private = [
        await client.post(f"/api/v1/articles/{slug}/comments", json=builders.comment()),
        await client.get("/api/v1/admin/policy", headers=admin),
        await client.get("/api/v1/admin/queue", headers=admin),
        await client.get("/api/v1/admin/queue"),  # the 401 too
        await client.get("/metrics", headers=admin),
    ]
    for answer in private:
        assert answer.headers["cache-control"] == "no-store", answer.request.url
    assert (await client.get(f"/api/v1/articles/{slug}")).headers.get("cache-control") != "no-store"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{}", "application/json"), (b"x" * 100_000, "application/json"), (b"a=b", "application/x-www-form-urlencoded")],
)
async def test_an_admin_body_is_not_read_before_the_token_is_checked(
    client: AsyncTestClient,
    body: bytes,
    content_type: str,  # type: ignore[type-arg]
) -> None:
    for path in ("/api/v1/admin/comments/1/moderate", "/api/v1/admin/bans", "/api/v1/admin/policy"):
        method = "PUT" if path.endswith("policy") else "POST"
        answer = await client.request(method, path, content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 401, (path, answer.text)
        assert "errors" not in answer.json()


def test_the_metrics_token_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({"PARLEY_METRICS_TOKEN": "abc"}).metrics_token == "abc"
    assert msgspec.structs.replace(Settings(), metrics_token="").metrics_token == ""
