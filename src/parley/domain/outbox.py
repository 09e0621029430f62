"""What leaves the site: outbox records, the retry schedule, and the lease that lets one process send."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from enum import StrEnum

import msgspec


class Channel(StrEnum):
    WEBHOOK = "webhook"
    MAIL = "mail"


class State(StrEnum):
    """An outbox item waits, was delivered, failed for good (every attempt spent), or was called off."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Webhook(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription: where events go, which of them, and the secret their signatures are made with."""

    id: int
    url: str
    events: tuple[str, ...]
    secret: str
    description: str | None
    from_event_id: int
    created_at: datetime
    deleted_at: datetime | None = None


class NewItem(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery or an e-mail to store in the same transaction as the change that caused it."""

    channel: Channel
    kind: str
    message_id: str
    payload: bytes
    due_at: datetime
    created_at: datetime
    webhook_id: int | None = None
    recipient: str | None = None
    email_hash: str | None = None
    comment_id: int | None = None
    event_id: int | None = None


class Item(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    channel: Channel
    kind: str
    message_id: str
    payload: bytes
    state: State
    attempts: int
    due_at: datetime
    created_at: datetime
    webhook_id: int | None
    recipient: str | None
    email_hash: str | None
    comment_id: int | None
    event_id: int | None
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt: whether the receiver took it, its HTTP status or SMTP reply code, and what went wrong."""

    ok: bool
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    outbox_id: int
    started_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class Cursor(msgspec.Struct, frozen=True, kw_only=True):
    """How far a consumer has read the audit log, and (for the lease row) who holds the outbox until when."""

    name: str
    event_id: int
    holder: str | None
    lease_at: datetime | None
    touched_at: datetime


class Schedule(msgspec.Struct, frozen=True, kw_only=True):
    """When to try again: exponential backoff from `base_seconds`, capped, with jitter; `attempts` in all."""

    attempts: int = 15
    base_seconds: float = 5.0
    cap_seconds: float = 6 * 3600.0

    def delay(self, failed: int, rand: random.Random | None = None) -> float:
        """Seconds before attempt `failed + 1`: base·2^(failed-1), capped, then drawn from its upper half so that
        receivers coming back from an outage are not met by every retry at once."""
        full = min(self.base_seconds * 2.0 ** max(failed - 1, 0), self.cap_seconds)
        jitter = rand.uniform(0.5, 1.0) if rand is not None else random.uniform(0.5, 1.0)
        return full * jitter

    def after(self, item: Item, outcome: Outcome, now: datetime) -> tuple[State, datetime]:
        """The state an attempt leaves the item in, and when it is next due."""
        if outcome.ok:
            return State.DELIVERED, now
        failed = item.attempts + 1
        if failed >= self.attempts:
            return State.FAILED, now
        return State.PENDING, now + timedelta(seconds=self.delay(failed))


LEASE_SECONDS = 30.0
"""How long the process that works the outbox holds it without renewing: another takes over after that."""
CLAIM_SECONDS = 120.0
"""How long a claimed item is hidden from other passes: a sender that died mid-attempt lets it come back."""
