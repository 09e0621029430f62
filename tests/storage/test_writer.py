"""Group commit on SQLite's one writer: units share transactions, fail alone, and return after COMMIT."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from parley.storage.sqlite.database import SqliteStore


async def open_store(tmp_path: Path) -> tuple[SqliteStore, list[str]]:
    store = await SqliteStore(tmp_path / "w.db").open()
    statements: list[str] = []
    async with store.writing() as tx:
        await tx.conn.set_trace_callback(statements.append)
    statements.clear()
    return store, statements


async def insert(store: SqliteStore, slug: str, *, fail: bool = False) -> None:
    async with store.writing() as tx:
        await tx.conn.execute("INSERT INTO authors (slug, name) VALUES (?, ?)", (slug, slug))
        await asyncio.sleep(0)
        if fail:
            raise RuntimeError("this unit fails")


def committed_slugs(tmp_path: Path) -> set[str]:
    with sqlite3.connect(tmp_path / "w.db") as conn:
        return {row[0] for row in conn.execute("SELECT slug FROM authors")}


async def test_a_unit_returns_only_after_its_commit_is_visible_to_other_connections(tmp_path: Path) -> None:
    store, _ = await open_store(tmp_path)
    try:
        await insert(store, "alone")
        assert committed_slugs(tmp_path) == {"alone"}
    finally:
        await store.close()


async def test_concurrent_units_share_commits(tmp_path: Path) -> None:
    store, statements = await open_store(tmp_path)
    try:
        await asyncio.gather(*(insert(store, f"a{i}") for i in range(40)))
        assert committed_slugs(tmp_path) == {f"a{i}" for i in range(40)}
        commits = [s for s in statements if s.strip().upper() == "COMMIT"]
        assert 1 <= len(commits) < 40
    finally:
        await store.close()


async def test_a_failing_unit_undoes_only_itself(tmp_path: Path) -> None:
    store, _ = await open_store(tmp_path)
    try:
        results = await asyncio.gather(
            insert(store, "kept-1"), insert(store, "lost", fail=True), insert(store, "kept-2"), return_exceptions=True
        )
        assert isinstance(results[1], RuntimeError)
        assert committed_slugs(tmp_path) == {"kept-1", "kept-2"}
    finally:
        await store.close()


async def test_a_failed_commit_reaches_every_unit_of_the_batch(tmp_path: Path) -> None:
    store, _ = await open_store(tmp_path)
    try:
        async with store.writing() as tx:
            # A deferred foreign key breaks only at COMMIT, failing the whole batch it shares.
            await tx.conn.execute("PRAGMA defer_foreign_keys = ON")
        results = await asyncio.gather(
            insert(store, "ok"),
            _dangling_article(store),
            return_exceptions=True,
        )
        assert all(isinstance(result, sqlite3.IntegrityError) for result in results)
        assert committed_slugs(tmp_path) == set()
        await insert(store, "after")
        assert committed_slugs(tmp_path) == {"after"}
    finally:
        await store.close()


async def _dangling_article(store: SqliteStore) -> None:
    async with store.writing() as tx:
        await tx.conn.execute("PRAGMA defer_foreign_keys = ON")
        await tx.conn.execute(
            "INSERT INTO articles (slug, title, author_id, published_at, body, body_html, reading_minutes,"
            " created_at, updated_at) VALUES ('x', 'x', 999, 't', 'b', 'b', 1, 't', 't')"
        )


@pytest.mark.parametrize("units", [1, 5])
async def test_units_see_earlier_units_of_their_batch(tmp_path: Path, units: int) -> None:
    store, _ = await open_store(tmp_path)
    try:
        await asyncio.gather(*(insert(store, f"s{i}") for i in range(units)))
        async with store.writing() as tx:
            rows = await tx.conn.execute_fetchall("SELECT COUNT(*) FROM authors")
        assert next(iter(rows))[0] == units
    finally:
        await store.close()


def slow(monkeypatch: pytest.MonkeyPatch, method: str, statement: str) -> None:
    """Make one of the writer's waits (BEGIN or COMMIT, run in a thread) take a while."""
    from parley.storage.sqlite.inline import InlineConnection

    original = getattr(InlineConnection, method)

    def slowly(self: InlineConnection, *args: str) -> None:
        if not args or args[0] == statement:
            time.sleep(0.2)
        original(self, *args)

    monkeypatch.setattr(InlineConnection, method, slowly)


async def test_a_unit_cancelled_while_its_batch_commits_does_not_fail_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = await open_store(tmp_path)
    slow(monkeypatch, "_finish", "COMMIT")
    try:
        first = asyncio.create_task(insert(store, "stays"))
        second = asyncio.create_task(insert(store, "cancelled-caller"))
        await asyncio.sleep(0.1)
        second.cancel()
        await first
        with pytest.raises(asyncio.CancelledError):
            await second
        await insert(store, "after")
        assert {"stays", "after"} <= committed_slugs(tmp_path)
    finally:
        await store.close()


async def test_a_unit_cancelled_while_beginning_gives_the_writer_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = await open_store(tmp_path)
    slow(monkeypatch, "_begin", "BEGIN IMMEDIATE")
    try:
        waiting = asyncio.create_task(insert(store, "never"))
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await insert(store, "after")
        assert committed_slugs(tmp_path) == {"after"}
    finally:
        await store.close()
