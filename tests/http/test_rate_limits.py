"""Flood control: per-address budgets over HTTP, who shares one, who is exempt, and the author's own pace."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from parley.app import create_app
from parley.domain.records import Role
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders, rd
from tests.http.helpers import connect, make_article, post

WRITES, READS = 3, 5
PROXY = "10.0.0.7"


@pytest.fixture
async def settings(tmp_path: Path, database_url: str) -> AsyncIterator[Settings]:
    """The two deployments: one machine on SQLite, counting in its own files and memory; and instances on
    PostgreSQL, counting in Redis, which every instance shares."""
    fields: dict[str, Any] = {
        "database": str(tmp_path / "parley.db"),
        "database_url": database_url,
        "access_log": False,
        "writes_per_minute": WRITES,
        "reads_per_minute": READS,
        "trusted_proxies": (PROXY,),
    }
    if not database_url:
        yield Settings(**fields)
        return
    async with rd.prefix() as prefix:
        yield Settings(**fields, redis_url=rd.url(), redis_prefix=prefix)


@pytest.fixture
async def client(app_in_loop: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(app_in_loop) as test_client:
        yield test_client


@pytest.fixture
def services(app_in_loop: Litestar) -> Services:
    found: Services = running(app_in_loop).services
    return found


@pytest.fixture
async def peers(app_in_loop: Litestar) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Clients connecting from chosen network addresses; the plain `client` connects as "testclient", which is
    what Litestar's test client calls itself: no address at all, so never a trusted proxy."""
    addresses = ("198.51.100.1", "198.51.100.2", PROXY, "2001:db8:1:2::10", "2001:db8:1:2::99")
    opened = {address: connect(app_in_loop, address) for address in addresses}
    try:
        yield opened
    finally:
        for peer in opened.values():
            await peer.aclose()


async def stored(services: Services, slug: str) -> int:
    """Counted behind the HTTP edge, so counting spends no read budget."""
    return (await services.threads.counts([slug]))[slug]


async def burst(
    peer: httpx.AsyncClient, slug: str, n: int, headers: dict[str, str] | None = None
) -> list[httpx.Response]:
    return [
        await peer.post(f"/api/v1/articles/{slug}/comments", json=builders.comment(), headers=headers) for _ in range(n)
    ]


async def test_a_burst_beyond_the_write_limit_is_429_with_the_headers_and_stores_nothing_more(
    client: httpx.AsyncClient, services: Services
) -> None:
    article = await make_article(services)
    answers = await burst(client, article.slug, WRITES + 2)
    assert [answer.status_code for answer in answers] == [201] * WRITES + [429, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-limit"] == str(WRITES)
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-policy"] == f"{WRITES}; w=60"
    assert int(refused.headers["ratelimit-reset"]) <= 60
    assert answers[0].headers["ratelimit-remaining"] == str(WRITES - 1)
    assert "retry-after" not in answers[0].headers
    assert await stored(services, article.slug) == WRITES


async def test_edits_deletes_and_flags_draw_on_the_same_write_budget(
    client: httpx.AsyncClient, services: Services
) -> None:
    article = await make_article(services)
    receipt = (await post(client, article.slug)).json()
    comment_id, token = receipt["comment"]["id"], receipt["edit_token"]
    edited = await client.patch(
        f"/api/v1/comments/{comment_id}", json={"body": "better"}, headers={"X-Edit-Token": token}
    )
    flagged = await client.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"})
    assert (edited.status_code, flagged.status_code) == (200, 202)
    deleted = await client.delete(f"/api/v1/comments/{comment_id}", headers={"X-Edit-Token": token})
    assert deleted.status_code == 429
    assert (await client.get(f"/api/v1/comments/{comment_id}")).status_code == 200


async def test_a_second_address_is_unaffected(services: Services, peers: dict[str, httpx.AsyncClient]) -> None:
    article = await make_article(services)
    first, second = peers["198.51.100.1"], peers["198.51.100.2"]
    assert (await burst(first, article.slug, WRITES + 1))[-1].status_code == 429
    assert [answer.status_code for answer in await burst(second, article.slug, WRITES)] == [201] * WRITES


async def test_an_ipv6_client_counts_by_its_64_block(services: Services, peers: dict[str, httpx.AsyncClient]) -> None:
    article = await make_article(services)
    await burst(peers["2001:db8:1:2::10"], article.slug, WRITES)
    assert (await burst(peers["2001:db8:1:2::99"], article.slug, 1))[0].status_code == 429


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_does_not_reset_the_limit(
    services: Services, peers: dict[str, httpx.AsyncClient]
) -> None:
    article = await make_article(services)
    peer = peers["198.51.100.1"]
    answers = [
        await peer.post(
            f"/api/v1/articles/{article.slug}/comments",
            json=builders.comment(),
            headers={"X-Forwarded-For": f"203.0.113.{n}", "Forwarded": f"for=192.0.2.{n}"},
        )
        for n in range(WRITES + 1)
    ]
    assert answers[-1].status_code == 429
    assert await stored(services, article.slug) == WRITES


async def test_a_trusted_proxy_separates_the_clients_it_forwards(
    services: Services, peers: dict[str, httpx.AsyncClient]
) -> None:
    article = await make_article(services)
    proxy = peers[PROXY]
    one = await burst(proxy, article.slug, WRITES + 1, {"X-Forwarded-For": "203.0.113.1"})
    two = await burst(proxy, article.slug, WRITES, {"X-Forwarded-For": "203.0.113.2"})
    assert one[-1].status_code == 429
    assert [answer.status_code for answer in two] == [201] * WRITES


async def test_a_forwarded_header_the_client_sent_through_the_proxy_changes_nothing(
    services: Services, peers: dict[str, httpx.AsyncClient]
) -> None:
    article = await make_article(services)
    proxy = peers[PROXY]
    answers = [
        await proxy.post(
            f"/api/v1/articles/{article.slug}/comments",
            json=builders.comment(),
            headers={"X-Forwarded-For": "203.0.113.5", "Forwarded": f"for=198.51.100.{n}"},
        )
        for n in range(WRITES + 2)
    ]
    assert [answer.status_code for answer in answers] == [201] * WRITES + [429] * 2


async def test_a_forged_first_forwarded_for_line_neither_resets_the_budget_nor_escapes_a_ban(
    services: Services, peers: dict[str, httpx.AsyncClient]
) -> None:
    """A proxy that appends its own X-Forwarded-For line leaves the client's forged line in front of it."""
    article = await make_article(services)
    proxy = peers[PROXY]
    answers = []
    for n in range(WRITES + 2):
        headers = [("X-Forwarded-For", f"192.0.2.{n + 1}"), ("X-Forwarded-For", "203.0.113.8")]
        answers.append(
            await proxy.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers=headers)
        )
    assert [answer.status_code for answer in answers] == [201] * WRITES + [429] * 2
    await services.bans.ban(email=None, address="203.0.113.9", reason=None, expires_at=None, actor="test")
    headers = [("X-Forwarded-For", "192.0.2.99"), ("X-Forwarded-For", "203.0.113.9")]
    banned = await proxy.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment(), headers=headers)
    assert (banned.status_code, banned.json()["code"]) == (403, "banned")


async def test_a_moderator_token_is_not_limited_but_a_bogus_one_is(
    client: httpx.AsyncClient, services: Services
) -> None:
    article = await make_article(services)
    _, secret = await services.tokens.create("desk", Role.MODERATOR)
    moderated = await burst(client, article.slug, WRITES + 2, {"Authorization": f"Bearer {secret}"})
    assert {answer.status_code for answer in moderated} == {201}
    assert "ratelimit-limit" not in moderated[-1].headers
    bogus = await burst(client, article.slug, WRITES + 1, {"Authorization": "Bearer not-a-real-token"})
    assert bogus[-1].status_code == 429
    reads = [
        await client.get("/api/v1/articles", headers={"Authorization": f"Bearer {secret}"}) for _ in range(READS + 2)
    ]
    assert {answer.status_code for answer in reads} == {200}


async def test_reads_have_their_own_looser_budget(client: httpx.AsyncClient, services: Services) -> None:
    article = await make_article(services)
    await burst(client, article.slug, WRITES + 1)
    paths = [
        "/api/v1/articles",
        f"/api/v1/articles/{article.slug}",
        f"/api/v1/articles/{article.slug}/comments",
        f"/api/v1/counts?slug={article.slug}",
        "/api/v1/articles",
    ]
    assert [(await client.get(path)).status_code for path in paths] == [200] * READS
    refused = await client.get("/api/v1/articles")
    assert refused.status_code == 429
    assert refused.headers["ratelimit-limit"] == str(READS)
    assert "retry-after" in refused.headers


async def test_operations_endpoints_are_never_limited(client: httpx.AsyncClient) -> None:
    answers = [await client.get("/healthz") for _ in range(READS + 2)] + [await client.get("/readyz")]
    assert {answer.status_code for answer in answers} == {200}


def test_every_public_api_endpoint_draws_on_a_budget(app_in_loop: Litestar) -> None:
    """A new public endpoint that forgets its budget would be an unlimited one: this names it."""
    for route in app_in_loop.routes:
        if not route.path.startswith("/api/v1/") or route.path.startswith("/api/v1/admin"):
            continue
        for handler in route.route_handlers:  # type: ignore[union-attr]
            methods = getattr(handler, "http_methods", set())
            expected = "reads" if methods <= {"GET", "HEAD", "OPTIONS"} else "writes"
            assert handler.opt.get("rate_limit") == expected, (route.path, methods)


def test_the_default_limits_are_on() -> None:
    defaults = Settings()
    assert (defaults.writes_per_minute, defaults.reads_per_minute) == (10, 600)


async def test_a_thread_served_from_the_page_cache_still_draws_on_the_read_budget(
    client: httpx.AsyncClient, services: Services
) -> None:
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    answers = [await client.get(url) for _ in range(READS + 1)]
    assert [answer.status_code for answer in answers] == [200] * READS + [429]


async def test_server_processes_share_each_addresss_write_budget_exactly_under_a_concurrent_burst(
    settings: Settings, services: Services, peers: dict[str, httpx.AsyncClient]
) -> None:
    article = await make_article(services)
    other_worker = create_app(settings)
    async with other_worker.lifespan(), connect(other_worker, "198.51.100.1") as elsewhere:
        here = peers["198.51.100.1"]
        answers = await asyncio.gather(
            *(
                (here if n % 2 else elsewhere).post(
                    f"/api/v1/articles/{article.slug}/comments", json=builders.comment()
                )
                for n in range(8 * WRITES)
            )
        )
    assert sorted(answer.status_code for answer in answers) == [201] * WRITES + [429] * (7 * WRITES)
    assert await stored(services, article.slug) == WRITES


async def test_refusals_before_any_database_work_give_the_write_back(
    client: httpx.AsyncClient, services: Services
) -> None:
    """A reader correcting a form is not locked out by their own typos; refusals the database decides still count."""
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    typos = [await client.post(url, json={"author_name": "Ann"}) for _ in range(WRITES + 2)]
    assert {answer.status_code for answer in typos} == {422}
    assert typos[-1].headers["ratelimit-remaining"] == str(WRITES)
    wrong_type = await client.post(url, content=b"a=b", headers={"content-type": "application/x-www-form-urlencoded"})
    assert wrong_type.status_code == 415
    missing = await client.post("/api/v1/articles/no-such-article/comments", json=builders.comment())
    assert missing.status_code == 404
    answers = await burst(client, article.slug, WRITES)
    assert [answer.status_code for answer in answers] == [201] * (WRITES - 1) + [429]


async def test_a_shared_budget_keeps_no_address_in_redis(
    settings: Settings, peers: dict[str, httpx.AsyncClient], services: Services
) -> None:
    if not settings.redis_url:
        pytest.skip("counts in Redis only on the PostgreSQL deployment")
    article = await make_article(services)
    await peers["198.51.100.1"].post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())
    kept = await rd.keys(settings.redis_prefix)
    assert {key.split(":")[2] for key in kept} == {"writes"}
    assert all("198.51.100" not in key and b"198.51.100" not in value for key, value in kept.items())


async def test_while_redis_is_unreachable_each_instance_still_counts_its_own_budget(tmp_path: Path) -> None:
    """A flood-control outage neither takes the site down (no 500) nor lifts the limits."""
    closed = Settings(
        database=str(tmp_path / "elsewhere.db"),
        access_log=False,
        writes_per_minute=WRITES,
        reads_per_minute=READS,
        redis_url="redis://127.0.0.1:9/0",  # the discard port: nothing listens there
    )
    app = create_app(closed)
    async with app.lifespan(), connect(app, "198.51.100.1") as reader:
        article = await make_article(running(app).services)
        answers = await burst(reader, article.slug, WRITES + 1)
    assert [answer.status_code for answer in answers] == [201] * WRITES + [429]


async def test_instances_on_two_machines_share_each_addresss_write_budget_through_redis(
    settings: Settings, services: Services, peers: dict[str, httpx.AsyncClient]
) -> None:
    """Another machine keeps no file this one sees (here: its own limits folder); only Redis joins their counts."""
    if not settings.redis_url:
        pytest.skip("instances on several machines are the PostgreSQL deployment's")
    article = await make_article(services)
    machine_b = msgspec.structs.replace(settings, database_url=settings.database_url + "&application_name=machine-b")
    assert machine_b.limits_folder != settings.limits_folder
    other = create_app(machine_b)
    async with other.lifespan(), connect(other, "198.51.100.1") as elsewhere:
        here = peers["198.51.100.1"]
        answers = [
            await (here if n % 2 else elsewhere).post(
                f"/api/v1/articles/{article.slug}/comments", json=builders.comment()
            )
            for n in range(2 * WRITES)
        ]
    assert [answer.status_code for answer in answers] == [201] * WRITES + [429] * WRITES


async def test_a_refusal_decided_after_reading_the_database_is_not_given_back(
    client: httpx.AsyncClient, services: Services
) -> None:
    """An Idempotency-Key reused with another body is 422 too, but only after the database was read: it counts."""
    article = await make_article(services)
    url = f"/api/v1/articles/{article.slug}/comments"
    key = {"Idempotency-Key": "reused-key"}
    assert (await client.post(url, json=builders.comment(body="first"), headers=key)).status_code == 201
    answers = [await client.post(url, json=builders.comment(body=f"other {n}"), headers=key) for n in range(WRITES)]
    assert [answer.status_code for answer in answers] == [422] * (WRITES - 1) + [429]
    assert answers[0].json()["code"] == "idempotency_mismatch"
    assert answers[0].headers["ratelimit-remaining"] == str(WRITES - 2)
    assert all("x-parley-decided" not in answer.headers for answer in answers)
