"""Site-wide settings kept in PostgreSQL: the policy, the hashing key and idempotency records."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec

from parley.domain.policy import Policy
from parley.domain.records import FirstAnswer
from parley.storage.postgres.conn import Conn

_POLICY = msgspec.json.Decoder(Policy)


class PgSite:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _PUT = """
    INSERT INTO site (key, value, updated_at) VALUES ($1, $2, $3)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
    """

    async def _get(self, key: str) -> bytes | None:
        raw = await self._conn.fetchval("SELECT value FROM site WHERE key = $1", key)
        return None if raw is None else bytes(raw)

    async def policy(self) -> Policy | None:
        raw = await self._get("policy")
        return None if raw is None else _POLICY.decode(raw)

    async def set_policy(self, policy: Policy, *, at: datetime) -> None:
        await self._conn.execute(self._PUT, "policy", msgspec.json.encode(policy), at)

    async def secret(self) -> bytes:
        # Made once; a racing second instance keeps the first one's key (DO NOTHING), then reads it back.
        sql = "INSERT INTO site (key, value, updated_at) VALUES ('secret', $1, $2) ON CONFLICT (key) DO NOTHING"
        await self._conn.execute(sql, secrets.token_bytes(32), datetime.now(UTC))
        raw = await self._get("secret")
        assert raw is not None
        return raw

    _REPLAY = """
    SELECT request_hash, response, sealed, comment_id FROM idempotency_keys WHERE key = $1 AND created_at >= $2
    """

    async def replay(self, key: str, *, since: datetime) -> FirstAnswer | None:
        row = await self._conn.fetchrow(self._REPLAY, key, since)
        if row is None:
            return None
        return FirstAnswer(row["request_hash"], bytes(row["response"]), bytes(row["sealed"] or b""), row["comment_id"])

    _REMEMBER = """
    INSERT INTO idempotency_keys (key, request_hash, response, sealed, comment_id, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (key) DO UPDATE
       SET request_hash = excluded.request_hash, response = excluded.response, sealed = excluded.sealed,
           comment_id = excluded.comment_id, created_at = excluded.created_at
    """

    async def remember(self, key: str, answer: FirstAnswer, *, at: datetime, since: datetime) -> None:
        await self._conn.execute("DELETE FROM idempotency_keys WHERE created_at < $1", since)
        args = (key, answer.request_hash, answer.response, answer.sealed, answer.comment_id, at)
        await self._conn.execute(self._REMEMBER, *args)

    async def erase_answers(self, comment_ids: Sequence[int]) -> None:
        sql = "UPDATE idempotency_keys SET response = '', sealed = '' WHERE comment_id = ANY($1::bigint[])"
        await self._conn.execute(sql, list(comment_ids))
