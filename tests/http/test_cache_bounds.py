"""Every cache is bounded in entries and bytes, keyed by the known parameters only: floods of unique queries fill
nothing beyond the bound, and junk parameters are not a new key at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from litestar import Litestar

from parley.http.deps import running
from parley.http.query import canonical, declared
from parley.services import Services
from parley.settings import Settings
from parley.storage.sqlite.database import SqliteStore
from tests.http.helpers import Client, make_article, post, set_policy

PAGE_BYTES = 64 * 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database=str(tmp_path / "parley.db"),
        access_log=False,
        writes_per_minute=0,
        reads_per_minute=0,
        page_cache_bytes=PAGE_BYTES,
    )


def litestar_reads(raw: bytes, many: tuple[str, ...] = ()) -> dict[str, Any]:
    """What Litestar's query parser makes of a query string: the last value of a single, every value of a list."""
    found: dict[str, Any] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if name in many:
            found.setdefault(name, []).append(value)
        else:
            found[name] = value
    return found


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"sort=top&junk=1&_=1700000000", b"sort=top"),
        (b"limit=5&sort=newest", b"limit=5&sort=newest"),
        (b"sort=newest&limit=5", b"limit=5&sort=newest"),
        (b"sort=oldest&sort=top", b"sort=top"),
        (b"cursor=a%2Bb%3D&sort=top", b"cursor=a%2Bb%3D&sort=top"),
        (b"cursor=caf%C3%A9+x", b"cursor=caf%C3%A9%20x"),
        (b"cursor=%FF%FE", b"cursor=%EF%BF%BD%EF%BF%BD"),
        (b"a=&a=&a=&a=" * 500, b""),
    ],
)
def test_a_query_keeps_only_known_parameters_in_one_spelling(raw: bytes, expected: bytes) -> None:
    known = {"sort": 1, "limit": 1, "cursor": 1, "max_comments": 1}
    reduced = canonical(raw, known)
    assert reduced == expected
    # And Litestar reads the same values from both.
    assert litestar_reads(reduced) == {k: v for k, v in litestar_reads(raw).items() if k in known}


def test_a_list_keeps_one_value_more_than_it_may_have_so_it_is_still_refused() -> None:
    raw = b"&".join(b"slug=s%d" % n for n in range(5000))
    reduced = canonical(raw, {"slug": 101})
    assert litestar_reads(reduced, ("slug",))["slug"] == [f"s{n}" for n in range(101)]


def test_every_query_parameter_a_route_reads_is_declared_and_documented(app: Litestar, client: Client) -> None:
    """The reduction keeps what a handler declares; the OpenAPI document lists what it reads: they must agree."""
    document = app.openapi_schema.to_schema()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not getattr(handler, "include_in_schema", True):
                continue
            for method in handler.http_methods:
                operation = document["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
                assert set(declared(handler)) == documented, (method, route.path_format)


async def test_junk_parameters_are_no_new_page_and_unique_queries_stay_within_the_bound(
    app: Litestar, client: Client, services: Services
) -> None:
    await set_policy(services, moderation="post")
    slug = (await make_article(services)).slug
    for n in range(30):
        await post(client, slug, body=f"A comment of some length, number {n}. " * 5)
    pages = running(app).pages.answers.entries
    for n in range(200):
        answer = await client.get(f"/api/v1/articles/{slug}/comments?sort=top&junk{n}={'j' * 3000}")
        assert answer.status_code == 200
    assert len(pages) == 1
    for limit in range(1, 101):
        for sort in ("oldest", "newest", "top"):
            assert (await client.get(f"/api/v1/articles/{slug}/comments?sort={sort}&limit={limit}")).status_code == 200
    assert pages.bytes <= PAGE_BYTES
    assert 0 < len(pages) < 300


async def test_count_answers_and_the_version_glance_stay_within_their_bounds(
    app: Litestar, client: Client, services: Services
) -> None:
    answers = running(app).counts.answers.entries
    for n in range(300):
        slugs = [("slug", f"made-up-{n:04d}-{k:03d}-" + "x" * 40) for k in range(100)]
        assert (await client.get("/api/v1/counts", params=slugs)).status_code == 200
    assert answers.bytes <= answers.max_bytes
    assert len(answers) <= answers.max_entries
    assert isinstance(services.store, SqliteStore)
    remembered = services.store.glance.counts
    assert remembered.bytes <= remembered.max_bytes
    assert len(remembered) <= remembered.max_entries
