"""Budgets counted in Redis, so that every instance of a site draws on one window per network."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from parley.http.limits import WINDOW_SECONDS, Budget, Drawn

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("parley.limits")

# One round trip, atomic on the server: count the request, open the window on its first one, and take the count
# back at once when the window was already spent, so a refused flood does not grow the number.
_DRAW = """
local used = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if used > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return {0, ttl}
end
return {used, ttl}
"""
_REFUND = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""
_WARN_EVERY = 60.0


def sharing(redis: Redis, prefix: str) -> Callable[[str, Budget], SharedBudget]:
    """What `limits.limits` calls to share each budget it makes through this Redis, under keys named by `prefix`."""
    return lambda name, local: SharedBudget(name, local, redis, prefix)


class SharedBudget:
    """So many requests a minute for each network across every instance; this process's own count stands in
    while Redis cannot be reached (a flood-control outage must not take the site down with it)."""

    def __init__(self, name: str, fallback: Budget, redis: Redis, prefix: str) -> None:
        self.per_minute = fallback.per_minute
        self._redis = redis
        self._prefix = f"{prefix}:budget:{name}:"
        self._draw = redis.register_script(_DRAW)
        self._refund = redis.register_script(_REFUND)
        self._fallback = fallback
        self._warned = 0.0

    async def draw(self, key: str) -> Drawn:
        """Count one request against `key`, unless its window is spent."""
        try:
            used, ttl = await self._draw(keys=[self._prefix + key], args=[self.per_minute, WINDOW_SECONDS])
        except (RedisError, OSError) as error:
            self._warn(error)
            return await self._fallback.draw(key)
        used, ttl = int(used), int(ttl)
        if used == 0:
            return Drawn(False, self.per_minute, 0, ttl)
        return Drawn(True, self.per_minute, self.per_minute - used, ttl)

    async def refund(self, key: str) -> None:
        """Give one request back to `key`'s window, if it is still open."""
        try:
            await self._refund(keys=[self._prefix + key])
        except (RedisError, OSError) as error:
            self._warn(error)
            await self._fallback.refund(key)

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned >= _WARN_EVERY:
            self._warned = now
            log.warning("Redis unreachable (%s); budgets count in this process until it is back", type(error).__name__)
