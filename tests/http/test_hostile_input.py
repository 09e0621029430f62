"""Hostile input over HTTP: each gets a 4xx problem or a comment stored exactly as typed, never a 500."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from parley.app import create_app
from parley.domain import text
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders, peek
from tests.http.helpers import Client, make_article, post, set_policy, thread
from tests.unit.markdown_corpus import PATHOLOGICAL
from tests.unit.test_text import ALLOWED_TAGS, inspect
from tests.unit.xss_corpus import PAYLOADS

JSON = {"content-type": "application/json"}


async def stored(settings: Settings, comment_id: str) -> tuple[str, str, str]:
    sql = "SELECT author_name, body, status FROM comments WHERE id = ?"
    (row,) = await peek.rows(settings, sql, int(comment_id))
    return row["author_name"], row["body"], row["status"]


def assert_problem(response: Any, *statuses: int) -> None:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_every_pathological_markdown_comment_is_stored_as_typed(
    client: Client, services: Services, settings: Settings
) -> None:
    slug = (await make_article(services)).slug
    for name, source in PATHOLOGICAL.items():
        response = await post(client, slug, body=source)
        assert response.status_code == 201, (name, response.text)
        assert (await stored(settings, response.json()["comment"]["id"]))[1] == source, name


async def test_every_xss_payload_is_stored_as_typed_and_shown_harmless(
    client: Client, services: Services, settings: Settings
) -> None:
    slug = (await make_article(services)).slug
    for payload in PAYLOADS:
        response = await post(client, slug, body=payload.replace("\x00", "").replace("\x0c", " "))
        assert response.status_code == 201, (payload, response.text)
        found = inspect(response.json()["comment"]["body_html"])
        assert set(found.tags) <= ALLOWED_TAGS, payload
        hrefs = [value for _tag, name, value in found.attributes if name == "href"]
        assert all(value.startswith(("https://", "http://", "mailto:")) for value in hrefs), payload


@pytest.mark.parametrize("override", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069"])
async def test_bidi_controls_are_refused_in_names_and_kept_as_typed_in_bodies(
    client: Client, services: Services, settings: Settings, override: str
) -> None:
    slug = (await make_article(services)).slug
    assert_problem(await post(client, slug, author_name=f"Ann{override}nimda"), 422)
    body = f"price: {override}001$ per month"
    response = await post(client, slug, body=body)
    assert response.status_code == 201, response.text
    assert (await stored(settings, response.json()["comment"]["id"]))[1] == body


async def test_a_name_with_zero_width_joiners_is_kept_as_typed(
    client: Client, services: Services, settings: Settings
) -> None:
    slug = (await make_article(services)).slug
    name = "Family \U0001f468\u200d\U0001f469\u200d\U0001f467 and Ad\u200dmin"
    response = await post(client, slug, author_name=name)
    assert response.status_code == 201, response.text
    assert response.json()["comment"]["author"]["name"] == name
    assert (await stored(settings, response.json()["comment"]["id"]))[0] == name


@pytest.mark.parametrize("written", ["sp\u200bam", "ѕрам", "ｓｐａｍ", "s\u202epam", "SPÄM"])
async def test_disguised_blocked_words_are_caught_and_the_poster_learns_nothing(
    client: Client, services: Services, settings: Settings, written: str
) -> None:
    slug = (await make_article(services)).slug
    await set_policy(services, moderation="post", block_words=("spam",))
    response = await post(client, slug, body=f"cheap {written} here")
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "approved"  # what any comment gets under post-moderation
    assert (await stored(settings, response.json()["comment"]["id"]))[2] == "spam"
    assert (await thread(client, slug))["count"] == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 30_000 + b"]" * 30_000,
        b'{"author_name": "a", "body": "b", "honeypot": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
        b'{"a": ' * 6_000 + b"1" + b"}" * 6_000,
        b'{"author_name": "\xff\xfe", "body": "x"}',
        b'{"author_name": "a", "body": "x\xc3"}',
        b'{"author_name": "a", "body": "x", "parent_id": ' + b"9" * 400 + b"}",
        b'{"author_name": "a", "body": "x", "parent_id": 1e400}',
        b'{"author_name": "a", "body": "\\ud800"}',
        b'{"author_name": "a", "body": "x"',
        b"\x00\x01\x02",
    ],
)
async def test_json_that_is_too_deep_too_large_or_not_utf8_is_a_4xx(
    client: Client, services: Services, settings: Settings, raw: bytes
) -> None:
    slug = (await make_article(services)).slug
    assert len(raw) < settings.max_body_bytes
    assert_problem(await client.post(f"/api/v1/articles/{slug}/comments", content=raw, headers=JSON), 400, 422)


@pytest.mark.parametrize(
    "body",
    [
        {"author_name": "a", "body": "x", "parent_id": "9007199254740993"},
        {"author_name": "a", "body": "x", "parent_id": "99999999999999999999"},
        {"author_name": "a", "body": "x", "parent_id": 1.5},
        {"author_name": "a", "body": "x", "parent_id": -1},
        {"author_name": 12, "body": "x"},
    ],
)
async def test_ids_out_of_range_or_of_the_wrong_type_are_4xx(
    client: Client, services: Services, body: dict[str, Any]
) -> None:
    slug = (await make_article(services)).slug
    assert_problem(await client.post(f"/api/v1/articles/{slug}/comments", json=body), 404, 422)


@pytest.mark.parametrize(
    "query",
    ["limit=-1", "limit=0", "limit=1.5", "limit=1e309", "limit=99999999999999999999999", "sort=%FF", "cursor=%FF%FE"],
)
async def test_query_numbers_out_of_range_and_undecodable_values_are_422(
    client: Client, services: Services, query: str
) -> None:
    slug = (await make_article(services)).slug
    assert_problem(await client.get(f"/api/v1/articles/{slug}/comments?{query}"), 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/%FF%FE/comments",
        "/api/v1/articles/%00",
        "/api/v1/comments/%FF",
        "/api/v1/comments/9007199254740992",
        "/api/v1/comments/-5",
        "/api/v1/comments/1.5",
    ],
)
async def test_undecodable_or_out_of_range_paths_are_4xx(client: Client, path: str) -> None:
    response = await client.get(path)
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize(
    ("name", "value"),
    [("X-Edit-Token", b"\xff\xfe"), ("Authorization", b"Bearer \xff\xfe"), ("Idempotency-Key", b"\xc3\x28")],
)
async def test_headers_that_are_not_utf8_are_never_a_500(
    client: Client, services: Services, name: str, value: bytes
) -> None:
    slug = (await make_article(services)).slug
    url = f"/api/v1/articles/{slug}/comments"
    reading = await client.get(url, headers={name: value})
    writing = await client.post(url, json={"author_name": "a", "body": "b"}, headers={name: value})
    admin = await client.get("/api/v1/admin/queue", headers={name: value})
    assert all(response.status_code < 500 for response in (reading, writing, admin)), (reading, writing, admin)


async def test_a_reader_is_answered_while_a_comment_is_being_rendered(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The render runs in a worker thread; here it is held there until a reader has had an answer.

    The app is driven in this test's own event loop (AsyncTestClient would run it in another thread and wait for
    each request to finish), so the reader and the writer really are in flight together.
    """
    started, release = threading.Event(), threading.Event()
    render = text.render_comment

    def held_render(source: str) -> str:
        started.set()
        release.wait(timeout=10)
        return render(source)

    monkeypatch.setattr(text, "render_comment", held_render)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://parley") as http:
        slug = (await running(app).services.articles.create(builders.article(), actor="test")).article.slug
        url = f"/api/v1/articles/{slug}/comments"
        posting = asyncio.create_task(
            http.post(url, json={"author_name": "A", "body": PATHOLOGICAL["10,000 open brackets"]})
        )
        assert await asyncio.to_thread(started.wait, 5)
        reader = await asyncio.wait_for(http.get(url), timeout=5)
        assert reader.status_code == 200
        assert not posting.done()
        release.set()
        assert (await posting).status_code == 201


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",
        "\u200b\u200e\u200f",
        "\u2060\ufeff",
        "\u3164",
        "\u2800\u2800",
        "\u00ad",
        "\u180e",
        "\ufe0f\u034f",
    ],
)
async def test_a_name_that_shows_nothing_is_422_and_stores_nothing(
    client: Client, services: Services, name: str
) -> None:
    slug = (await make_article(services)).slug
    answer = await post(client, slug, author_name=name)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "author_name"
    assert (await thread(client, slug))["count"] == 0


async def test_a_body_of_invisible_characters_is_422(client: Client, services: Services) -> None:
    slug = (await make_article(services)).slug
    answer = await post(client, slug, body="\u200b\u200c\u200d")
    assert (answer.status_code, answer.json()["errors"][0]["field"]) == (422, "body")


@pytest.mark.parametrize(
    "url",
    [
        'https://a"><svg/onload=alert(1)>',
        "https://a.example/'onmouseover='x",
        "https://a.example/`x`",
        "https://a.example/<b>",
        "https://a.example/x y",
        "https://user@evil.example",
        "javascript:alert(1)",
        "//evil.example",
        "https://",
        "https://a.example\\@evil.example",
    ],
)
async def test_an_author_url_that_could_break_out_of_an_attribute_is_422(
    client: Client, services: Services, url: str
) -> None:
    slug = (await make_article(services)).slug
    answer = await post(client, slug, author_url=url)
    assert answer.status_code == 422, answer.text
    assert (await thread(client, slug))["count"] == 0


async def test_an_author_url_is_kept_with_its_scheme_and_host_in_lower_case(client: Client, services: Services) -> None:
    slug = (await make_article(services)).slug
    answer = await post(client, slug, author_url="HTTPS://News.Example.ORG/About/Me?Who=Ann#Top")
    assert answer.json()["comment"]["author"]["url"] == "https://news.example.org/About/Me?Who=Ann#Top"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/a%00b",
        "/api/v1/articles/a%00b/comments",
        "/api/v1/counts?slug=a%00b",
        "/api/v1/counts?slug=ok&slug=a%00b",
        "/api/v1/articles?author=a%00b",
        "/api/v1/articles?tag=a%00b",
        "/api/v1/articles?cursor=a%00b",
    ],
)
async def test_a_nul_in_any_parameter_is_answered_alike_on_both_engines(client: Client, path: str) -> None:
    """PostgreSQL cannot hold a NUL character; a stranger's NUL must get the same 4xx (or empty answer) there."""
    response = await client.get(path)
    assert response.status_code < 500, response.text
    if path.startswith("/api/v1/counts") and response.status_code == 200:
        assert response.json()["counts"].get("a\x00b", 0) == 0


@pytest.mark.parametrize("url", ["https://[f3]/", "http://[::1]:99999/", "https://example.org:70000"])
async def test_an_author_url_whose_host_or_port_cannot_be_read_is_422(
    client: Client, services: Services, url: str
) -> None:
    slug = (await make_article(services)).slug
    response = await client.post(f"/api/v1/articles/{slug}/comments", json=builders.comment(author_url=url))
    assert_problem(response, 422)
    assert (await thread(client, slug))["count"] == 0
