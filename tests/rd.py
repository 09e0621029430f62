"""Redis for tests: the server in PARLEY_TEST_REDIS (CI sets it), and a key prefix of each test's own."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

DEFAULT = "redis://127.0.0.1:6379/0"


def url() -> str:
    return os.environ.get("PARLEY_TEST_REDIS", DEFAULT)


_reachable: bool | None = None


def reachable() -> bool:
    global _reachable
    if _reachable is None:
        with concurrent.futures.ThreadPoolExecutor(1) as once:
            _reachable = once.submit(asyncio.run, _probe()).result()
    return _reachable


async def _probe() -> bool:
    client = Redis.from_url(url(), socket_connect_timeout=3)
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False
    finally:
        await client.aclose()


def require() -> None:
    """Skip where there is no Redis; CI sets PARLEY_REQUIRE_REDIS, and there it fails."""
    if reachable():
        return
    if os.environ.get("PARLEY_REQUIRE_REDIS"):
        pytest.fail(f"Redis is not reachable at {url()}")
    pytest.skip(f"no Redis at {url()} (set PARLEY_TEST_REDIS)")


@asynccontextmanager
async def prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    require()
    name = "parley-test-" + uuid.uuid4().hex[:12]
    try:
        yield name
    finally:
        await forget(name)


async def forget(prefix: str) -> None:
    """Delete every key under a prefix."""
    client = Redis.from_url(url())
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def keys(prefix: str) -> dict[str, bytes]:
    """Every string key under a prefix and its value (what a stolen Redis would show)."""
    client = Redis.from_url(url())
    try:
        found = {}
        async for key in client.scan_iter(match=f"{prefix}:*"):
            value = await client.get(key)
            found[key.decode()] = value if isinstance(value, bytes) else b""
        return found
    finally:
        await client.aclose()
