"""Backups: `parley backup` during writes gives a sound copy holding every comment acknowledged before it began."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from parley.app import create_app
from parley.cli import main
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders
from tests.http.helpers import connect, make_article, set_policy, thread

WRITERS = 8


@pytest.mark.sqlite_only
async def test_a_backup_taken_during_writes_restores_every_comment_acknowledged_before_it_began(
    app_in_loop: Litestar, settings: Settings, tmp_path: Path
) -> None:
    services: Services = running(app_in_loop).services
    articles = [await make_article(services) for _ in range(2)]
    await set_policy(services, moderation="post")
    acknowledged: list[int] = []
    stop = asyncio.Event()

    async def writer(n: int) -> None:
        slug = articles[n % 2].slug
        async with connect(app_in_loop, f"198.51.100.{n}") as client:
            while not stop.is_set():
                response = await client.post(f"/api/v1/articles/{slug}/comments", json=builders.comment())
                assert response.status_code == 201, response.text
                acknowledged.append(int(response.json()["comment"]["id"]))

    writers = [asyncio.create_task(writer(n)) for n in range(WRITERS)]

    async def until(count: int) -> None:
        async with asyncio.timeout(60):
            while len(acknowledged) < count:
                for task in writers:
                    if task.done():
                        task.result()  # a writer that failed fails the test with its own error
                await asyncio.sleep(0.01)

    await until(200)
    before = set(acknowledged)
    target = tmp_path / "backups" / "parley-backup.db"
    target.parent.mkdir()
    exit_code = await asyncio.to_thread(main, ["backup", str(target), "--database", settings.database])
    during = len(acknowledged) - len(before)
    await until(len(before) + during + 50)  # the service kept writing after it, too
    stop.set()
    await asyncio.gather(*writers)
    assert exit_code == 0

    # The documented restore: with the service stopped, copy the backup over the database file, remove -wal/-shm.
    restored = tmp_path / "restored" / "parley.db"
    restored.parent.mkdir()
    shutil.copyfile(target, restored)
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {row[0] for row in conn.execute("SELECT id FROM comments")}
        counts = conn.execute(
            "SELECT a.comment_count, (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.visible = 1)"
            " FROM articles a"
        ).fetchall()
    assert before <= stored
    assert stored <= set(acknowledged)
    assert all(kept == visible for kept, visible in counts)  # one snapshot: no comment without its count

    again = Settings(database=str(restored), access_log=False, writes_per_minute=0, reads_per_minute=0)
    async with AsyncTestClient(create_app(again)) as restarted:
        shown = [(await thread(restarted, article.slug, limit=100))["count"] for article in articles]
    assert sum(shown) == len(stored)


def test_a_backup_of_a_missing_database_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", str(tmp_path / "copy.db"), "--database", str(tmp_path / "missing.db")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("parley: error: no database at")
    assert error.count("\n") == 1
    assert not (tmp_path / "missing.db").exists()
    assert not (tmp_path / "copy.db").exists()
