"""Site-wide settings kept in the database: the policy, the hashing key and idempotency records."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

import msgspec

from parley.domain.policy import Policy
from parley.domain.records import FirstAnswer, stamp
from parley.storage.sqlite.conn import Conn

_POLICY = msgspec.json.Decoder(Policy)


class SqliteSite:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _GET = "SELECT value FROM site WHERE key = :key"
    _PUT = """
    INSERT INTO site (key, value, updated_at) VALUES (:key, :value, :at)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
    """
    _PUT_ONCE = "INSERT INTO site (key, value, updated_at) VALUES (:key, :value, :at) ON CONFLICT (key) DO NOTHING"

    async def _get(self, key: str) -> bytes | None:
        rows = list(await self._conn.execute_fetchall(self._GET, {"key": key}))
        return bytes(rows[0]["value"]) if rows else None

    async def policy(self) -> Policy | None:
        raw = await self._get("policy")
        return None if raw is None else _POLICY.decode(raw)

    async def set_policy(self, policy: Policy, *, at: datetime) -> None:
        await self._conn.execute(self._PUT, {"key": "policy", "value": msgspec.json.encode(policy), "at": stamp(at)})

    async def secret(self) -> bytes:
        # Made once; a racing second process keeps the first one's key (DO NOTHING), then reads it back.
        await self._conn.execute(
            self._PUT_ONCE,
            {"key": "secret", "value": secrets.token_bytes(32), "at": stamp(datetime.now().astimezone())},
        )
        raw = await self._get("secret")
        assert raw is not None
        return raw

    _REPLAY = """
    SELECT request_hash, response, sealed, comment_id FROM idempotency_keys WHERE key = :key AND created_at >= :since
    """

    async def replay(self, key: str, *, since: datetime) -> FirstAnswer | None:
        rows = list(await self._conn.execute_fetchall(self._REPLAY, {"key": key, "since": stamp(since)}))
        if not rows:
            return None
        found = rows[0]
        return FirstAnswer(
            found["request_hash"], bytes(found["response"]), bytes(found["sealed"] or b""), found["comment_id"]
        )

    _EXPIRE = "DELETE FROM idempotency_keys WHERE created_at < :since"
    _REMEMBER = """
    INSERT INTO idempotency_keys (key, request_hash, response, sealed, comment_id, created_at)
    VALUES (:key, :hash, :response, :sealed, :comment_id, :at)
        ON CONFLICT (key) DO UPDATE
       SET request_hash = excluded.request_hash, response = excluded.response, sealed = excluded.sealed,
           comment_id = excluded.comment_id, created_at = excluded.created_at
    """

    async def remember(self, key: str, answer: FirstAnswer, *, at: datetime, since: datetime) -> None:
        # Records older than `since` are forgotten here, a few at a time as new ones come, by their index.
        await self._conn.execute(self._EXPIRE, {"since": stamp(since)})
        params = {
            "key": key,
            "hash": answer.request_hash,
            "response": answer.response,
            "sealed": answer.sealed,
            "comment_id": answer.comment_id,
            "at": stamp(at),
        }
        await self._conn.execute(self._REMEMBER, params)

    # The request hash stays, so a retry is still recognised; the answer, which repeats the comment, goes.
    _ERASE = """
    UPDATE idempotency_keys SET response = X'', sealed = X'' WHERE comment_id IN (SELECT value FROM json_each(:ids))
    """

    async def erase_answers(self, comment_ids: Sequence[int]) -> None:
        await self._conn.execute(self._ERASE, {"ids": msgspec.json.encode(list(comment_ids)).decode()})
