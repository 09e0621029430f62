"""Privacy: no public answer carries an email, an address or a hash; addresses are kept only hashed; purge."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar

from parley.app import create_app
from parley.cli import main
from parley.domain.records import Role
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders, peek
from tests.http.helpers import Client, connect, make_article, post, set_policy, thread
from tests.logs import Lines


def on_disk_files(settings: Settings) -> bytes:
    """The SQLite files' raw bytes (PostgreSQL's files are its server's, read through `peek.dump` instead)."""
    return b"".join(path.read_bytes() for path in Path(settings.database).parent.glob("parley.db*"))


SECRET_NAME = re.compile(r"email|address|(^|_)ip(_|$)|hash|token", re.IGNORECASE)
ALLOWED = {"edit_token", "author_token"}  # the receipt's, shown to the author who just posted


def _names(node: Any, components: dict[str, Any], seen: set[str]) -> set[str]:
    """Every property name reachable from a piece of the document, following each $ref once."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _names(item, components, seen)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.rsplit("/", 1)[-1] not in seen:
            seen.add(ref.rsplit("/", 1)[-1])
            found |= _names(components[ref.rsplit("/", 1)[-1]], components, seen)
        if isinstance(node.get("properties"), dict):
            found |= set(node["properties"])
        for value in node.values():
            found |= _names(value, components, seen)
    return found


def _response_properties(document: dict[str, Any], *, admin: bool) -> set[str]:
    components = document["components"]["schemas"]
    found: set[str] = set()
    for path, operations in document["paths"].items():
        if path.startswith("/api/v1/admin") != admin:
            continue
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                found |= _names(response, components, set())
    return found


async def test_no_public_response_schema_has_a_field_for_an_email_address_hash_or_token(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    public = _response_properties(document, admin=False)
    assert {"edit_token", "body_html", "replies", "more_from_author"} <= public  # the walk reaches nested schemas
    assert {name for name in public if SECRET_NAME.search(name)} == ALLOWED
    assert "email" in _response_properties(document, admin=True)  # and it would see one if it were there


async def test_a_real_thread_shows_no_email_hash_or_token_of_its_authors(
    client: Client, services: Services, settings: Settings
) -> None:
    article = await make_article(services)
    await set_policy(services, moderation="post", hold_words=("later",))
    emails = ["ann@example.org", "bob@example.org", "cy@example.org"]
    receipts = [(await post(client, article.slug, author_email=email)).json() for email in emails]
    await post(client, article.slug, author_email="dee@example.org", parent_id=receipts[0]["comment"]["id"])
    pending = await post(client, article.slug, author_email="eve@example.org", body="see you later")
    own = pending.json()["edit_token"]
    answers = [
        await client.get("/api/v1/articles"),
        await client.get(f"/api/v1/articles/{article.slug}"),
        await client.get(f"/api/v1/comments/{receipts[0]['comment']['id']}"),
        await client.get(f"/api/v1/counts?slug={article.slug}"),
        await client.get(f"/api/v1/articles/{article.slug}/comments", headers={"X-Edit-Token": own}),
        *[await client.get(f"/api/v1/articles/{article.slug}/comments?sort={sort}") for sort in ("newest", "top")],
    ]
    assert (await thread(client, article.slug))["count"] == 4
    kept = [
        value
        for row in await peek.rows(
            settings, "SELECT email_hash, address_hash, edit_token_hash, author_key, author_token_hash FROM comments"
        )
        for value in row.values()
    ]
    assert len(kept) == 25
    shown = "\n".join(answer.text + str(answer.headers) for answer in answers)
    tokens = [receipt["author_token"] for receipt in receipts]
    for secret in [*emails, "dee@example.org", "eve@example.org", "testclient", *kept, *tokens]:
        assert secret not in shown


async def test_a_network_address_is_stored_only_as_a_keyed_hash(app_in_loop: Litestar, settings: Settings) -> None:
    services: Services = running(app_in_loop).services
    article = await make_article(services)
    await set_policy(services, moderation="post")
    _, secret = await services.tokens.create("desk", Role.MODERATOR)
    async with connect(app_in_loop, "203.0.113.77") as reader, connect(app_in_loop) as desk:
        receipt = (await reader.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())).json()
        flagged = await reader.post(f"/api/v1/comments/{receipt['comment']['id']}/flags", json={"reason": "spam"})
        banned = await desk.post(
            "/api/v1/admin/bans", json={"address": "203.0.113.78"}, headers={"Authorization": f"Bearer {secret}"}
        )
    assert (flagged.status_code, banned.status_code) == (202, 201)
    dump = await peek.dump(settings)
    (address_hash,) = [row["address_hash"] for row in await peek.rows(settings, "SELECT address_hash FROM comments")]
    assert len(address_hash) == 64
    on_disk = on_disk_files(settings)
    for address in ("203.0.113.77", "203.0.113.78"):
        assert address not in dump
        assert address.encode() not in on_disk


async def test_purge_anonymises_an_author_keeps_the_thread_shape_and_audits_a_count(
    client: Client, services: Services, settings: Settings
) -> None:
    article = await make_article(services)
    await set_policy(services, moderation="post")
    _, secret = await services.tokens.create("desk", Role.ADMIN)
    moderator = {"Authorization": f"Bearer {secret}"}
    alice = {"author_name": "Alice Quill", "author_email": "alice@example.org", "author_url": "https://alice.example"}
    first = (await post(client, article.slug, body="alice wrote this first", **alice)).json()["comment"]
    reply = (await post(client, article.slug, parent_id=first["id"], body="bob answers")).json()["comment"]
    second = (
        await client.post(
            f"/api/v1/articles/{article.slug}/comments",
            json=builders.comment(body="alice again, alone", **alice),
            headers={"Idempotency-Key": "alice-2"},
        )
    ).json()["comment"]
    third = (await post(client, article.slug, body="alice, rejected", **alice)).json()["comment"]
    await client.post(f"/api/v1/admin/comments/{third['id']}/moderate", json={"action": "reject"}, headers=moderator)
    await client.post(f"/api/v1/comments/{first['id']}/flags", json={"reason": "abuse", "note": "rude"})
    assert (await thread(client, article.slug))["count"] == 3

    exit_code = await asyncio.to_thread(main, ["purge", "--email", "Alice@Example.org", *peek.database_args(settings)])

    assert exit_code == 0
    shown = await thread(client, article.slug)
    assert shown["count"] == 1
    assert [(node["id"], node["status"], node["author"], node["body_html"]) for node in shown["items"]] == [
        (first["id"], "removed", None, None)
    ]
    assert [node["id"] for node in shown["items"][0]["replies"]] == [reply["id"]]
    assert (await client.get(f"/api/v1/articles/{article.slug}")).json()["comments"]["count"] == 1
    assert (await client.get(f"/api/v1/comments/{second['id']}")).status_code == 404
    restore = await client.post(
        f"/api/v1/admin/comments/{third['id']}/moderate", json={"action": "restore"}, headers=moderator
    )
    assert restore.status_code == 409
    flagged = (await client.get("/api/v1/admin/queue?state=flagged", headers=moderator)).json()
    assert flagged["items"] == []
    audit = (await client.get("/api/v1/admin/audit?action=purge", headers=moderator)).json()["items"]
    assert {event["actor"] for event in audit} == {"admin:cli"}
    assert sorted(event["comment_id"] or "" for event in audit) == sorted(["", first["id"], second["id"], third["id"]])
    assert "3 comment(s)" in next(event["reason"] for event in audit if event["comment_id"] is None)
    dump = await peek.dump(settings)
    on_disk = on_disk_files(settings)
    for trace in ("alice@example.org", "Alice Quill", "alice.example", "alice wrote this", "alice again", "rude"):
        assert trace not in dump
        assert trace.encode() not in on_disk
    assert "bob answers" in dump


async def test_purging_an_unknown_email_changes_nothing_but_is_audited(
    client: Client, services: Services, settings: Settings
) -> None:
    article = await make_article(services)
    await set_policy(services, moderation="post")
    await post(client, article.slug, author_email="kept@example.org")
    assert await asyncio.to_thread(main, ["purge", "--email", "nobody@example.org", *peek.database_args(settings)]) == 0
    assert (await thread(client, article.slug))["count"] == 1


def test_purge_needs_an_email(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", *peek.database_args(settings)]) == 0
    capsys.readouterr()
    assert main(["purge", "--email", "not an email", *peek.database_args(settings)]) == 1
    assert capsys.readouterr().err.splitlines()[-1].startswith("parley: error: email")


@pytest.mark.parametrize("action", ["purge", "hold", "delete"])
async def test_a_moderator_may_send_only_the_five_decisions(client: Client, services: Services, action: str) -> None:
    article = await make_article(services)
    comment = (await post(client, article.slug)).json()["comment"]
    _, secret = await services.tokens.create("desk", Role.MODERATOR)
    response = await client.post(
        f"/api/v1/admin/comments/{comment['id']}/moderate",
        json={"action": action},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422


async def test_an_idempotent_retry_after_a_purge_is_404_and_creates_nothing(
    client: Client, services: Services, settings: Settings
) -> None:
    article = await make_article(services)
    fields = builders.comment(author_email="gone@example.org")
    headers = {"Idempotency-Key": "retry-after-purge"}
    url = f"/api/v1/articles/{article.slug}/comments"
    assert (await client.post(url, json=fields, headers=headers)).status_code == 201
    assert await asyncio.to_thread(main, ["purge", "--email", "gone@example.org", *peek.database_args(settings)]) == 0
    again = await client.post(url, json=fields, headers=headers)
    assert again.status_code == 404
    assert again.json()["code"] == "erased"
    assert len(await peek.rows(settings, "SELECT id FROM comments")) == 1
    responses = await peek.rows(settings, "SELECT response FROM idempotency_keys")
    assert fields["body"].encode() not in b"".join(bytes(row["response"]) for row in responses)


async def test_rate_limit_counters_and_access_logs_name_no_address(settings: Settings) -> None:
    limited = msgspec.structs.replace(settings, writes_per_minute=5, reads_per_minute=50, access_log=True)
    app = create_app(limited)
    log = Lines()
    async with app.lifespan(), connect(app, "203.0.113.79") as reader:
        # Attached once the app has configured logging, which replaces the handlers it finds.
        logging.getLogger("parley.access").addHandler(log)
        article = await make_article(running(app).services)
        await reader.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())
        await reader.get(f"/api/v1/articles/{article.slug}/comments")
    folders = {Path(settings.database).parent, limited.limits_folder}
    written = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    assert any("limits" in str(path) for path in written)
    for path in written:
        assert "203.0.113.79" not in str(path)
        assert b"203.0.113.79" not in path.read_bytes()
    logging.getLogger("parley.access").removeHandler(log)
    assert len(log.lines) == 2
    assert all("203.0.113.79" not in line and "client:" in line for line in log.lines)
