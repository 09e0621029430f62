"""`parley import isso`: an Isso database with the awkward cases real ones have (orphans, a cycle, unknown and
deleted states, HTML in bodies, bad e-mails and websites, impossible dates, threads with no article), reported
truthfully by a dry run that writes nothing, imported under the right articles, and re-run without duplicates."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from parley.app import create_app
from parley.cli import main
from parley.domain.records import Role
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders, peek
from tests.conftest import http_client, serving

# Isso 0.14's tables, as its own code creates them (isso/db/threads.py, isso/db/comments.py).
ISSO_SCHEMA = """
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER, created FLOAT NOT NULL, modified FLOAT,
    mode INTEGER, remote_addr VARCHAR, text VARCHAR NOT NULL, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL, notification INTEGER DEFAULT 0);
"""
T0 = 1_767_000_000.0  # 2025-12-29
STORM = "https://news.example.org/2026/storm-warning.html"
OTHER = "https://news.example.org/other/unmapped-story/"
# (id, thread, parent, created offset, mode, text, author, email, website)
ROWS: list[tuple[int, int, int | None, float, int, str, str, str, str]] = [
    (1, 1, None, 0, 1, "First, *approved*.", "Ann", "ann@example.org", "ann.example.org"),
    (2, 1, 1, 10, 1, "A reply to Ann.", "Bo", "", "https://bo.example"),
    (3, 1, 2, 20, 1, "A reply to Bo.", "Cy", "", ""),
    (4, 1, None, 30, 2, "Waiting for a moderator.", "Di", "", ""),
    (5, 1, None, 40, 4, "", "", "", ""),
    (6, 1, 5, 50, 1, "Still readable under a deleted comment.", "Ed", "", ""),
    (7, 1, 999, 60, 1, "My parent is gone.", "Fi", "", ""),
    (8, 1, 8, 70, 1, "I am my own parent.", "Gus", "", ""),
    (9, 1, None, 80, 3, "A state parley does not know.", "Hal", "", ""),
    (10, 1, None, 90, 1, "<script>alert(1)</script> **bold** <b>tag</b>", "Ivy", "", ""),
    (11, 1, None, 100, 1, "Odd details.", "Jo\x07", "not-an-email", "javascript:alert(1)"),
    (12, 1, None, -T0 - 5, 1, "Before the epoch.", "Kit", "", ""),
    (13, 2, None, 110, 1, "On a page parley has no article for.", "Lu", "", ""),
    (14, 3, None, 120, 1, "Of a thread that does not exist.", "Mo", "", ""),
]


def isso_database(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(ISSO_SCHEMA)
        conn.execute("INSERT INTO threads VALUES (1, ?, 'Storm warning')", (STORM,))
        conn.execute("INSERT INTO threads VALUES (2, ?, 'Another story')", (OTHER,))
        for cid, tid, parent, offset, mode, body, author, email, website in ROWS:
            conn.execute(
                "INSERT INTO comments (tid, id, parent, created, mode, remote_addr, text, author, email, website,"
                " voters) VALUES (?, ?, ?, ?, ?, '192.0.2.0', ?, ?, ?, ?, x'00')",
                (tid, cid, parent, T0 + offset, mode, body, author, email, website),
            )
    return path


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[tuple[Services, httpx.AsyncClient, dict[str, str]]]:
    app = create_app(settings)
    async with serving(app), http_client(app) as client:
        services = running(app).services
        await services.articles.create(builders.article(slug="storm-warning", title="Storm warning"), actor="test")
        _, secret = await services.tokens.create("desk", Role.ADMIN)
        yield services, client, {"Authorization": f"Bearer {secret}"}


def run(settings: Settings, source: Path, *extra: str) -> int:
    return main(["import", "isso", str(source), *peek.database_args(settings), *extra])


async def comments_stored(settings: Settings) -> int:
    return len(await peek.rows(settings, "SELECT id FROM comments"))


async def test_a_dry_run_reports_what_the_source_holds_and_writes_nothing(
    tmp_path: Path, settings: Settings, site: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    source = isso_database(tmp_path / "isso.db")
    capsys.readouterr()
    assert await asyncio.to_thread(run, settings, source, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "isso: 2 thread(s), 12 comment(s)" in out  # 14 rows: one of no thread, one with an impossible date
    assert "would import: 11; already there from an earlier run: 0" in out
    assert "approved: 8" in out
    assert "pending: 2" in out  # one waiting, one in a state parley does not know
    assert "removed: 1" in out
    assert "replies whose parent is missing, started a thread: 2" in out  # 7 (gone) and 8 (itself)
    assert OTHER in out
    assert "comment of no thread: dropped: 1" in out
    assert "comment with an impossible date: dropped: 1" in out
    assert await comments_stored(settings) == 0


async def test_an_import_builds_the_threads_keeps_states_and_renders_with_parleys_sanitizer(
    tmp_path: Path, settings: Settings, site: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, client, admin = site
    source = isso_database(tmp_path / "isso.db")
    assert await asyncio.to_thread(run, settings, source) == 0
    out = capsys.readouterr().out
    assert "e-mail that is no address: dropped: 1" in out
    assert "website that is no web address: dropped: 1" in out
    assert "author name with control characters: shown as Anonymous: 1" in out
    thread = (await client.get("/api/v1/articles/storm-warning/comments?limit=100")).json()
    assert thread["count"] == 8
    by_body = {}

    def walk(nodes: list[dict[str, Any]], depth: int) -> None:
        for node in nodes:
            assert node["depth"] == depth
            by_body[node["body_html"] or f"removed {node['id']}"] = node
            walk(node["replies"], depth + 1)

    walk(thread["items"], 0)
    ann = by_body["<p>First, <em>approved</em>.</p>\n"]
    assert ann["author"] == {"name": "Ann", "url": "https://ann.example.org"}
    assert ann["created_at"] == "2025-12-29T09:20:00.000000Z"
    assert ann["replies"][0]["replies"][0]["body_html"] == "<p>A reply to Bo.</p>\n"
    tombstone = next(node for node in thread["items"] if node["status"] == "removed")
    assert tombstone["replies"][0]["body_html"] == "<p>Still readable under a deleted comment.</p>\n"
    assert "<p>My parent is gone.</p>\n" in by_body
    assert "<p>I am my own parent.</p>\n" in by_body
    shown = json.dumps(thread)
    assert "<script" not in shown
    assert "<strong>bold</strong>" in shown
    odd = by_body["<p>Odd details.</p>\n"]
    assert odd["author"] == {"name": "Anonymous"}
    queue = (await client.get("/api/v1/admin/queue?state=pending", headers=admin)).json()["items"]
    assert sorted(item["comment"]["body"] for item in queue) == [
        "A state parley does not know.",
        "Waiting for a moderator.",
    ]
    audit = (await client.get("/api/v1/admin/audit?action=import", headers=admin)).json()["items"]
    assert [event["reason"] for event in audit] == [f"isso: 11 comment(s) from {STORM}"]
    assert (await client.get("/api/v1/articles/storm-warning")).json()["comments"]["count"] == 8


async def test_a_second_run_adds_nothing_and_new_articles_or_a_map_take_the_rest(
    tmp_path: Path, settings: Settings, site: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, client, _ = site
    source = isso_database(tmp_path / "isso.db")
    assert await asyncio.to_thread(run, settings, source) == 0
    stored = await comments_stored(settings)
    capsys.readouterr()
    assert await asyncio.to_thread(run, settings, source) == 0
    assert "imported: 0; already there from an earlier run: 11" in capsys.readouterr().out
    assert await comments_stored(settings) == stored
    mapping = tmp_path / "urls.csv"
    mapping.write_text(f"uri,slug\n{OTHER},storm-warning\n")
    assert await asyncio.to_thread(run, settings, source, "--map", str(mapping)) == 0
    assert await comments_stored(settings) == stored + 1
    assert (await client.get("/api/v1/articles/storm-warning")).json()["comments"]["count"] == 9


async def test_threads_with_no_article_can_have_one_made(
    tmp_path: Path, settings: Settings, site: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, client, _ = site
    source = isso_database(tmp_path / "isso.db")
    assert await asyncio.to_thread(run, settings, source, "--create-articles") == 0
    made = (await client.get("/api/v1/articles/unmapped-story")).json()
    assert made["title"] == "Another story"
    assert made["comments"]["count"] == 1


async def test_control_characters_no_engine_keeps_are_shown_as_replacements_and_counted(
    tmp_path: Path, settings: Settings, site: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, client, _ = site
    path = tmp_path / "nul.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(ISSO_SCHEMA)
        conn.execute("INSERT INTO threads VALUES (1, ?, ?)", (STORM + "\x00", "Storm\x00 warning"))
        conn.execute(
            "INSERT INTO comments (tid, id, created, mode, text, author, voters) VALUES (1, 1, ?, 1, ?, 'Nia', x'00')",
            (T0, "Null\x00byte and bell\x07."),
        )
    mapping = tmp_path / "urls.csv"
    mapping.write_text(f"{STORM}\x00,storm-warning\n")
    assert await asyncio.to_thread(run, settings, path, "--map", str(mapping)) == 0
    assert "body with control characters: each shown as U+FFFD: 1" in capsys.readouterr().out
    (node,) = (await client.get("/api/v1/articles/storm-warning/comments")).json()["items"]
    assert node["body_html"] == "<p>Null\ufffdbyte and bell\ufffd.</p>\n"
