"""Flags, the audit log, bans and moderator tokens in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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
)
from parley.storage.postgres.conn import Conn, one
from parley.storage.records import columns, record


class PgFlags:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _ADD = """
    INSERT INTO flags (comment_id, reader_hash, reason, note, created_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (comment_id, reader_hash) DO NOTHING
    RETURNING id
    """

    async def add(
        self, comment_id: int, *, reader_hash: str, reason: FlagReason, note: str | None, at: datetime
    ) -> bool:
        return await self._conn.fetchval(self._ADD, comment_id, reader_hash, reason.value, note, at) is not None

    async def active_count(self, comment_id: int) -> int:
        sql = "SELECT COUNT(*) FROM flags WHERE comment_id = $1 AND cleared_at IS NULL"
        return int(await self._conn.fetchval(sql, comment_id))

    async def clear(self, comment_id: int, *, at: datetime) -> None:
        sql = "UPDATE flags SET cleared_at = $2 WHERE comment_id = $1 AND cleared_at IS NULL"
        await self._conn.execute(sql, comment_id, at)

    async def delete_for(self, comment_id: int) -> int:
        return len(await self._conn.fetch("DELETE FROM flags WHERE comment_id = $1 RETURNING id", comment_id))


_EVENT_COLUMNS = columns(AuditEvent)


class PgAudit:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _APPEND = f"""
    INSERT INTO audit_events (comment_id, actor, action, from_status, to_status, reason, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    RETURNING {_EVENT_COLUMNS}
    """

    async def append(self, event: NewEvent) -> AuditEvent:
        row = one(
            await self._conn.fetchrow(
                self._APPEND,
                event.comment_id,
                event.actor,
                event.action,
                None if event.from_status is None else event.from_status.value,
                None if event.to_status is None else event.to_status.value,
                event.reason,
                event.at,
            )
        )
        return record(AuditEvent, row)

    _QUERY = f"""
    SELECT {_EVENT_COLUMNS} FROM audit_events
     WHERE ($1::text IS NULL OR actor = $1)
       AND ($2::text IS NULL OR action = $2)
       AND ($3::bigint IS NULL OR comment_id = $3)
       AND ($4::bigint IS NULL OR id < $4)
     ORDER BY id DESC
     LIMIT $5
    """

    async def query(self, query: AuditQuery) -> list[AuditEvent]:
        args = (query.actor, query.action, query.comment_id, query.before_id, query.limit)
        return [record(AuditEvent, row) for row in await self._conn.fetch(self._QUERY, *args)]

    _AFTER = f"""
    SELECT {columns(AuditEvent, "e")} FROM audit_events e JOIN comments c ON c.id = e.comment_id
     WHERE e.id > $1 AND ($2::bigint IS NULL OR c.article_id = $2)
     ORDER BY e.id
     LIMIT $3
    """

    async def after(self, after_id: int, *, article_id: int | None, limit: int) -> list[AuditEvent]:
        return [record(AuditEvent, row) for row in await self._conn.fetch(self._AFTER, after_id, article_id, limit)]

    _LAST_ID = "SELECT COALESCE(MAX(id), 0) AS id FROM audit_events"

    async def last_id(self) -> int:
        return int(one(await self._conn.fetchrow(self._LAST_ID))["id"])


_BAN_COLUMNS = columns(Ban)


class PgBans:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _ADD = f"""
    INSERT INTO bans (email_hash, address_hash, prefix, author_token_hash, email, network, comment_id,
                      reason, created_by, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    RETURNING {_BAN_COLUMNS}
    """

    async def add(self, new: NewBan) -> Ban:
        row = one(
            await self._conn.fetchrow(
                self._ADD,
                new.email_hash,
                new.address_hash,
                new.prefix,
                new.author_token_hash,
                new.email,
                new.network,
                new.comment_id,
                new.reason,
                new.created_by,
                new.at,
                new.expires_at,
            )
        )
        return record(Ban, row)

    async def get(self, ban_id: int) -> Ban | None:
        row = await self._conn.fetchrow(f"SELECT {_BAN_COLUMNS} FROM bans WHERE id = $1 AND lifted_at IS NULL", ban_id)
        return None if row is None else record(Ban, row)

    _ACTIVE = f"""
    SELECT {_BAN_COLUMNS} FROM bans
     WHERE lifted_at IS NULL AND (expires_at IS NULL OR expires_at > $1) AND ($2::bigint IS NULL OR id > $2)
       AND ($4::text IS NULL OR email_hash = $4)
       AND ($5::bigint IS NULL OR comment_id = $5)
       AND ($6::text[] IS NULL OR address_hash = ANY($6::text[]))
     ORDER BY id
     LIMIT $3
    """

    async def active(
        self, *, now: datetime, after_id: int | None, limit: int, only: BanFilter | None = None
    ) -> list[Ban]:
        only = only or BanFilter()
        hashes = None if only.address_hashes is None else list(only.address_hashes)
        rows = await self._conn.fetch(self._ACTIVE, now, after_id, limit, only.email_hash, only.comment_id, hashes)
        return [record(Ban, row) for row in rows]

    async def forget_email(self, email_hash: str) -> None:
        await self._conn.execute("UPDATE bans SET email = NULL WHERE email_hash = $1", email_hash)

    async def lift(self, ban_id: int, *, at: datetime) -> bool:
        sql = "UPDATE bans SET lifted_at = $2 WHERE id = $1 AND lifted_at IS NULL RETURNING id"
        return await self._conn.fetchval(sql, ban_id, at) is not None

    _PREFIXES = """
    SELECT DISTINCT prefix FROM bans
     WHERE prefix IS NOT NULL AND lifted_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
    """

    async def prefixes(self, *, now: datetime) -> list[int]:
        return [int(row["prefix"]) for row in await self._conn.fetch(self._PREFIXES, now)]

    _MATCHES = """
    SELECT EXISTS (
        SELECT 1 FROM bans
         WHERE lifted_at IS NULL AND (expires_at IS NULL OR expires_at > $4)
           AND ((email_hash IS NOT NULL AND email_hash = $1)
                OR (author_token_hash IS NOT NULL AND author_token_hash = $3)
                OR (address_hash IS NOT NULL AND address_hash = ANY($2::text[]))))
    """

    async def matches(
        self, *, email_hash: str | None, address_hashes: Sequence[str], author_token_hash: str | None, now: datetime
    ) -> bool:
        found = await self._conn.fetchval(self._MATCHES, email_hash, list(address_hashes), author_token_hash, now)
        return bool(found)


_TOKEN_COLUMNS = columns(Token)


class PgTokens:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _ADD = f"""
    INSERT INTO tokens (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING
    RETURNING {_TOKEN_COLUMNS}
    """

    async def add(self, *, name: str, role: Role, token_hash: str, at: datetime) -> Token:
        row = await self._conn.fetchrow(self._ADD, name, role.value, token_hash, at)
        if row is None:
            raise AlreadyExists(f"an active token named {name!r} exists")
        return record(Token, row)

    async def all(self) -> list[Token]:
        return [
            record(Token, row) for row in await self._conn.fetch(f"SELECT {_TOKEN_COLUMNS} FROM tokens ORDER BY id")
        ]

    async def revoke(self, name: str, *, at: datetime) -> bool:
        sql = "UPDATE tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING id"
        return await self._conn.fetchval(sql, name, at) is not None

    async def by_hash(self, token_hash: str) -> Token | None:
        row = await self._conn.fetchrow(f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1", token_hash)
        return None if row is None else record(Token, row)

    async def touch(self, token_id: int, *, at: datetime) -> None:
        await self._conn.execute("UPDATE tokens SET last_used_at = $2 WHERE id = $1", token_id, at)
