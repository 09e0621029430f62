"""What only the SQLite backend promises: its pragmas, migrations and the database-level guards."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from pathlib import Path

import pytest

from parley.domain.paging import Sort
from parley.domain.records import AuditQuery, NewBan
from parley.storage.sqlite.database import SqliteStore, migrate, migrations
from tests import builders
from tests.storage.test_store_contract import add_comment


def test_migrations_are_numbered_and_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    latest = migrations()[-1][0]
    assert migrate(path) == latest
    assert migrate(path) == latest
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = await SqliteStore(tmp_path / "p.db").open()
    try:
        async with store.writing() as tx:
            conn = tx.conn  # type: ignore[attr-defined]
            assert (await conn.execute_fetchall("PRAGMA foreign_keys"))[0][0] == 1
            assert (await conn.execute_fetchall("PRAGMA busy_timeout"))[0][0] == 5000
            assert (await conn.execute_fetchall("PRAGMA journal_mode"))[0][0] == "wal"
            assert (await conn.execute_fetchall("PRAGMA synchronous"))[0][0] == 2  # FULL
    finally:
        await store.close()


async def test_readers_cannot_write(tmp_path: Path) -> None:
    store = await SqliteStore(tmp_path / "p.db").open()
    try:
        async with store.reading() as tx:
            with pytest.raises(sqlite3.OperationalError):
                await tx.conn.execute("INSERT INTO authors (slug, name) VALUES ('a', 'A')")  # type: ignore[attr-defined]
    finally:
        await store.close()


def test_the_audit_log_refuses_updates_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    migrate(path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO audit_events (actor, action, created_at) VALUES ('x', 'y', 'z')")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_events SET actor = 'forged'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_events")


def test_statuses_outside_the_five_are_refused_by_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    migrate(path)
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO comments (article_id, root_id, depth, path, status, visible, author_name, author_key,"
            " address_hash, body, body_html, body_hash, created_at, edit_token_hash)"
            " VALUES (1, 1, 0, 'p', 'published', 1, 'a', 'k', 'h', 'b', 'b', 'h', 't', 't')"
        )


async def test_a_heavy_read_cancelled_at_any_point_leaves_every_reader_usable(tmp_path: Path) -> None:
    """Cancelled after 0, 1, 2, ... turns of the event loop: wherever the cancellation lands (waiting for a
    reader, its BEGIN queued on the reader's thread, a query in flight), the pool's readers all read again."""
    store = await SqliteStore(tmp_path / "cancel.db", readers=2).open()
    try:
        for turns in range(40):

            async def read() -> None:
                async with store.reading(heavy=True) as tx:
                    await tx.comments.queue_stats()
                    await tx.audit.query(AuditQuery())

            task = asyncio.create_task(read())
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            # Both readers at once: a reader left inside a transaction would fail its next BEGIN.
            await asyncio.gather(read(), read(), read())
    finally:
        await store.close()


def _with_a_column_in_the_middle(path: Path, table: str, after: str) -> None:
    """Rebuild `table` with a new column right after `after`, data kept, as a later migration might."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        spot = names.index(after) + 1
        declared = [f'"{name}"' for name in names]
        declared.insert(spot, "wedged TEXT DEFAULT 'in the way'")
        conn.execute("BEGIN")
        conn.execute(f"CREATE TABLE {table}_new ({', '.join(declared)})")
        copied = ", ".join(names)  # the table's own column names, from PRAGMA table_info
        conn.execute(f"INSERT INTO {table}_new ({copied}) SELECT {copied} FROM {table}")  # noqa: S608
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_a_column_added_in_the_middle_of_a_table_shifts_nothing(tmp_path: Path) -> None:
    """Rows are read by column name: a column wedged between others changes no record read back."""
    path = tmp_path / "wedged.db"
    store = await SqliteStore(path).open()
    try:
        async with store.writing() as tx:
            article = await tx.articles.insert(
                builders.article(tags=("a", "b")), body_html="<p>x</p>", reading_minutes=3, now=builders.PUBLISHED
            )
            comment = await add_comment(tx, article)
            new = NewBan(
                email_hash="e",
                address_hash="n",
                prefix=24,
                reason="r",
                created_by="m",
                at=builders.PUBLISHED,
                expires_at=None,
                email="e@x.org",
                network="192.0.2.0/24",
                comment_id=7,
            )
            ban = await tx.bans.add(new)
        async with store.reading() as tx:
            before = (await tx.articles.by_slug(article.slug, now=None), await tx.comments.get(comment.id))
    finally:
        await store.close()
    for table, after in (("articles", "slug"), ("comments", "depth"), ("bans", "email_hash")):
        _with_a_column_in_the_middle(path, table, after)
    store = await SqliteStore(path).open()
    try:
        async with store.reading() as tx:
            after = (await tx.articles.by_slug(article.slug, now=None), await tx.comments.get(comment.id))
            assert after == before
            page = await tx.comments.thread(article.id, sort=Sort.OLDEST, after=None, limit=5, budget=50, own_id=None)
        assert [row.id for row in page.rows] == [comment.id]
        assert page.rows[0].body_html == comment.body_html
        async with store.reading(heavy=True) as tx:
            assert await tx.bans.get(ban.id) == ban
    finally:
        await store.close()


def test_no_storage_code_reads_a_column_by_its_position() -> None:
    source = Path(__file__).resolve().parents[2] / "src" / "parley" / "storage"
    found = [
        f"{path.name}:{number}"
        for path in source.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\brow\[\d", line)
    ]
    assert found == []


def test_migration_4_says_who_removed_each_removed_comment_from_the_audit_log(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in migrations():
        if number <= 3:
            conn.executescript(script)
    conn.execute("INSERT INTO authors (id, slug, name) VALUES (1, 'a', 'A')")
    conn.execute(
        "INSERT INTO articles (id, slug, title, author_id, published_at, body, body_html, reading_minutes, created_at,"
        " updated_at) VALUES (1, 'x', 'X', 1, 't', 'b', 'b', 1, 't', 't')"
    )
    for cid, status in ((1, "removed"), (2, "removed"), (3, "removed"), (4, "approved")):
        conn.execute(
            "INSERT INTO comments (id, article_id, root_id, depth, path, status, visible, author_name, author_key,"
            " address_hash, body, body_html, body_hash, created_at, edit_token_hash)"
            " VALUES (?, 1, ?, 0, ?, ?, 0, 'n', 'k', 'h', 'b', 'b', 'bh', 't', ?)",
            (cid, cid, f"{cid:014x}", status, f"token-{cid}"),
        )
    events = [(1, "create"), (1, "delete"), (2, "create"), (2, "remove"), (3, "create"), (3, "purge"), (4, "create")]
    for cid, action in events:
        conn.execute(
            "INSERT INTO audit_events (comment_id, actor, action, created_at) VALUES (?, 'x', ?, 't')", (cid, action)
        )
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    migrate(path)
    with sqlite3.connect(path) as after:
        found = dict(after.execute("SELECT id, removed_by FROM comments ORDER BY id").fetchall())
    assert found == {1: "author", 2: "moderator", 3: "erasure", 4: None}


def test_migration_5_finds_the_comment_each_older_ban_of_an_author_was_made_from(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in migrations():
        if number <= 4:
            conn.executescript(script)
    for ban_id in (1, 2, 12):
        conn.execute("INSERT INTO bans (id, address_hash, created_by, created_at) VALUES (?, 'h', 'm', 't')", (ban_id,))
    for comment_id, reason in ((None, "ban 1: spam"), (30, "ban 2 of the author of comment 30"), (40, "ban 12")):
        conn.execute(
            "INSERT INTO audit_events (comment_id, actor, action, reason, created_at) VALUES (?, 'm', 'ban', ?, 't')",
            (comment_id, reason),
        )
    conn.execute("PRAGMA user_version = 4")
    conn.close()
    migrate(path)
    with sqlite3.connect(path) as after:
        found = dict(after.execute("SELECT id, comment_id FROM bans ORDER BY id").fetchall())
    assert found == {1: None, 2: 30, 12: 40}
