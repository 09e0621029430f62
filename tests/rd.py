"""Redis for tests: the server in PARLEY_TEST_REDIS (CI sets it), and a key prefix of each test's own."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.needs import Needed

DEFAULT = "redis://127.0.0.1:6379/0"


def url() -> str:
    return os.environ.get("PARLEY_TEST_REDIS", DEFAULT)


async def _probe() -> bool:
    client = Redis.from_url(url(), socket_connect_timeout=3)
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False
    finally:
        await client.aclose()


_redis = Needed("redis", url, _probe)
reachable, require = _redis.reachable, _redis.require


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
