"""Webhook subscriptions, the outbox and its attempts, and the audit log's consumers, in SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from parley.domain.outbox import Attempt, Cursor, Item, NewItem, Outcome, State, Webhook
from parley.domain.records import stamp
from parley.storage.sqlite.conn import Conn
from parley.storage.sqlite.rows import columns, record

_ITEM = columns(Item)


class SqliteOutbound:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[Any]:
        return list(await self._conn.execute_fetchall(sql, params))

    _WEBHOOKS = f"SELECT {columns(Webhook)} FROM webhooks WHERE deleted_at IS NULL ORDER BY id"

    async def webhooks(self) -> list[Webhook]:
        return [record(Webhook, row, json=("events",)) for row in await self._rows(self._WEBHOOKS, {})]

    async def webhook(self, webhook_id: int) -> Webhook | None:
        sql = f"SELECT {columns(Webhook)} FROM webhooks WHERE id = :id"
        rows = await self._rows(sql, {"id": webhook_id})
        return record(Webhook, rows[0], json=("events",)) if rows else None

    _ITEMS = f"""
    SELECT {_ITEM} FROM outbox
     WHERE webhook_id = :webhook_id AND (:state IS NULL OR state = :state) AND (:before IS NULL OR id < :before)
     ORDER BY id DESC LIMIT :limit
    """

    async def items(self, *, webhook_id: int, state: State | None, before_id: int | None, limit: int) -> list[Item]:
        params = {"webhook_id": webhook_id, "state": state, "before": before_id, "limit": limit}
        return [record(Item, row) for row in await self._rows(self._ITEMS, params)]

    async def item(self, item_id: int) -> Item | None:
        rows = await self._rows(f"SELECT {_ITEM} FROM outbox WHERE id = :id", {"id": item_id})
        return record(Item, rows[0]) if rows else None

    async def attempts(self, item_id: int, *, limit: int) -> list[Attempt]:
        sql = f"SELECT {columns(Attempt)} FROM outbox_attempts WHERE outbox_id = :id ORDER BY id DESC LIMIT :limit"
        return [record(Attempt, row) for row in await self._rows(sql, {"id": item_id, "limit": limit})]

    async def cursor(self, name: str) -> Cursor | None:
        rows = await self._rows(f"SELECT {columns(Cursor)} FROM cursors WHERE name = :name", {"name": name})
        return record(Cursor, rows[0]) if rows else None

    async def next_due(self) -> datetime | None:
        rows = await self._rows("SELECT min(due_at) AS due FROM outbox WHERE state = 'pending'", {})
        found = rows[0]["due"] if rows else None
        return None if found is None else datetime.fromisoformat(found)

    async def watched(self, comment_id: int) -> bool:
        return bool(await self._rows("SELECT 1 FROM reply_notices WHERE comment_id = :id", {"id": comment_id}))

    async def opted_out(self, email_hash: str) -> bool:
        return bool(await self._rows("SELECT 1 FROM mail_optouts WHERE email_hash = :h", {"h": email_hash}))

    _MAILED = "SELECT 1 FROM outbox WHERE email_hash = :h AND kind = :kind AND created_at >= :since LIMIT 1"

    async def mailed_since(self, email_hash: str, kind: str, since: datetime) -> bool:
        return bool(await self._rows(self._MAILED, {"h": email_hash, "kind": kind, "since": stamp(since)}))

    _ADD_WEBHOOK = f"""
    INSERT INTO webhooks (url, events, secret, description, from_event_id, created_at)
    VALUES (:url, :events, :secret, :description, :from_event_id, :at)
    RETURNING {columns(Webhook)}
    """

    async def add_webhook(
        self, *, url: str, events: Sequence[str], secret: str, description: str | None, from_event_id: int, at: datetime
    ) -> Webhook:
        params = {
            "url": url,
            "events": msgspec.json.encode(list(events)).decode(),
            "secret": secret,
            "description": description,
            "from_event_id": from_event_id,
            "at": stamp(at),
        }
        return record(Webhook, (await self._rows(self._ADD_WEBHOOK, params))[0], json=("events",))

    _DELETE_WEBHOOK = "UPDATE webhooks SET deleted_at = :at WHERE id = :id AND deleted_at IS NULL RETURNING id"
    _CALL_OFF = "UPDATE outbox SET state = 'cancelled', last_error = :why WHERE webhook_id = :id AND state = 'pending'"

    async def delete_webhook(self, webhook_id: int, *, at: datetime) -> bool:
        if not await self._rows(self._DELETE_WEBHOOK, {"id": webhook_id, "at": stamp(at)}):
            return False
        await self._conn.execute(self._CALL_OFF, {"id": webhook_id, "why": "the subscription was deleted"})
        return True

    _ENQUEUE = """
    INSERT INTO outbox (channel, webhook_id, recipient, email_hash, kind, message_id, comment_id, event_id, payload,
                        state, due_at, created_at)
    VALUES (:channel, :webhook_id, :recipient, :email_hash, :kind, :message_id, :comment_id, :event_id, :payload,
            'pending', :due_at, :created_at)
    ON CONFLICT (message_id) DO NOTHING
    RETURNING id
    """

    async def enqueue(self, new: NewItem) -> bool:
        params = msgspec.structs.asdict(new)
        params.update(channel=new.channel.value, due_at=stamp(new.due_at), created_at=stamp(new.created_at))
        return bool(await self._rows(self._ENQUEUE, params))

    _CLAIM = f"""
    UPDATE outbox SET due_at = :until
     WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND due_at <= :now ORDER BY due_at, id LIMIT :limit)
    RETURNING {_ITEM}
    """

    async def claim(self, *, now: datetime, until: datetime, limit: int) -> list[Item]:
        params = {"now": stamp(now), "until": stamp(until), "limit": limit}
        return sorted((record(Item, row) for row in await self._rows(self._CLAIM, params)), key=lambda i: i.id)

    _ATTEMPT = """
    INSERT INTO outbox_attempts (outbox_id, started_at, status_code, error, duration_ms)
    VALUES (:id, :started_at, :status_code, :error, :duration_ms)
    """
    _SETTLE = """
    UPDATE outbox SET state = :state, due_at = :due_at, attempts = attempts + 1, last_status = :status_code,
                      last_error = :error, delivered_at = CASE WHEN :state = 'delivered' THEN :started_at END,
                      recipient = CASE WHEN :forget THEN NULL ELSE recipient END,
                      payload = CASE WHEN :forget THEN X'' ELSE payload END
     WHERE id = :id
    """

    async def settle(
        self, item: Item, outcome: Outcome, *, state: State, due_at: datetime, forget: bool = False
    ) -> None:
        params: dict[str, Any] = {
            "id": item.id,
            "started_at": stamp(outcome.started_at),
            "status_code": outcome.status_code,
            "error": outcome.error,
            "duration_ms": outcome.duration_ms,
        }
        await self._conn.execute(self._ATTEMPT, params)
        params.update(state=state.value, due_at=stamp(due_at), forget=int(forget))
        del params["duration_ms"]
        await self._conn.execute(self._SETTLE, params)

    _REDELIVER = """
    UPDATE outbox SET state = 'pending', attempts = 0, due_at = :at, delivered_at = NULL
     WHERE id = :id AND channel = 'webhook' RETURNING id
    """

    async def redeliver(self, item_id: int, *, at: datetime) -> bool:
        return bool(await self._rows(self._REDELIVER, {"id": item_id, "at": stamp(at)}))

    _MOVE = """
    INSERT INTO cursors (name, event_id, touched_at) VALUES (:name, :event_id, :at)
        ON CONFLICT (name) DO UPDATE
       SET event_id = excluded.event_id, touched_at = CASE WHEN :touch THEN excluded.touched_at ELSE touched_at END
    """

    async def move_cursor(self, name: str, event_id: int, *, at: datetime, touch: bool = True) -> None:
        await self._conn.execute(self._MOVE, {"name": name, "event_id": event_id, "at": stamp(at), "touch": touch})

    _LEASE = """
    INSERT INTO cursors (name, event_id, holder, lease_at, touched_at) VALUES ('lease', 0, :holder, :until, :now)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_at = excluded.lease_at,
                                         touched_at = excluded.touched_at
     WHERE cursors.holder IS NULL OR cursors.holder = excluded.holder OR cursors.lease_at <= excluded.touched_at
    """

    async def lease(self, holder: str, *, now: datetime, until: datetime) -> bool:
        await self._conn.execute(self._LEASE, {"holder": holder, "now": stamp(now), "until": stamp(until)})
        found = await self.cursor("lease")
        return found is not None and found.holder == holder

    async def release(self, holder: str, *, at: datetime) -> None:
        sql = "UPDATE cursors SET holder = NULL, lease_at = :at WHERE name = 'lease' AND holder = :holder"
        await self._conn.execute(sql, {"holder": holder, "at": stamp(at)})

    async def watch(self, comment_id: int, *, at: datetime) -> None:
        sql = "INSERT INTO reply_notices (comment_id, created_at) VALUES (:id, :at) ON CONFLICT DO NOTHING"
        await self._conn.execute(sql, {"id": comment_id, "at": stamp(at)})

    async def opt_out(self, email_hash: str, *, at: datetime) -> None:
        sql = "INSERT INTO mail_optouts (email_hash, created_at) VALUES (:h, :at) ON CONFLICT DO NOTHING"
        await self._conn.execute(sql, {"h": email_hash, "at": stamp(at)})

    _DOOMED = "SELECT id FROM outbox WHERE state != 'pending' AND created_at < :before ORDER BY id LIMIT :limit"

    async def prune(self, before: datetime, *, limit: int) -> int:
        doomed = [row["id"] for row in await self._rows(self._DOOMED, {"before": stamp(before), "limit": limit})]
        ids = msgspec.json.encode(doomed).decode()
        await self._conn.execute(
            "DELETE FROM outbox_attempts WHERE outbox_id IN (SELECT value FROM json_each(:ids))", {"ids": ids}
        )
        await self._conn.execute("DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(:ids))", {"ids": ids})
        return len(doomed)

    _FORGET = """
    UPDATE outbox SET recipient = NULL, payload = X'',
                      state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END
     WHERE email_hash = :h AND channel = 'mail' RETURNING id
    """

    async def forget_mail(self, email_hash: str) -> int:
        return len(await self._rows(self._FORGET, {"h": email_hash}))
