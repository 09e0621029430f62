"""Flags, the audit log, bans and moderator tokens in SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from parley.domain.errors import AlreadyExists
from parley.domain.records import (
    AuditEvent,
    AuditQuery,
    Ban,
    BanFilter,
    FlagReason,
    NewBan,
    NewEvent,
    Role,
    Token,
    stamp,
)
from parley.storage.sqlite.conn import Conn
from parley.storage.sqlite.rows import columns, record


class SqliteFlags:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _ADD = """
    INSERT INTO flags (comment_id, reader_hash, reason, note, created_at)
    VALUES (:comment_id, :reader_hash, :reason, :note, :at)
        ON CONFLICT (comment_id, reader_hash) DO NOTHING
    RETURNING id
    """

    async def add(
        self, comment_id: int, *, reader_hash: str, reason: FlagReason, note: str | None, at: datetime
    ) -> bool:
        params = {"comment_id": comment_id, "reader_hash": reader_hash, "reason": reason.value, "note": note}
        rows = list(await self._conn.execute_fetchall(self._ADD, {**params, "at": stamp(at)}))
        return bool(rows)

    _ACTIVE = "SELECT COUNT(*) AS n FROM flags WHERE comment_id = :id AND cleared_at IS NULL"

    async def active_count(self, comment_id: int) -> int:
        rows = list(await self._conn.execute_fetchall(self._ACTIVE, {"id": comment_id}))
        return int(rows[0]["n"])

    _CLEAR = "UPDATE flags SET cleared_at = :at WHERE comment_id = :id AND cleared_at IS NULL"

    async def clear(self, comment_id: int, *, at: datetime) -> None:
        await self._conn.execute(self._CLEAR, {"id": comment_id, "at": stamp(at)})

    _DELETE_FOR = "DELETE FROM flags WHERE comment_id = :id RETURNING id"

    async def delete_for(self, comment_id: int) -> int:
        return len(list(await self._conn.execute_fetchall(self._DELETE_FOR, {"id": comment_id})))


class SqliteAudit:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _AFTER = f"""
    SELECT {columns(AuditEvent, "e")} FROM audit_events e JOIN comments c ON c.id = e.comment_id
     WHERE e.id > :after_id AND (:article_id IS NULL OR c.article_id = :article_id)
     ORDER BY e.id
     LIMIT :limit
    """

    async def after(self, after_id: int, *, article_id: int | None, limit: int) -> list[AuditEvent]:
        params = {"after_id": after_id, "article_id": article_id, "limit": limit}
        return [record(AuditEvent, row) for row in await self._conn.execute_fetchall(self._AFTER, params)]

    _LAST_ID = "SELECT COALESCE(MAX(id), 0) AS id FROM audit_events"

    async def last_id(self) -> int:
        rows = list(await self._conn.execute_fetchall(self._LAST_ID))
        return int(rows[0]["id"])

    _APPEND = f"""
    INSERT INTO audit_events (comment_id, actor, action, from_status, to_status, reason, created_at)
    VALUES (:comment_id, :actor, :action, :from_status, :to_status, :reason, :at)
    RETURNING {columns(AuditEvent)}
    """

    async def append(self, event: NewEvent) -> AuditEvent:
        params = {
            "comment_id": event.comment_id,
            "actor": event.actor,
            "action": event.action,
            "from_status": None if event.from_status is None else event.from_status.value,
            "to_status": None if event.to_status is None else event.to_status.value,
            "reason": event.reason,
            "at": stamp(event.at),
        }
        rows = list(await self._conn.execute_fetchall(self._APPEND, params))
        return record(AuditEvent, rows[0])

    _QUERY = f"""
    SELECT {columns(AuditEvent)} FROM audit_events
     WHERE (:actor IS NULL OR actor = :actor)
       AND (:action IS NULL OR action = :action)
       AND (:comment_id IS NULL OR comment_id = :comment_id)
       AND (:before_id IS NULL OR id < :before_id)
     ORDER BY id DESC
     LIMIT :limit
    """

    async def query(self, query: AuditQuery) -> list[AuditEvent]:
        params = {
            "actor": query.actor,
            "action": query.action,
            "comment_id": query.comment_id,
            "before_id": query.before_id,
            "limit": query.limit,
        }
        return [record(AuditEvent, row) for row in await self._conn.execute_fetchall(self._QUERY, params)]


_BAN_COLUMNS = columns(Ban)


class SqliteBans:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _ADD = f"""
    INSERT INTO bans (email_hash, address_hash, prefix, author_token_hash, email, network, comment_id,
                      reason, created_by, created_at, expires_at)
    VALUES (:email_hash, :address_hash, :prefix, :author_token_hash, :email, :network, :comment_id,
            :reason, :created_by, :at, :expires_at)
    RETURNING {_BAN_COLUMNS}
    """

    async def add(self, new: NewBan) -> Ban:
        params = msgspec.structs.asdict(new) | {
            "at": stamp(new.at),
            "expires_at": None if new.expires_at is None else stamp(new.expires_at),
        }
        rows = list(await self._conn.execute_fetchall(self._ADD, params))
        return record(Ban, rows[0])

    _GET = f"SELECT {_BAN_COLUMNS} FROM bans WHERE id = :id AND lifted_at IS NULL"

    async def get(self, ban_id: int) -> Ban | None:
        rows = list(await self._conn.execute_fetchall(self._GET, {"id": ban_id}))
        return record(Ban, rows[0]) if rows else None

    _ACTIVE = f"""
    SELECT {_BAN_COLUMNS} FROM bans
     WHERE lifted_at IS NULL AND (expires_at IS NULL OR expires_at > :now) AND (:after_id IS NULL OR id > :after_id)
       AND (:email_hash IS NULL OR email_hash = :email_hash)
       AND (:comment_id IS NULL OR comment_id = :comment_id)
       AND (:address_hashes IS NULL OR address_hash IN (SELECT value FROM json_each(:address_hashes)))
     ORDER BY id
     LIMIT :limit
    """

    async def active(
        self, *, now: datetime, after_id: int | None, limit: int, only: BanFilter | None = None
    ) -> list[Ban]:
        only = only or BanFilter()
        hashes = None if only.address_hashes is None else msgspec.json.encode(list(only.address_hashes)).decode()
        params = {
            "now": stamp(now),
            "after_id": after_id,
            "limit": limit,
            "email_hash": only.email_hash,
            "comment_id": only.comment_id,
            "address_hashes": hashes,
        }
        return [record(Ban, row) for row in await self._conn.execute_fetchall(self._ACTIVE, params)]

    _FORGET_EMAIL = "UPDATE bans SET email = NULL WHERE email_hash = :email_hash"

    async def forget_email(self, email_hash: str) -> None:
        await self._conn.execute(self._FORGET_EMAIL, {"email_hash": email_hash})

    _LIFT = "UPDATE bans SET lifted_at = :at WHERE id = :id AND lifted_at IS NULL RETURNING id"

    async def lift(self, ban_id: int, *, at: datetime) -> bool:
        return bool(list(await self._conn.execute_fetchall(self._LIFT, {"id": ban_id, "at": stamp(at)})))

    _PREFIXES = """
    SELECT DISTINCT prefix FROM bans
     WHERE prefix IS NOT NULL AND lifted_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
    """

    async def prefixes(self, *, now: datetime) -> list[int]:
        return [int(row["prefix"]) for row in await self._conn.execute_fetchall(self._PREFIXES, {"now": stamp(now)})]

    _MATCHES = """
    SELECT 1 FROM bans
     WHERE lifted_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
       AND ((email_hash IS NOT NULL AND email_hash = :email_hash)
            OR (author_token_hash IS NOT NULL AND author_token_hash = :author_token_hash)
            OR (address_hash IS NOT NULL AND address_hash IN (SELECT value FROM json_each(:address_hashes))))
     LIMIT 1
    """

    async def matches(
        self, *, email_hash: str | None, address_hashes: Sequence[str], author_token_hash: str | None, now: datetime
    ) -> bool:
        params = {
            "email_hash": email_hash,
            "author_token_hash": author_token_hash,
            "address_hashes": msgspec.json.encode(list(address_hashes)).decode(),
            "now": stamp(now),
        }
        return bool(list(await self._conn.execute_fetchall(self._MATCHES, params)))


_TOKEN_COLUMNS = columns(Token)


class SqliteTokens:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _ADD = f"""
    INSERT INTO tokens (name, role, token_hash, created_at) VALUES (:name, :role, :hash, :at)
        ON CONFLICT DO NOTHING
    RETURNING {_TOKEN_COLUMNS}
    """

    async def add(self, *, name: str, role: Role, token_hash: str, at: datetime) -> Token:
        params = {"name": name, "role": role.value, "hash": token_hash, "at": stamp(at)}
        rows = list(await self._conn.execute_fetchall(self._ADD, params))
        if not rows:
            raise AlreadyExists(f"an active token named {name!r} exists")
        return record(Token, rows[0])

    _ALL = f"SELECT {_TOKEN_COLUMNS} FROM tokens ORDER BY id"

    async def all(self) -> list[Token]:
        return [record(Token, row) for row in await self._conn.execute_fetchall(self._ALL)]

    _REVOKE = "UPDATE tokens SET revoked_at = :at WHERE name = :name AND revoked_at IS NULL RETURNING id"

    async def revoke(self, name: str, *, at: datetime) -> bool:
        return bool(list(await self._conn.execute_fetchall(self._REVOKE, {"name": name, "at": stamp(at)})))

    _BY_HASH = f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE token_hash = :hash"

    async def by_hash(self, token_hash: str) -> Token | None:
        rows = list(await self._conn.execute_fetchall(self._BY_HASH, {"hash": token_hash}))
        return record(Token, rows[0]) if rows else None

    _TOUCH = "UPDATE tokens SET last_used_at = :at WHERE id = :id"

    async def touch(self, token_id: int, *, at: datetime) -> None:
        await self._conn.execute(self._TOUCH, {"id": token_id, "at": stamp(at)})
