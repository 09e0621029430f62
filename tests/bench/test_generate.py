"""The benchmark generator writes databases that parley's own API reads consistently, and Isso's twin of them."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from parley.app import create_app
from parley.domain.records import Role
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load()
SPECS = [
    gen.ThreadSpec("big", "Big", 120, 30, pending=15),
    gen.ThreadSpec("held", "Held", 7, 2, pending=3, moderation="pre"),
]


@pytest.fixture
def databases(tmp_path: Path) -> tuple[Path, Path]:
    parley, isso = tmp_path / "parley.db", tmp_path / "isso.db"
    # A pool smaller than the comments, so bodies are shared as in the million-comment set.
    gen.generate(SPECS, parley=parley, isso=isso, seed=3, pool=50)
    return parley, isso


@pytest.fixture
async def client(databases: tuple[Path, Path]) -> Any:
    # The tests call the services from their own loop: no outbox worker may hold the writer in the app's.
    settings = Settings(database=str(databases[0]), access_log=False, stale_seconds=0, outbox_worker=False)
    async with AsyncTestClient(create_app(settings)) as test_client:
        yield test_client


def _walk(nodes: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    """Every node of a tree, checking on the way that depths and reply counts agree with the nesting."""
    seen = []
    for node in nodes:
        assert node["depth"] == depth
        below = _walk(node["replies"], depth + 1)
        assert node["reply_count"] == len(below)
        assert all(reply["parent_id"] == node["id"] for reply in node["replies"])
        seen += [node, *below]
    return seen


async def _whole_thread(client: Any, slug: str) -> tuple[int, list[dict[str, Any]]]:
    nodes, cursor, count = [], None, -1
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"/api/v1/articles/{slug}/comments", params=params)).json()
        count = page["count"]
        nodes += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return count, _walk(nodes)


async def test_every_visible_comment_is_in_the_thread_once_with_counters_that_match(client: Any) -> None:
    count, nodes = await _whole_thread(client, "big")
    assert count == len(nodes) == 120
    assert len({node["id"] for node in nodes}) == 120
    assert all(node["status"] == "approved" and node["body_html"] for node in nodes)
    roots = [int(node["id"]) for node in nodes if node["parent_id"] is None]
    assert len(roots) == 30
    assert roots == sorted(roots)
    assert max(node["depth"] for node in nodes) <= 3
    counts = (await client.get("/api/v1/counts", params={"slug": ["big", "held", "none"]})).json()
    assert counts == {"counts": {"big": 120, "held": 7, "none": 0}}


async def test_pending_comments_wait_in_the_queue(client: Any) -> None:
    services: Services = running(client.app).services
    _, secret = await services.tokens.create("bench", Role.ADMIN)
    headers = {"Authorization": f"Bearer {secret}"}
    stats = (await client.get("/api/v1/admin/queue/stats", headers=headers)).json()
    assert stats == {"pending": 18, "flagged": 0, "spam": 0, "rejected": 0}
    page = (await client.get("/api/v1/admin/queue", params={"limit": 200}, headers=headers)).json()
    assert len(page["items"]) == 18
    assert {item["article"]["slug"] for item in page["items"]} == {"big", "held"}


async def test_a_new_reply_lands_after_the_generated_rows_and_counts(client: Any) -> None:
    _, nodes = await _whole_thread(client, "big")
    parent = next(node for node in nodes if node["depth"] == 1)
    reply = {
        "author_name": "New Reader",
        "author_email": "new@example.com",
        "body": "A fresh reply.",
        "parent_id": parent["id"],
    }
    answer = await client.post("/api/v1/articles/big/comments", json=reply)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "approved"
    assert int(answer.json()["comment"]["id"]) == 146
    count, after = await _whole_thread(client, "big")
    assert count == len(after) == 121


def test_isso_holds_the_same_comments_with_replies_under_their_top_level_comment(databases: tuple[Path, Path]) -> None:
    parley_db, isso_db = databases
    with closing(sqlite3.connect(parley_db)) as parley, closing(sqlite3.connect(isso_db)) as isso:
        ours = parley.execute(
            "SELECT c.id, a.slug, c.root_id, c.parent_id, c.status, c.body, c.author_name, c.author_email"
            " FROM comments c JOIN articles a ON a.id = c.article_id ORDER BY c.id"
        ).fetchall()
        theirs = isso.execute(
            "SELECT c.id, t.uri, c.parent, c.mode, c.text, c.author, c.email"
            " FROM comments c JOIN threads t ON t.id = c.tid ORDER BY c.id"
        ).fetchall()
    assert len(ours) == len(theirs) == 145
    assert 1 < len({row[5] for row in ours}) <= 50
    for (cid, slug, root, parent, status, body, name, email), isso_row in zip(ours, theirs, strict=True):
        flattened = None if parent is None else root
        mode = 1 if status == "approved" else 2
        assert isso_row == (cid, f"/bench/{slug}/", flattened, mode, body, name, email)


def test_scale_spreads_the_comments_over_the_articles() -> None:
    specs = gen.shapes(["scale"], comments=10_000, articles=None, pending=None)
    assert len(specs) == 100
    assert specs[0].slug == "bench-t200"
    assert sum(spec.approved + spec.pending for spec in specs) == 10_000
    assert sum(spec.pending for spec in specs) == 100
