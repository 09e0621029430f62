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


DISQUS = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <category dsq:id="1"><forum>news</forum><title>General</title></category>
  <thread dsq:id="100"><id/><forum>news</forum><category dsq:id="1"/>
    <link>https://news.example.org/2026/storm-warning/</link><title>Storm warning</title>
    <createdAt>2026-01-01T10:00:00Z</createdAt></thread>
  <thread dsq:id="200"><link>https://news.example.org/other/unmapped-story/</link><title>Other</title></thread>
  <post dsq:id="1"><id/><message><![CDATA[<p>First <b>bold</b> <script>alert(1)</script></p>]]></message>
    <createdAt>2026-01-01T11:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><email>ann@example.org</email><name>Ann</name><isAnonymous>false</isAnonymous></author>
    <ipAddress>192.0.2.1</ipAddress><thread dsq:id="100"/></post>
  <post dsq:id="2"><message><![CDATA[<p>A reply.</p>]]></message><createdAt>2026-01-01T12:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Bo</name></author>
    <thread dsq:id="100"/><parent dsq:id="1"/></post>
  <post dsq:id="3"><message><![CDATA[<p>Deleted.</p>]]></message><createdAt>2026-01-01T13:00:00Z</createdAt>
    <isDeleted>true</isDeleted><isSpam>false</isSpam><author><name>Cy</name></author><thread dsq:id="100"/></post>
  <post dsq:id="4"><message><![CDATA[<p>Buy now.</p>]]></message><createdAt>2026-01-01T14:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>true</isSpam><author><name>Spammer</name></author>
    <thread dsq:id="100"/></post>
  <post dsq:id="5"><message><![CDATA[<p>Parent long gone.</p>]]></message>
    <createdAt>2026-01-01T15:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Di</name></author><thread dsq:id="100"/><parent dsq:id="999"/></post>
  <post dsq:id="6"><message>x</message><createdAt>not a date</createdAt><thread dsq:id="100"/></post>
  <post dsq:id="7"><message>y</message><createdAt>2026-01-01T16:00:00Z</createdAt><thread dsq:id="555"/></post>
</disqus>
"""

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>News</title>
<item><title>Storm warning</title><link>https://news.example.org/2026/storm-warning/</link>
  <wp:post_name>storm-warning</wp:post_name>
  <wp:comment><wp:comment_id>11</wp:comment_id><wp:comment_author>Ann</wp:comment_author>
    <wp:comment_author_email>ann@example.org</wp:comment_author_email>
    <wp:comment_author_url>https://ann.example</wp:comment_author_url>
    <wp:comment_author_IP>192.0.2.9</wp:comment_author_IP>
    <wp:comment_date_gmt>2026-01-02 09:00:00</wp:comment_date_gmt>
    <wp:comment_content><![CDATA[Two lines
in one paragraph.

A second <em>paragraph</em>.]]></wp:comment_content>
    <wp:comment_approved>1</wp:comment_approved><wp:comment_type></wp:comment_type>
    <wp:comment_parent>0</wp:comment_parent></wp:comment>
  <wp:comment><wp:comment_id>12</wp:comment_id><wp:comment_author>Bo</wp:comment_author>
    <wp:comment_date_gmt>2026-01-02 10:00:00</wp:comment_date_gmt>
    <wp:comment_content>Agreed.</wp:comment_content><wp:comment_approved>0</wp:comment_approved>
    <wp:comment_parent>11</wp:comment_parent></wp:comment>
  <wp:comment><wp:comment_id>13</wp:comment_id><wp:comment_author>Spam</wp:comment_author>
    <wp:comment_date_gmt>2026-01-02 11:00:00</wp:comment_date_gmt>
    <wp:comment_content>Cheap pills</wp:comment_content><wp:comment_approved>spam</wp:comment_approved>
    <wp:comment_parent>0</wp:comment_parent></wp:comment>
  <wp:comment><wp:comment_id>14</wp:comment_id><wp:comment_author>Blog</wp:comment_author>
    <wp:comment_date_gmt>2026-01-02 12:00:00</wp:comment_date_gmt><wp:comment_content>Linked</wp:comment_content>
    <wp:comment_approved>1</wp:comment_approved><wp:comment_type>pingback</wp:comment_type></wp:comment>
  <wp:comment><wp:comment_id>15</wp:comment_id><wp:comment_author>Old</wp:comment_author>
    <wp:comment_date_gmt>0000-00-00 00:00:00</wp:comment_date_gmt><wp:comment_content>?</wp:comment_content>
    <wp:comment_approved>1</wp:comment_approved></wp:comment>
  <wp:comment><wp:comment_id>16</wp:comment_id><wp:comment_author>Tr</wp:comment_author>
    <wp:comment_date_gmt>2026-01-02 13:00:00</wp:comment_date_gmt><wp:comment_content>Binned</wp:comment_content>
    <wp:comment_approved>trash</wp:comment_approved></wp:comment>
  <wp:comment><wp:comment_id>17</wp:comment_id><wp:comment_author>Odd</wp:comment_author>
    <wp:comment_date_gmt>2026-01-02 14:00:00</wp:comment_date_gmt><wp:comment_content>Hm</wp:comment_content>
    <wp:comment_approved>post-trashed</wp:comment_approved></wp:comment>
</item>
</channel></rss>
"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<disqus><thread><link>&lol2;</link></thread></disqus>
"""


def export(settings: Settings, kind: str, source: Path, *extra: str) -> int:
    return main(["import", kind, str(source), *peek.database_args(settings), *extra])


async def test_a_disqus_export_imports_with_html_sanitized_spam_kept_and_deleted_posts_removed(
    tmp_path: Path, settings: Settings, site: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, client, admin = site
    source = tmp_path / "disqus.xml"
    source.write_text(DISQUS)
    capsys.readouterr()
    assert await asyncio.to_thread(export, settings, "disqus", source, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "disqus: 2 thread(s), 5 comment(s)" in out  # thread 200 has none; post 7's thread does not exist
    assert "approved: 3" in out
    assert "spam: 1" in out
    assert "removed: 1" in out
    assert "replies whose parent is missing, started a thread: 1" in out
    assert "comment with an impossible date: dropped: 1" in out
    assert "comment of no thread: dropped: 1" in out
    assert await comments_stored(settings) == 0
    assert await asyncio.to_thread(export, settings, "disqus", source) == 0
    thread = (await client.get("/api/v1/articles/storm-warning/comments")).json()
    assert thread["count"] == 3
    first = thread["items"][0]
    assert first["body_html"] == "<p>First bold </p>"
    assert first["replies"][0]["body_html"] == "<p>A reply.</p>"
    spam = (await client.get("/api/v1/admin/queue?state=spam", headers=admin)).json()["items"]
    assert [item["comment"]["author"]["name"] for item in spam] == ["Spammer"]
    capsys.readouterr()
    assert await asyncio.to_thread(export, settings, "disqus", source) == 0
    assert "imported: 0; already there from an earlier run: 5" in capsys.readouterr().out


async def test_a_wordpress_export_keeps_paragraphs_states_and_drops_pingbacks(
    tmp_path: Path, settings: Settings, site: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, client, admin = site
    source = tmp_path / "export.wxr"
    source.write_text(WXR)
    capsys.readouterr()
    assert await asyncio.to_thread(export, settings, "wordpress", source) == 0
    out = capsys.readouterr().out
    assert "wordpress: 1 thread(s), 5 comment(s)" in out
    assert "pingback: dropped: 1" in out
    assert "comment with an impossible date: dropped: 1" in out
    assert "unknown state: held for a moderator: 1" in out
    (ann,) = (await client.get("/api/v1/articles/storm-warning/comments")).json()["items"]
    assert ann["body_html"] == "<p>Two lines<br>\nin one paragraph.</p>\n<p>A second <em>paragraph</em>.</p>\n"
    assert ann["author"] == {"name": "Ann", "url": "https://ann.example"}
    pending = (await client.get("/api/v1/admin/queue?state=pending", headers=admin)).json()["items"]
    assert sorted(item["comment"]["body"] for item in pending) == ["<p>Agreed.</p>\n", "<p>Hm</p>\n"]


async def test_an_export_with_entity_tricks_or_broken_xml_is_refused_and_changes_nothing(
    tmp_path: Path, settings: Settings, site: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb, broken = tmp_path / "bomb.xml", tmp_path / "broken.xml"
    bomb.write_text(LAUGHS)
    broken.write_text("<disqus><thread>")
    for path in (bomb, broken):
        assert await asyncio.to_thread(export, settings, "disqus", path) == 2
        assert "is not a readable disqus export" in capsys.readouterr().err
    assert await comments_stored(settings) == 0
