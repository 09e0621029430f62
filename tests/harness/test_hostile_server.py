"""Hostile input against the real server: a storm of pathological comments while a reader keeps reading, and
bytes no HTTP client library would send. Nothing may answer 5xx, and the reader is answered throughout."""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.harness.server import HOST, Server, admin_token
from tests.unit.markdown_corpus import PATHOLOGICAL
from tests.unit.xss_corpus import PAYLOADS

pytestmark = pytest.mark.slow

POSTERS = 16
SLUG = "hostile-harness"


async def _read_timings(client: httpx.AsyncClient, until: asyncio.Event | None, count: int) -> list[float]:
    """A reader's request times in ms: `count` reads, or as many as fit before `until` is set."""
    timings = []
    while (until is None and len(timings) < count) or (until is not None and not until.is_set()):
        started = time.perf_counter()
        response = await client.get(f"/api/v1/articles/{SLUG}/comments", params={"limit": 5})
        assert response.status_code == 200, response.text
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def _storm(server: Server, token: str) -> tuple[list[float], list[float], dict[int, int]]:
    bodies = [*PATHOLOGICAL.values(), *(payload.replace("\x00", "") for payload in PAYLOADS)]
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=POSTERS + 1)
    async with httpx.AsyncClient(base_url=server.url, timeout=60.0, limits=limits) as client:
        article = {
            "slug": SLUG,
            "title": "Hostile",
            "author": {"slug": "h", "name": "H"},
            "body": "x",
            "moderation": "post",
        }
        created = await client.post(
            "/api/v1/admin/articles", json=article, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
        before = await _read_timings(client, None, 40)
        queue: asyncio.Queue[str] = asyncio.Queue()
        for body in bodies * 2:
            queue.put_nowait(body)

        async def poster(n: int) -> None:
            while not queue.empty():
                body = queue.get_nowait()
                response = await client.post(
                    f"/api/v1/articles/{SLUG}/comments", json={"author_name": f"Hostile {n}", "body": body}
                )
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        done = asyncio.Event()
        reading = asyncio.create_task(_read_timings(client, done, 0))
        await asyncio.gather(*(poster(n) for n in range(POSTERS)))
        done.set()
        return before, await reading, statuses


def _raw(server: Server, request: bytes) -> bytes:
    """Send bytes as they are and return the status line of the answer (empty if the server just closed)."""
    with socket.create_connection((HOST, server.port), timeout=10) as conn:
        conn.sendall(request)
        answer = conn.recv(4096)
    return answer.split(b"\r\n", 1)[0]


RAW = {
    "path not UTF-8": b"GET /api/v1/articles/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    "query not UTF-8": b"GET /api/v1/counts?slug=\xc3\x28 HTTP/1.1\r\nHost: x\r\n\r\n",
    "header not UTF-8": b"GET /api/v1/articles HTTP/1.1\r\nHost: x\r\nX-Edit-Token: \xff\xfe\r\n\r\n",
    "token not UTF-8": b"GET /api/v1/admin/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\r\n\r\n",
    "body not UTF-8": (
        b"POST /api/v1/articles/hostile-harness/comments HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 30\r\n\r\n"
        b'{"author_name":"\xff","body":"x"}'
    ),
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
}


def test_pathological_comments_and_raw_bytes_never_break_the_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "hostile.db"
    token = admin_token(database)
    with Server(database, tmp_path / "server.log") as server:
        before, during, statuses = asyncio.run(_storm(server, token))
        answers = {name: _raw(server, request) for name, request in RAW.items()}
        ready = httpx.get(f"{server.url}/readyz").status_code
    log = server.log_text()
    with capsys.disabled():
        print(
            f"\nhostile storm: {sum(statuses.values())} posts by {POSTERS} posters, statuses {dict(sorted(statuses.items()))}; "
            f"reader p50/max before {statistics.median(before):.1f}/{max(before):.1f} ms, "
            f"during {statistics.median(during):.1f}/{max(during):.1f} ms over {len(during)} reads"
        )
        for name, answer in answers.items():
            print(f"  raw {name}: {answer.decode('latin-1') or '(closed)'}")
    assert all(status < 500 for status in statuses), statuses
    assert during, "the reader got no answer while the storm lasted"
    for name, answer in answers.items():
        assert not answer.startswith(b"HTTP/1.1 5"), (name, answer)
    assert ready == 200
    assert "unhandled error" not in log
    assert "Traceback" not in log
