"""Write the OpenAPI document's examples from a real session with the app: `python scripts/openapi_examples.py`.

Every example request below is sent to the real application (a fresh database, seeded), and what it answered
is kept beside it, so an example is never a guess at the wire format. The result is
`src/parley/http/examples.json`, keyed by "METHOD /path/template"; `http/openapi.py` puts each into its
operation, and `tests/http/test_openapi_document.py` checks that every body has one and that each still
decodes into its operation's own types.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from parley.app import create_app
from parley.domain import notices
from parley.domain.records import Role
from parley.http.deps import running
from parley.settings import Settings

OUT = Path(__file__).resolve().parents[1] / "src" / "parley" / "http" / "examples.json"
SLUG = "harbour-bridge-reopens"
ARTICLE = {
    "slug": SLUG,
    "title": "The Harbour Bridge Reopens After Two Years of Repairs",
    "author": {"slug": "elena-marsh", "name": "Elena Marsh"},
    "body": "Commuters crossed the harbour by bridge again on Monday morning.\n\nThe repairs cost 41 million.",
    "published_at": "2026-01-15T06:00:00Z",
    "tags": ["transport", "city"],
}


class Session:
    """A client that keeps each operation's first example request and answer."""

    def __init__(self, client: AsyncTestClient[Any], admin: dict[str, str]) -> None:
        self.client = client
        self.admin = admin
        self.kept: dict[str, dict[str, Any]] = {}

    async def call(self, method: str, template: str, path: str | None = None, **options: Any) -> Any:
        answer = await self.client.request(method, path or template, **options)
        assert answer.status_code < 300, (method, path, answer.text)
        body = answer.json() if answer.content else None
        example: dict[str, Any] = {}
        if "json" in options:
            example["request"] = options["json"]
        if body is not None:
            example["response"] = body
        self.kept.setdefault(f"{method} {template}", example)
        return body


async def articles_and_policy(session: Session) -> None:
    admin = session.admin
    await session.call("POST", "/api/v1/admin/articles", json=ARTICLE, headers=admin)
    one = f"/api/v1/admin/articles/{SLUG}"
    await session.call("GET", "/api/v1/admin/articles/{slug}", one, headers=admin)
    changes = {"title": "The Harbour Bridge Reopens", "moderation": "inherit", "comments_open": True}
    await session.call("PATCH", "/api/v1/admin/articles/{slug}", one, json=changes, headers=admin)
    policy = await session.client.get("/api/v1/admin/policy", headers=admin)
    whole = policy.json() | {"hold_words": ["scam"], "block_words": ["casino"], "max_links": 1}
    await session.call("PUT", "/api/v1/admin/policy", json=whole, headers=admin)
    await session.call("PATCH", "/api/v1/admin/policy", json={"moderation": "pre"}, headers=admin)
    await session.call("GET", "/api/v1/admin/policy", headers=admin)
    await session.call("GET", "/api/v1/articles", params={"limit": 2})
    await session.call("GET", "/api/v1/articles/{slug}", f"/api/v1/articles/{SLUG}")


async def comments(session: Session) -> tuple[str, str]:
    """A comment approved by a moderator, a reply, an edit and a flag; the ids of the comment and the reply."""
    thread = f"/api/v1/articles/{SLUG}/comments"
    first = {
        "author_name": "Ann Fisher",
        "author_email": "ann@example.org",
        "author_url": "https://ann.example.org",
        "body": "About time. The ferry queue added **forty minutes** to my day.",
    }
    receipt = await session.call("POST", "/api/v1/articles/{slug}/comments", thread, json=first)
    comment_id = receipt["comment"]["id"]
    decision = {"action": "approve", "reason": "on topic", "expected_status": "pending"}
    moderate = f"/api/v1/admin/comments/{comment_id}/moderate"
    await session.call(
        "POST", "/api/v1/admin/comments/{comment_id}/moderate", moderate, json=decision, headers=session.admin
    )
    reply = {"author_name": "Bo", "body": "Same here. Cycling across is the best part.", "parent_id": comment_id}
    replied = await session.client.post(thread, json=reply)
    reply_id = replied.json()["comment"]["id"]
    await session.client.post(
        f"/api/v1/admin/comments/{reply_id}/moderate", json={"action": "approve"}, headers=session.admin
    )
    edit = {"body": "About time. The ferry queue added **forty-five minutes** to my day."}
    headers = {"X-Edit-Token": receipt["edit_token"]}
    await session.call(
        "PATCH", "/api/v1/comments/{comment_id}", f"/api/v1/comments/{comment_id}", json=edit, headers=headers
    )
    await session.client.post(
        f"/api/v1/admin/comments/{comment_id}/moderate", json={"action": "approve"}, headers=session.admin
    )
    await session.call("GET", "/api/v1/articles/{slug}/comments", thread)
    await session.call("GET", "/api/v1/comments/{comment_id}", f"/api/v1/comments/{comment_id}")
    await session.call("GET", "/api/v1/comments/{comment_id}/replies", f"/api/v1/comments/{comment_id}/replies")
    flag = {"reason": "off_topic", "note": "This is about cycling, not the bridge."}
    await session.call("POST", "/api/v1/comments/{comment_id}/flags", f"/api/v1/comments/{reply_id}/flags", json=flag)
    await session.call("GET", "/api/v1/counts", params={"slug": [SLUG, "no-such-article"]})
    return comment_id, reply_id


async def moderation(session: Session, comment_id: str, reply_id: str) -> None:
    admin = session.admin
    thread = f"/api/v1/articles/{SLUG}/comments"
    waiting = await session.client.post(thread, json={"author_name": "Cy", "body": "Best casino deals here"})
    await session.client.post(thread, json={"author_name": "Dee", "body": "Will the tolls come back?"})
    await session.call("GET", "/api/v1/admin/queue", params={"limit": 2}, headers=admin)
    await session.call("GET", "/api/v1/admin/queue/stats", headers=admin)
    await session.call(
        "GET", "/api/v1/admin/comments/{comment_id}", f"/api/v1/admin/comments/{comment_id}", headers=admin
    )
    await session.call(
        "GET",
        "/api/v1/admin/comments/{comment_id}/history",
        f"/api/v1/admin/comments/{comment_id}/history",
        headers=admin,
    )
    bulk = {"ids": [waiting.json()["comment"]["id"], reply_id], "action": "reject", "reason": "spam"}
    await session.call("POST", "/api/v1/admin/comments/moderate", json=bulk, headers=admin)
    await session.call("GET", "/api/v1/admin/audit", params={"limit": 2}, headers=admin)
    ban = {"email": "cy@example.net", "reason": "casino spam", "expires_at": "2027-01-15T00:00:00Z"}
    made = await session.call("POST", "/api/v1/admin/bans", json=ban, headers=admin)
    await session.client.post("/api/v1/admin/bans", json={"address": "198.51.100.0/24"}, headers=admin)
    await session.call("GET", "/api/v1/admin/bans", headers=admin)
    await session.call("GET", "/api/v1/admin/bans/{ban_id}", f"/api/v1/admin/bans/{made['id']}", headers=admin)
    await session.call("GET", "/healthz")
    await session.call("GET", "/readyz")


async def outbound(session: Session, app: Any) -> None:
    """Webhooks with a delivery queued by the dispatcher, and an author's export by its signed link."""
    admin = session.admin
    hook = {"url": "https://hooks.example.org/parley", "events": ["comment.created", "comment.approved"]}
    made = await session.call("POST", "/api/v1/admin/webhooks", json=hook, headers=admin)
    thread = f"/api/v1/articles/{SLUG}/comments"
    await session.client.post(thread, json={"author_name": "Eve", "body": "When do the buses return?"})
    services = running(app).services
    await services.dispatcher.dispatch()
    await session.call("GET", "/api/v1/admin/webhooks", headers=admin)
    base = f"/api/v1/admin/webhooks/{made['id']}"
    await session.call("GET", "/api/v1/admin/webhooks/{webhook_id}", base, headers=admin)
    log = await session.call(
        "GET", "/api/v1/admin/webhooks/{webhook_id}/deliveries", f"{base}/deliveries", headers=admin
    )
    one = f"{base}/deliveries/{log['items'][0]['id']}"
    template = "/api/v1/admin/webhooks/{webhook_id}/deliveries/{delivery_id}"
    await session.call("GET", template, one, headers=admin)
    await session.call("POST", template + "/redeliver", one + "/redeliver", headers=admin)
    await session.call("POST", "/api/v1/exports", json={"email": "ann@example.org"})
    token = notices.export_token(services.hasher, "ann@example.org", datetime(2026, 1, 16, tzinfo=UTC))
    await session.call("GET", "/api/v1/exports/{token}", f"/api/v1/exports/{token}")


async def main() -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database=f"{folder}/examples.db",
            access_log=False,
            writes_per_minute=0,
            reads_per_minute=0,
            public_url="https://news.example.org",
            smtp_host="127.0.0.1",  # e-mail is on, so exports are offered; no worker runs, so none is sent
            outbox_worker=False,
        )
        app = create_app(settings, clock=lambda: datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
        async with AsyncTestClient(app) as client:
            _token, secret = await running(app).services.tokens.create("ed", Role.ADMIN)
            session = Session(client, {"Authorization": f"Bearer {secret}"})
            await articles_and_policy(session)
            comment_id, reply_id = await comments(session)
            await moderation(session, comment_id, reply_id)
            await outbound(session, app)
    return dict(sorted(session.kept.items()))


if __name__ == "__main__":
    kept = asyncio.run(main())
    OUT.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(kept)} operations' examples written to {OUT}", file=sys.stderr)
