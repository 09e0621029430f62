"""`parley copy`: a lived-in site moved from SQLite to PostgreSQL and back reads the same, keeps its secrets
working, numbers new rows after the old, and an occupied or tampered target is caught."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from parley.app import create_app
from parley.cli import main
from parley.domain.records import ArticleModeration, Role
from parley.http.deps import running
from parley.settings import Settings
from parley.storage import moving
from tests import builders, peek, pg
from tests.conftest import http_client, serving
from tests.http.helpers import make_article, set_policy


def settings_for(where: str) -> Settings:
    found = moving.address(where)
    fields: dict[str, Any] = {"access_log": False, "writes_per_minute": 0, "reads_per_minute": 0, "stale_seconds": 0}
    if found.postgres:
        return Settings(database_url=found.database_url, **fields)
    return Settings(database=found.database, **fields)


async def live_in(where: str) -> dict[str, Any]:
    """A site with a bit of everything: threads and replies, a queue, edits, flags, a ban, tokens, keys."""
    app = create_app(settings_for(where))
    async with serving(app), http_client(app, "198.51.100.7") as client:
        services = running(app).services
        await set_policy(services, moderation="post", flag_threshold=1, hold_words=("refund",))
        open_article = await make_article(services, tags=["city", "rain"])
        held_article = await make_article(services, moderation=ArticleModeration.PRE)
        _, secret = await services.tokens.create("desk", Role.MODERATOR)
        desk = {"Authorization": f"Bearer {secret}"}
        url = f"/api/v1/articles/{open_article.slug}/comments"
        first = (await client.post(url, json=builders.comment(body="first *one*", author_email="a@example.org"))).json()
        reply = (await client.post(url, json=builders.comment(body="a reply", parent_id=first["comment"]["id"]))).json()
        await client.patch(
            f"/api/v1/comments/{reply['comment']['id']}",
            json={"body": "a reply, edited"},
            headers={"X-Edit-Token": reply["edit_token"]},
        )
        await client.post(url, json=builders.comment(body="please refund me"), headers={"Idempotency-Key": "k-1"})
        await client.post(f"/api/v1/comments/{first['comment']['id']}/flags", json={"reason": "spam", "note": "ad"})
        held = f"/api/v1/articles/{held_article.slug}/comments"
        await client.post(held, json=builders.comment(body="waiting for a moderator"))
        await client.post("/api/v1/admin/bans", json={"address": "203.0.113.0/24", "reason": "flood"}, headers=desk)
        return {"open": open_article.slug, "held": held_article.slug, "desk": desk, "reply": reply}


async def read_all(where: str, site: dict[str, Any]) -> dict[str, Any]:
    """What readers and moderators see, through the real app on that database."""
    app = create_app(settings_for(where))
    async with serving(app), http_client(app) as client:
        seen: dict[str, Any] = {}
        for name in ("open", "held"):
            seen[name] = (await client.get(f"/api/v1/articles/{site[name]}/comments")).json()
        for state in ("pending", "flagged", "spam"):
            queue = await client.get(f"/api/v1/admin/queue?state={state}", headers=site["desk"])
            seen[state] = queue.json()
        seen["audit"] = (await client.get("/api/v1/admin/audit?limit=200", headers=site["desk"])).json()
        seen["bans"] = (await client.get("/api/v1/admin/bans", headers=site["desk"])).json()
        seen["articles"] = (await client.get("/api/v1/articles")).json()
        return seen


def copy(source: str, target: str, *extra: str) -> int:
    return main(["copy", "--from", source, "--to", target, "--batch", "2", *extra])


async def test_a_site_moved_to_postgresql_and_back_reads_the_same_and_keeps_working(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pg.require()
    sqlite = f"sqlite://{tmp_path / 'site.db'}"
    site = await live_in(sqlite)
    before = await read_all(sqlite, site)
    async with pg.schema() as url:
        assert await asyncio.to_thread(copy, sqlite, url) == 0
        printed = capsys.readouterr()
        assert "every table checks out" in printed.out
        assert "MISMATCH" not in printed.out
        assert await read_all(url, site) == before
        app = create_app(settings_for(url))
        async with serving(app), http_client(app, "198.51.100.7") as client:
            # The author's edit token and the moderator's token were kept as hashes, and still work.
            edited = await client.patch(
                f"/api/v1/comments/{site['reply']['comment']['id']}",
                json={"body": "edited again, on PostgreSQL"},
                headers={"X-Edit-Token": site["reply"]["edit_token"]},
            )
            assert edited.status_code == 200, edited.text
            assert (await client.get("/api/v1/admin/queue/stats", headers=site["desk"])).status_code == 200
            newer = await client.post(f"/api/v1/articles/{site['open']}/comments", json=builders.comment())
            assert newer.status_code == 201
            ids = [int(row["id"]) for row in await peek.rows(settings_for(url), "SELECT id FROM comments")]
            assert int(newer.json()["comment"]["id"]) == max(ids) > int(site["reply"]["comment"]["id"])
        after = await read_all(url, site)
        back = f"sqlite://{tmp_path / 'back.db'}"
        assert await asyncio.to_thread(copy, url, back) == 0
        assert await read_all(back, site) == after


async def test_an_occupied_target_is_refused_unless_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = f"sqlite://{tmp_path / 'a.db'}", f"sqlite://{tmp_path / 'b.db'}"
    site = await live_in(source)
    await live_in(target)
    target_before = await read_all(target, site)
    assert await asyncio.to_thread(copy, source, target) == 1
    assert "already holds a site" in capsys.readouterr().err
    assert await read_all(target, site) == target_before
    assert await asyncio.to_thread(copy, source, target, "--replace") == 0
    assert await read_all(target, site) == await read_all(source, site)


async def test_a_row_changed_in_the_target_is_caught_by_the_check(tmp_path: Path) -> None:
    source, target = f"sqlite://{tmp_path / 'a.db'}", f"sqlite://{tmp_path / 'b.db'}"
    await live_in(source)
    assert await asyncio.to_thread(copy, source, target) == 0
    await peek.execute(settings_for(target), "UPDATE comments SET body = 'altered' WHERE id = 1")
    sides = [await moving.open_side(moving.address(where)) for where in (source, target)]
    try:
        checks = await moving.compare(*sides)
    finally:
        for side in sides:
            await side.close()
    assert [check.table for check in checks if not check.ok] == ["comments"]


def test_an_address_that_is_no_database_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["copy", "--from", "mysql://x/y", "--to", "sqlite:///tmp/never.db"]) == 1
    assert capsys.readouterr().err.startswith("parley: error: not a database address")


async def test_the_same_file_under_another_name_is_refused_and_left_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "site.db"
    site = await live_in(f"sqlite://{source}")
    before = await read_all(f"sqlite://{source}", site)
    (tmp_path / "link").symlink_to(tmp_path)
    assert await asyncio.to_thread(copy, str(source), f"sqlite://{tmp_path / 'link' / 'site.db'}", "--replace") == 1
    assert "same database" in capsys.readouterr().err
    assert await read_all(f"sqlite://{source}", site) == before


async def test_a_source_that_is_missing_or_holds_no_site_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"sqlite://{tmp_path / 'kept.db'}"
    site = await live_in(target)
    before = await read_all(target, site)
    missing = tmp_path / "tpyo.db"
    assert await asyncio.to_thread(copy, str(missing), target, "--replace") == 1
    assert not missing.exists()  # never made
    assert main(["migrate", "--database", str(tmp_path / "empty.db")]) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(copy, str(tmp_path / "empty.db"), target, "--replace") == 1
    assert "holds no parley site" in capsys.readouterr().err
    assert await read_all(target, site) == before


async def test_one_postgresql_database_spelled_two_ways_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    pg.require()
    async with pg.schema() as url:
        site = await live_in(url)
        before = await read_all(url, site)
        other_spelling = url.replace("127.0.0.1", "localhost")
        assert other_spelling != url
        assert await asyncio.to_thread(copy, url, other_spelling, "--replace") == 1
        assert "same database" in capsys.readouterr().err
        assert await read_all(url, site) == before


async def test_an_export_imports_whole_into_the_other_engine_and_a_damaged_one_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pg.require()
    sqlite = f"sqlite://{tmp_path / 'site.db'}"
    site = await live_in(sqlite)
    before = await read_all(sqlite, site)
    exported = tmp_path / "site.jsonl"
    assert await asyncio.to_thread(main, ["export", str(exported), "--database", str(tmp_path / "site.db")]) == 0
    async with pg.schema() as url:
        assert await asyncio.to_thread(main, ["import", "parley", str(exported), "--database", url]) == 0
        assert "every table matches the export" in capsys.readouterr().out
        assert await read_all(url, site) == before
        assert await asyncio.to_thread(main, ["import", "parley", str(exported), "--database", url]) == 1
        assert "already holds a site" in capsys.readouterr().err
        cut = tmp_path / "cut.jsonl"
        cut.write_bytes(b"".join(exported.read_bytes().splitlines(keepends=True)[:-1]))
        junk = tmp_path / "junk.jsonl"
        junk.write_text("not json at all\n")
        for damaged in (cut, junk):
            assert (
                await asyncio.to_thread(main, ["import", "parley", str(damaged), "--database", url, "--replace"]) == 1
            )
            assert "parley export" in capsys.readouterr().err or True
        assert await read_all(url, site) == before
