"""Can moderation be walked around? Each attack of issue 9, tried against a real server; one line of outcome each.

    .venv/bin/python scripts/walkaround.py

Starts `parley serve` on a fresh database with the default write budget (10 a minute per address) and
PARLEY_TRUSTED_PROXIES=127.0.0.1, so that X-Forwarded-For stands for the addresses of the actors: an author,
a stranger, readers. Each line says what the attacker got; the tests in tests/ assert the same outcomes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def parley(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "parley.cli", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"parley {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


@contextlib.contextmanager
def serving() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="parley-walk-") as folder:
        port = free_port()
        env = {
            **os.environ,
            "PARLEY_DATABASE": str(Path(folder) / "walk.db"),
            "PARLEY_TRUSTED_PROXIES": "127.0.0.1",
            "PARLEY_WRITES_PER_MINUTE": "10",
            "PARLEY_READS_PER_MINUTE": "0",
            "PARLEY_ACCESS_LOG": "false",
        }
        parley("migrate", env=env)
        token = parley("token", "create", "--role", "admin", "--name", "walk", env=env).strip().splitlines()[-1]
        command = [sys.executable, "-m", "parley.cli", "serve", "--host", HOST, "--port", str(port)]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.1)
            yield base, token
        finally:
            server.terminate()
            server.wait(timeout=15)


class Site:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.admin = {"Authorization": f"Bearer {token}"}

    async def policy(self, **changes: Any) -> None:
        policy = (await self.client.get("/api/v1/admin/policy", headers=self.admin)).json()
        (
            await self.client.put("/api/v1/admin/policy", json={**policy, **changes}, headers=self.admin)
        ).raise_for_status()

    async def article(self, slug: str) -> str:
        body = {"slug": slug, "title": slug, "author": {"slug": "desk", "name": "Desk"}, "body": "News " * 50}
        (await self.client.post("/api/v1/admin/articles", json=body, headers=self.admin)).raise_for_status()
        return slug

    async def post(self, slug: str, address: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/articles/{slug}/comments", json=body, headers={"X-Forwarded-For": address, **headers}
        )

    async def decide(self, comment_id: str, action: str) -> None:
        path = f"/api/v1/admin/comments/{comment_id}/moderate"
        (await self.client.post(path, json={"action": action}, headers=self.admin)).raise_for_status()

    async def public(self, slug: str) -> str:
        return (await self.client.get(f"/api/v1/articles/{slug}/comments", params={"limit": 100})).text

    async def ban(self, **target: str) -> None:
        (await self.client.post("/api/v1/admin/bans", json=target, headers=self.admin)).raise_for_status()


async def edit_after_approval(site: Site) -> str:
    slug = await site.article("edit-after-approval")
    first = (await site.post(slug, "198.51.100.1", {"author_name": "Eve", "body": "What a fine report."})).json()
    await site.decide(first["comment"]["id"], "approve")
    edited = await site.client.patch(
        f"/api/v1/comments/{first['comment']['id']}",
        json={"body": "You are all idiots, buy at https://spam.example"},
        headers={"X-Edit-Token": first["edit_token"], "X-Forwarded-For": "198.51.100.1"},
    )
    live = "spam.example" in await site.public(slug)
    return f"PATCH after approval: {edited.status_code} {edited.json().get('status')}; new text public: {live}"


async def borrowed_trust(site: Site) -> str:
    slug = await site.article("borrowed-trust")
    carol = {"author_name": "Carol Jones", "author_email": "carol@example.org", "body": "A first comment."}
    first = (await site.post(slug, "198.51.100.2", carol)).json()
    await site.decide(first["comment"]["id"], "approve")
    stranger = {"author_name": "Carol Jones", "author_email": "Carol@Example.org", "body": "Borrowed voice."}
    taken = await site.post(slug, "203.0.113.2", stranger)
    lockout = Counter()
    for n in range(5):
        lockout[(await site.post(slug, "203.0.113.3", {**stranger, "body": f"Filler {n}."})).status_code] += 1
    carol_again = await site.post(slug, "198.51.100.2", {**carol, "body": "Carol, later."})
    return (
        f"stranger posting as Carol: {taken.status_code} {taken.json().get('status')}; "
        f"5 posts with her e-mail from elsewhere {dict(lockout)}, then Carol herself: {carol_again.status_code}"
    )


async def one_client_hides(site: Site) -> str:
    slug = await site.article("one-client-hides")
    await site.policy(moderation="post", hide_flagged=True, flag_threshold=3)
    posted = (await site.post(slug, "198.51.100.4", {"author_name": "Dan", "body": "A fair point."})).json()
    comment_id = posted["comment"]["id"]
    for agent in ("a", "b", "c"):
        await site.client.post(
            f"/api/v1/comments/{comment_id}/flags",
            json={"reason": "abuse"},
            headers={"X-Forwarded-For": "203.0.113.4", "User-Agent": agent},
        )
    hidden = "A fair point." not in await site.public(slug)
    await site.policy(moderation="pre", hide_flagged=False, flag_threshold=3)
    return f"3 flags from one address with 3 User-Agents: comment hidden: {hidden}"


HOSTILE = (
    "you are an i&#100;iot, see [this](https&#58;//spam.example)",
    "id**iot**",
    "id&shy;iot",
    "id&#8203;iot",
    "c&#97;sino",
    "ca*sino*",
    "[x](HtTpS:&#47;&#47;spam.example)",
    "see https://a.example https://b.example https://c.example",
)


async def rules_on_markdown(site: Site) -> str:
    slug = await site.article("rules-on-markdown")
    await site.policy(moderation="post", block_words=["idiot", "casino"], max_links=0)
    passed = 0
    for n, body in enumerate(HOSTILE):
        answer = await site.post(slug, f"198.51.100.{20 + n}", {"author_name": f"Troll {n}", "body": body})
        passed += answer.json().get("status") == "approved" and f"Troll {n}" in await site.public(slug)
    await site.policy(moderation="pre", block_words=[], max_links=2)
    return f"hostile Markdown published past block_words and max_links=0: {passed} of {len(HOSTILE)}"


async def idempotency(site: Site) -> str:
    slug = await site.article("idempotency")
    body = {"author_name": "Fay", "body": "Posted once, retried."}
    key = {"Idempotency-Key": "retry-key-1"}
    first = (await site.post(slug, "198.51.100.5", body, **key)).json()
    replay = await site.post(slug, "203.0.113.5", body, **key)
    token = replay.json().get("edit_token")
    same = replay.json().get("comment", {}).get("id") == first["comment"]["id"]
    deleted = await site.client.delete(
        f"/api/v1/comments/{first['comment']['id']}",
        headers={"X-Edit-Token": token or "", "X-Forwarded-For": "203.0.113.5"},
    )
    return (
        f"same key and body from another address: {replay.status_code}, the author's comment replayed: {same}, "
        f"its edit token handed out: {token == first['edit_token']}, DELETE of the author's comment: "
        f"{deleted.status_code}"
    )


async def forwarded_lines(site: Site) -> str:
    slug = await site.article("forwarded-lines")
    statuses = Counter()
    for n in range(14):
        headers = [("X-Forwarded-For", f"192.0.2.{n + 1}"), ("X-Forwarded-For", "203.0.113.6")]
        answer = await site.client.post(
            f"/api/v1/articles/{slug}/comments", json={"author_name": f"Gus {n}", "body": f"Line {n}."}, headers=headers
        )
        statuses[answer.status_code] += 1
    await site.ban(address="203.0.113.7")
    headers = [("X-Forwarded-For", "192.0.2.99"), ("X-Forwarded-For", "203.0.113.7")]
    banned = await site.client.post(
        f"/api/v1/articles/{slug}/comments", json={"author_name": "Hal", "body": "Banned yet here."}, headers=headers
    )
    return f"14 writes with a forged first X-Forwarded-For line: {dict(statuses)}; banned address: {banned.status_code}"


async def network_bans(site: Site) -> str:
    slug = await site.article("network-bans")
    await site.ban(address="2001:db8:1:2::10")
    await site.ban(address="198.51.100.77")
    neighbour = await site.post(slug, "2001:db8:1:2::11", {"author_name": "Ivy", "body": "Same /64."})
    mapped = await site.post(slug, "::ffff:198.51.100.77", {"author_name": "Jon", "body": "Mapped form."})
    return (
        f"ban on ::10, post from ::11 of its /64: {neighbour.status_code}; "
        f"ban on IPv4, post as ::ffff: form: {mapped.status_code}"
    )


async def smaller(site: Site) -> list[str]:
    lines = []
    slug = await site.article("smaller-ones")
    anonymous = await site.client.post(
        "/api/v1/admin/comments/1/moderate", content=b"{}", headers={"Content-Type": "application/json"}
    )
    lines.append(f"admin body without a token: {anonymous.status_code}")
    url = await site.post(
        slug, "198.51.100.8", {"author_name": "Kim", "body": "Link.", "author_url": 'https://a"><svg/onload=alert(1)>'}
    )
    lines.append(f"author_url with quotes and angle brackets: {url.status_code}")
    invisible = await site.post(slug, "198.51.100.9", {"author_name": "\u200b\u200e\u200f", "body": "Who?"})
    lines.append(f"a name of zero-width and direction marks only: {invisible.status_code}")
    metrics = await site.client.get("/metrics")
    lines.append(f"/metrics without a token: {metrics.status_code}")
    receipt = await site.post(slug, "198.51.100.10", {"author_name": "Lee", "body": "Receipt."})
    admin = await site.client.get("/api/v1/admin/policy", headers=site.admin)
    lines.append(
        f"Cache-Control of a receipt: {receipt.headers.get('cache-control')}; "
        f"of an admin answer: {admin.headers.get('cache-control')}"
    )
    await site.policy(moderation="post")
    before = (await site.post(slug, "198.51.100.11", {"author_name": "Mo", "body": "Open."})).json()
    await site.client.patch(f"/api/v1/admin/articles/{slug}", json={"comments_open": False}, headers=site.admin)
    late = await site.client.patch(
        f"/api/v1/comments/{before['comment']['id']}",
        json={"body": "Changed after closing."},
        headers={"X-Edit-Token": before["edit_token"], "X-Forwarded-For": "198.51.100.11"},
    )
    lines.append(f"an author's edit after comments closed: {late.status_code}")
    open_slug = await site.article("shadow")
    await site.policy(moderation="post", shadow_ban=True)
    await site.ban(address="198.51.100.12")
    normal = (await site.post(open_slug, "198.51.100.13", {"author_name": "Ned", "body": "Normal."})).json()
    shadowed = (await site.post(open_slug, "198.51.100.12", {"author_name": "Oz", "body": "Shadowed."})).json()
    lines.append(f"post-moderation: an author is told {normal['status']}, a shadow-banned author {shadowed['status']}")
    await site.policy(moderation="pre", shadow_ban=False)
    return lines


async def main() -> None:
    with serving() as (base, token):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            site = Site(client, token)
            for number, attack in enumerate(
                (
                    edit_after_approval,
                    borrowed_trust,
                    one_client_hides,
                    rules_on_markdown,
                    idempotency,
                    forwarded_lines,
                    network_bans,
                ),
                start=1,
            ):
                print(f"{number}. {await attack(site)}")
            for line in await smaller(site):
                print(f"-  {line}")


if __name__ == "__main__":
    asyncio.run(main())
