"""The scale deployment on one machine: three `parley serve` instances on one PostgreSQL and one Redis behind a
real nginx (Debian's, with the repo's deploy/nginx.conf rules): budgets shared across instances, a forged
X-Forwarded-For ignored, live updates through the proxy, and a rolling restart that no reader or writer sees."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests import builders, pg, rd
from tests.harness.server import Server, admin_token, free_port

pytestmark = pytest.mark.slow

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
INSTANCES = 3


def _config(port: int, upstreams: list[int], folder: Path) -> str:
    """deploy/nginx.conf with this machine's ports and a scratch folder in place of the container's."""
    text = (Path(__file__).parents[2] / "deploy" / "nginx.conf").read_text()
    servers = "\n".join(f"        server 127.0.0.1:{up} max_fails=0;" for up in upstreams)
    start, end = text.index("        server parley-a"), text.index("        keepalive")
    text = text[:start] + servers + "\n" + text[end:]
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    scratch = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {", f"http {{\n    access_log off;\n{scratch}", 1)
    return f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n" + text


@dataclass
class Scale:
    url: str
    servers: list[Server]
    token: str


@pytest.fixture
def scale(tmp_path: Path) -> Iterator[Scale]:
    if not os.path.exists(NGINX):
        if os.environ.get("PARLEY_REQUIRE_NGINX"):
            pytest.fail("nginx is not installed")
        pytest.skip("no nginx here (.ci/run installs Debian's)")
    rd.require()
    prefix = "parley-test-" + uuid.uuid4().hex[:12]
    with pg.schema_for_processes() as database, ExitStack() as stack:
        token = admin_token(database)
        env = {
            "PARLEY_REDIS_URL": rd.url(),
            "PARLEY_REDIS_PREFIX": prefix,
            "PARLEY_WORKERS": "1",
            "PARLEY_TRUSTED_PROXIES": "127.0.0.1",
            "PARLEY_WRITES_PER_MINUTE": "10",
            "PARLEY_STREAM_HEARTBEAT_SECONDS": "1",
        }
        servers = [Server(database, tmp_path / f"parley-{n}.log", env).start() for n in range(INSTANCES)]
        for server in servers:
            stack.callback(server.stop)
        port = free_port()
        (tmp_path / "nginx").mkdir()
        conf = tmp_path / "nginx" / "nginx.conf"
        conf.write_text(_config(port, [server.port for server in servers], tmp_path / "nginx"))
        proxy = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.STDOUT)
        stack.callback(proxy.wait, 10)
        stack.callback(proxy.terminate)
        deadline = time.monotonic() + 10
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield Scale(f"http://127.0.0.1:{port}", servers, token)
    asyncio.run(rd.forget(prefix))


def _article(scale: Scale, slug: str) -> None:
    made = httpx.post(
        f"{scale.url}/api/v1/admin/articles",
        headers={"Authorization": f"Bearer {scale.token}"},
        json={
            "slug": slug,
            "title": "Behind the proxy",
            "author": {"slug": "desk", "name": "Desk"},
            "body": "Comments appear at once.",
            "moderation": "post",
        },
    )
    assert made.status_code == 201, made.text


def test_one_reader_through_the_proxy_gets_ten_writes_a_minute_across_three_instances(scale: Scale) -> None:
    _article(scale, "budget")
    statuses = []
    with httpx.Client(base_url=scale.url) as client:
        for n in range(16):
            # A forged first hop changes nothing: nginx replaces the header with the address it saw.
            forged = {"X-Forwarded-For": f"198.51.100.{n}"}
            answer = client.post("/api/v1/articles/budget/comments", json=builders.comment(), headers=forged)
            statuses.append(answer.status_code)
    assert statuses == [201] * 10 + [429] * 6
    served = [server.log_text().count("POST /api/v1/articles/budget/comments") for server in scale.servers]
    assert sum(1 for count in served if count) >= 2, served  # the proxy really spread them


async def _stream_and_post(scale: Scale) -> list[str]:
    async with httpx.AsyncClient(base_url=scale.url, timeout=10) as client:
        lines: list[str] = []
        async with client.stream("GET", "/api/v1/articles/live/comments/stream") as stream:
            read = stream.aiter_lines()
            lines.append(await anext(read))
            for n in range(3):
                posted = await client.post(
                    "/api/v1/articles/live/comments",
                    json=builders.comment(body=f"through another instance {n}"),
                    headers={"Authorization": f"Bearer {scale.token}"},
                )
                assert posted.status_code == 201
            async with asyncio.timeout(10):
                async for line in read:
                    lines.append(line)
                    if sum("through another instance" in seen for seen in lines) == 3:
                        break
        return lines


def test_live_updates_reach_a_reader_through_the_proxy_from_whichever_instance_took_the_write(scale: Scale) -> None:
    _article(scale, "live")
    lines = asyncio.run(_stream_and_post(scale))
    assert lines[0].startswith("id: ")
    assert sum("through another instance" in line for line in lines) == 3


async def _traffic(scale: Scale, stop: asyncio.Event, seen: dict[str, int]) -> None:
    """A reader and a moderator at work: reads and writes one after another until told to stop."""
    desk = {"Authorization": f"Bearer {scale.token}"}
    async with httpx.AsyncClient(base_url=scale.url, timeout=30) as client:
        n = 0
        while not stop.is_set():
            n += 1
            if n % 3:
                answer = await client.get("/api/v1/articles/rolling/comments")
            else:
                answer = await client.post(
                    "/api/v1/articles/rolling/comments", json=builders.comment(body=f"during {n}"), headers=desk
                )
            key = str(answer.status_code)
            seen[key] = seen.get(key, 0) + 1


async def _roll(scale: Scale) -> dict[str, int]:
    seen: dict[str, int] = {}
    stop = asyncio.Event()
    workers = [asyncio.create_task(_traffic(scale, stop, seen)) for _ in range(4)]
    await asyncio.sleep(0.5)
    for server in scale.servers:  # one at a time: stop (SIGTERM), start, wait until ready
        await asyncio.to_thread(server.stop)
        await asyncio.to_thread(server.start)
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*workers)
    return seen


def test_a_rolling_restart_of_every_instance_fails_no_request(scale: Scale, capsys: pytest.CaptureFixture[str]) -> None:
    _article(scale, "rolling")
    seen = asyncio.run(_roll(scale))
    with capsys.disabled():
        print(f"\nrolling restart of {INSTANCES} instances behind nginx: statuses {seen}")
    assert set(seen) <= {"200", "201"}, seen
    assert seen.get("201", 0) > 10
