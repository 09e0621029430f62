"""Webhooks: which audit events are which webhook events, what a payload says, and the subscriptions."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence

import msgspec

from parley.domain.errors import InvalidInput, NotFound
from parley.domain.outbox import Attempt, Item, State, Webhook
from parley.domain.ports import Store
from parley.domain.records import Article, AuditEvent, Clock, Comment, NewEvent, Status, stamp
from parley.domain.transitions import MODERATOR_ACTIONS

EVENTS = ("comment.created", "comment.approved", "comment.removed", "comment.flagged", "moderation.decided")
_DECISIONS = frozenset(action.value for action in MODERATOR_ACTIONS)


def event_types(event: AuditEvent) -> list[str]:
    """The webhook events one audit event about a comment is: a comment posted, shown for the first time or
    again, removed (by a moderator, its author or an erasure), sent to the flagged queue, or decided on."""
    found = []
    if event.action == "create":
        found.append("comment.created")
    if event.to_status is Status.APPROVED and (event.action == "create" or event.from_status is not Status.APPROVED):
        found.append("comment.approved")
    if event.to_status is Status.REMOVED and event.from_status is not Status.REMOVED:
        found.append("comment.removed")
    if event.action == "flag_threshold":
        found.append("comment.flagged")
    if event.action in _DECISIONS:
        found.append("moderation.decided")
    return found


class CommentData(msgspec.Struct, frozen=True, kw_only=True):
    """A comment as a webhook tells it: never its author's e-mail or network address."""

    id: int
    article: str
    article_title: str
    url: str
    parent_id: int | None
    status: Status
    author_name: str
    author_url: str | None
    body: str
    body_html: str
    created_at: str
    edited_at: str | None


class EventData(msgspec.Struct, frozen=True, kw_only=True):
    event_id: int
    action: str
    actor: str
    reason: str | None
    from_status: Status | None
    to_status: Status | None
    comment: CommentData


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """The body of every delivery, in the Standard Webhooks shape: `type`, `timestamp`, `data`."""

    type: str
    timestamp: str
    """When the event happened: RFC 3339, UTC, to the microsecond, as every time parley tells."""
    data: EventData


def payload(kind: str, event: AuditEvent, comment: Comment, article: Article, site_url: str) -> bytes:
    """A delivery's body, made when the event is dispatched: an erased comment's text is already gone."""
    data = CommentData(
        id=comment.id,
        article=article.slug,
        article_title=article.title,
        url=f"{site_url}/articles/{article.slug}#parley-c-{comment.id}",
        parent_id=comment.parent_id,
        status=event.to_status or comment.status,
        author_name=comment.author_name,
        author_url=comment.author_url,
        body=comment.body,
        body_html=comment.body_html,
        created_at=stamp(comment.created_at),
        edited_at=None if comment.edited_at is None else stamp(comment.edited_at),
    )
    about = EventData(
        event_id=event.id,
        action=event.action,
        actor=event.actor,
        reason=event.reason,
        from_status=event.from_status,
        to_status=event.to_status,
        comment=data,
    )
    return msgspec.json.encode(Envelope(type=kind, timestamp=stamp(event.created_at), data=about))


def new_secret() -> str:
    """A signing secret as Standard Webhooks spells it: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_bytes(secret: str) -> bytes:
    """The key a `whsec_` secret stands for."""
    return base64.b64decode(secret.removeprefix("whsec_"), validate=True)


def _strong(secret: str) -> bool:
    try:
        return 24 <= len(secret_bytes(secret)) <= 64
    except ValueError:
        return False


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    item: Item
    attempts: list[Attempt]


class WebhookService:
    """Admins' subscriptions: add, list, delete, read the delivery log, and send a delivery again."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def create(
        self, url: str, events: Sequence[str], description: str | None, *, actor: str, secret: str | None = None
    ) -> Webhook:
        """A subscription hears of events after it is made, never of the history before it."""
        unknown = sorted(set(events) - set(EVENTS))
        if unknown:
            raise InvalidInput("events", f"unknown event {unknown[0]!r}; known: {', '.join(EVENTS)}")
        if secret is not None and not _strong(secret):
            raise InvalidInput("secret", "must be `whsec_` and 24 to 64 random bytes in base64")
        async with self._store.writing() as tx:
            now = self._clock()
            made = await tx.outbound.add_webhook(
                url=url,
                events=sorted(set(events), key=EVENTS.index),
                secret=secret or new_secret(),
                description=description,
                from_event_id=await tx.audit.last_id(),
                at=now,
            )
            why = f"webhook {made.id} to {url} for {', '.join(made.events)}"
            await tx.audit.append(NewEvent(actor=actor, action="webhook_create", reason=why, at=now))
        return made

    async def all(self) -> list[Webhook]:
        async with self._store.reading() as tx:
            return await tx.outbound.webhooks()

    async def get(self, webhook_id: int) -> Webhook:
        async with self._store.reading() as tx:
            found = await tx.outbound.webhook(webhook_id)
        if found is None or found.deleted_at is not None:
            raise NotFound("webhook", webhook_id)
        return found

    async def delete(self, webhook_id: int, *, actor: str) -> None:
        async with self._store.writing() as tx:
            now = self._clock()
            if not await tx.outbound.delete_webhook(webhook_id, at=now):
                raise NotFound("webhook", webhook_id)
            why = f"webhook {webhook_id}"
            await tx.audit.append(NewEvent(actor=actor, action="webhook_delete", reason=why, at=now))

    async def deliveries(
        self, webhook_id: int, *, state: State | None, before_id: int | None, limit: int
    ) -> list[Item]:
        await self.get(webhook_id)
        async with self._store.reading(heavy=True) as tx:
            return await tx.outbound.items(webhook_id=webhook_id, state=state, before_id=before_id, limit=limit)

    async def delivery(self, webhook_id: int, delivery_id: int) -> Delivery:
        async with self._store.reading() as tx:
            item = await tx.outbound.item(delivery_id)
            if item is None or item.webhook_id != webhook_id:
                raise NotFound("delivery", delivery_id)
            return Delivery(item=item, attempts=await tx.outbound.attempts(delivery_id, limit=50))

    async def redeliver(self, webhook_id: int, delivery_id: int, *, actor: str) -> Item:
        """Send a delivery again from now, with its own id (so a receiver can tell a repeat) and fresh attempts."""
        await self.get(webhook_id)
        async with self._store.writing() as tx:
            now = self._clock()
            item = await tx.outbound.item(delivery_id)
            if item is None or item.webhook_id != webhook_id or not await tx.outbound.redeliver(delivery_id, at=now):
                raise NotFound("delivery", delivery_id)
            why = f"delivery {delivery_id} of webhook {webhook_id}"
            await tx.audit.append(NewEvent(actor=actor, action="webhook_redeliver", reason=why, at=now))
            again = await tx.outbound.item(delivery_id)
        assert again is not None
        return again
