"""Webhook subscriptions, the outbox and its attempts, and the audit log's consumers, in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from parley.domain.outbox import Attempt, Cursor, Item, NewItem, Outcome, State, Webhook
from parley.storage.postgres.conn import Conn, one
from parley.storage.records import columns, record

_ITEM = columns(Item)


class PgOutbound:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    async def webhooks(self) -> list[Webhook]:
        sql = f"SELECT {columns(Webhook)} FROM webhooks WHERE deleted_at IS NULL ORDER BY id"
        return [record(Webhook, row) for row in await self._conn.fetch(sql)]

    async def webhook(self, webhook_id: int) -> Webhook | None:
        row = await self._conn.fetchrow(f"SELECT {columns(Webhook)} FROM webhooks WHERE id = $1", webhook_id)
        return None if row is None else record(Webhook, row)

    _ITEMS = f"""
    SELECT {_ITEM} FROM outbox
     WHERE webhook_id = $1 AND ($2::text IS NULL OR state = $2) AND ($3::bigint IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4
    """

    async def items(self, *, webhook_id: int, state: State | None, before_id: int | None, limit: int) -> list[Item]:
        rows = await self._conn.fetch(self._ITEMS, webhook_id, None if state is None else state.value, before_id, limit)
        return [record(Item, row) for row in rows]

    async def item(self, item_id: int) -> Item | None:
        row = await self._conn.fetchrow(f"SELECT {_ITEM} FROM outbox WHERE id = $1", item_id)
        return None if row is None else record(Item, row)

    async def attempts(self, item_id: int, *, limit: int) -> list[Attempt]:
        sql = f"SELECT {columns(Attempt)} FROM outbox_attempts WHERE outbox_id = $1 ORDER BY id DESC LIMIT $2"
        return [record(Attempt, row) for row in await self._conn.fetch(sql, item_id, limit)]

    async def cursor(self, name: str) -> Cursor | None:
        row = await self._conn.fetchrow(f"SELECT {columns(Cursor)} FROM cursors WHERE name = $1", name)
        return None if row is None else record(Cursor, row)

    async def next_due(self) -> datetime | None:
        found: datetime | None = await self._conn.fetchval("SELECT min(due_at) FROM outbox WHERE state = 'pending'")
        return found

    async def watched(self, comment_id: int) -> bool:
        return bool(await self._conn.fetchval("SELECT 1 FROM reply_notices WHERE comment_id = $1", comment_id))

    async def opted_out(self, email_hash: str) -> bool:
        return bool(await self._conn.fetchval("SELECT 1 FROM mail_optouts WHERE email_hash = $1", email_hash))

    async def mailed_since(self, email_hash: str, kind: str, since: datetime) -> bool:
        sql = "SELECT 1 FROM outbox WHERE email_hash = $1 AND kind = $2 AND created_at >= $3 LIMIT 1"
        return bool(await self._conn.fetchval(sql, email_hash, kind, since))

    _ADD_WEBHOOK = f"""
    INSERT INTO webhooks (url, events, secret, description, from_event_id, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING {columns(Webhook)}
    """

    async def add_webhook(
        self, *, url: str, events: Sequence[str], secret: str, description: str | None, from_event_id: int, at: datetime
    ) -> Webhook:
        args = (url, list(events), secret, description, from_event_id, at)
        return record(Webhook, one(await self._conn.fetchrow(self._ADD_WEBHOOK, *args)))

    async def delete_webhook(self, webhook_id: int, *, at: datetime) -> bool:
        sql = "UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id"
        if await self._conn.fetchval(sql, webhook_id, at) is None:
            return False
        call_off = "UPDATE outbox SET state = 'cancelled', last_error = $2 WHERE webhook_id = $1 AND state = 'pending'"
        await self._conn.execute(call_off, webhook_id, "the subscription was deleted")
        return True

    _ENQUEUE = """
    INSERT INTO outbox (channel, webhook_id, recipient, email_hash, kind, message_id, comment_id, event_id, payload,
                        state, due_at, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)
    ON CONFLICT (message_id) DO NOTHING
    RETURNING id
    """

    async def enqueue(self, new: NewItem) -> bool:
        args = (
            new.channel.value,
            new.webhook_id,
            new.recipient,
            new.email_hash,
            new.kind,
            new.message_id,
            new.comment_id,
            new.event_id,
            new.payload,
            new.due_at,
            new.created_at,
        )
        return await self._conn.fetchval(self._ENQUEUE, *args) is not None

    # SKIP LOCKED: a second worker passing at once takes other items, never waits on these.
    _CLAIM = f"""
    UPDATE outbox SET due_at = $2
     WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $3
                  FOR UPDATE SKIP LOCKED)
    RETURNING {_ITEM}
    """

    async def claim(self, *, now: datetime, until: datetime, limit: int) -> list[Item]:
        rows = await self._conn.fetch(self._CLAIM, now, until, limit)
        return sorted((record(Item, row) for row in rows), key=lambda i: i.id)

    _ATTEMPT = """
    INSERT INTO outbox_attempts (outbox_id, started_at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)
    """
    _SETTLE = """
    UPDATE outbox SET state = $2, due_at = $3, attempts = attempts + 1, last_status = $4, last_error = $5,
                      delivered_at = CASE WHEN $2 = 'delivered' THEN $6::timestamptz END,
                      recipient = CASE WHEN $7 THEN NULL ELSE recipient END,
                      payload = CASE WHEN $7 THEN ''::bytea ELSE payload END
     WHERE id = $1
    """

    async def settle(
        self, item: Item, outcome: Outcome, *, state: State, due_at: datetime, forget: bool = False
    ) -> None:
        args = (item.id, outcome.started_at, outcome.status_code, outcome.error, outcome.duration_ms)
        await self._conn.execute(self._ATTEMPT, *args)
        changes = (state.value, due_at, outcome.status_code, outcome.error, outcome.started_at, forget)
        await self._conn.execute(self._SETTLE, item.id, *changes)

    async def redeliver(self, item_id: int, *, at: datetime) -> bool:
        sql = """
        UPDATE outbox SET state = 'pending', attempts = 0, due_at = $2, delivered_at = NULL
         WHERE id = $1 AND channel = 'webhook' RETURNING id
        """
        return await self._conn.fetchval(sql, item_id, at) is not None

    _MOVE = """
    INSERT INTO cursors (name, event_id, touched_at) VALUES ($1, $2, $3)
        ON CONFLICT (name) DO UPDATE
       SET event_id = excluded.event_id,
           touched_at = CASE WHEN $4 THEN excluded.touched_at ELSE cursors.touched_at END
    """

    async def move_cursor(self, name: str, event_id: int, *, at: datetime, touch: bool = True) -> None:
        await self._conn.execute(self._MOVE, name, event_id, at, touch)

    _LEASE = """
    INSERT INTO cursors (name, event_id, holder, lease_at, touched_at) VALUES ('lease', 0, $1, $2, $3)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_at = excluded.lease_at,
                                         touched_at = excluded.touched_at
     WHERE cursors.holder IS NULL OR cursors.holder = excluded.holder OR cursors.lease_at <= excluded.touched_at
    """

    async def lease(self, holder: str, *, now: datetime, until: datetime) -> bool:
        await self._conn.execute(self._LEASE, holder, until, now)
        return bool(await self._conn.fetchval("SELECT holder FROM cursors WHERE name = 'lease'") == holder)

    async def release(self, holder: str, *, at: datetime) -> None:
        sql = "UPDATE cursors SET holder = NULL, lease_at = $2 WHERE name = 'lease' AND holder = $1"
        await self._conn.execute(sql, holder, at)

    async def watch(self, comment_id: int, *, at: datetime) -> None:
        sql = "INSERT INTO reply_notices (comment_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        await self._conn.execute(sql, comment_id, at)

    async def opt_out(self, email_hash: str, *, at: datetime) -> None:
        sql = "INSERT INTO mail_optouts (email_hash, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        await self._conn.execute(sql, email_hash, at)

    async def prune(self, before: datetime, *, limit: int) -> int:
        sql = "SELECT id FROM outbox WHERE state != 'pending' AND created_at < $1 ORDER BY id LIMIT $2"
        doomed = [row["id"] for row in await self._conn.fetch(sql, before, limit)]
        await self._conn.execute("DELETE FROM outbox_attempts WHERE outbox_id = ANY($1::bigint[])", doomed)
        await self._conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", doomed)
        return len(doomed)

    async def forget_mail(self, email_hash: str) -> int:
        sql = """
        UPDATE outbox SET recipient = NULL, payload = ''::bytea,
                          state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END
         WHERE email_hash = $1 AND channel = 'mail' RETURNING id
        """
        return len(await self._conn.fetch(sql, email_hash))
