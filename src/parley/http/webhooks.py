"""Admins' webhook endpoints: subscriptions, their delivery log, and redelivery."""

from __future__ import annotations

import typing
from typing import Annotated, Literal

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from parley.domain import shapes
from parley.domain.outbox import Attempt, Item, State, Webhook
from parley.domain.records import Role, Token, stamp
from parley.domain.webhooks import EVENTS, Delivery, Envelope, WebhookService
from parley.http.errors import problems
from parley.http.guards import refusals, requirement, requires
from parley.http.params import AdminLimit, Cursor, IdPath
from parley.http.schemas import Instant, Page

EventName = Literal["comment.created", "comment.approved", "comment.removed", "comment.flagged", "moderation.decided"]
assert set(typing.get_args(EventName)) == set(EVENTS)  # the wire's list and the domain's cannot drift apart

HookUrl = Annotated[
    str,
    msgspec.Meta(
        min_length=8,
        max_length=2000,
        pattern=shapes.HOOK_URL,
        description="http(s) address the deliveries are POSTed to; no user:password part, no fragment",
    ),
]


class WebhookIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    url: HookUrl
    events: Annotated[list[EventName], msgspec.Meta(min_length=1, max_length=len(EVENTS))]
    description: Annotated[str, msgspec.Meta(max_length=500, pattern=shapes.TEXT)] | None = None
    secret: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=r"^whsec_[A-Za-z0-9+/]{32,88}={0,2}$",
                description="your own signing secret (`whsec_`, 24 to 64 bytes in base64); without it parley makes one",
            ),
        ]
        | None
    ) = None

    def __post_init__(self) -> None:
        if not shapes.is_url(self.url):
            raise ValueError("url is not a web address: its host or port cannot be read")


class WebhookOut(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription; its signing `secret` is shown once, in the answer that made it."""

    id: str
    url: str
    events: list[str]
    description: str | None
    created_at: Instant
    secret: Annotated[str | None, msgspec.Meta(description="`whsec_` and base64: only when just made")] = None

    @classmethod
    def from_domain(cls, hook: Webhook, *, with_secret: bool = False) -> WebhookOut:
        return cls(
            id=str(hook.id),
            url=hook.url,
            events=list(hook.events),
            description=hook.description,
            created_at=stamp(hook.created_at),
            secret=hook.secret if with_secret else None,
        )


class WebhookList(msgspec.Struct, frozen=True):
    items: list[WebhookOut]


class AttemptOut(msgspec.Struct, frozen=True, kw_only=True):
    started_at: Instant
    status_code: int | None
    error: str | None
    duration_ms: int

    @classmethod
    def from_domain(cls, attempt: Attempt) -> AttemptOut:
        return cls(
            started_at=stamp(attempt.started_at),
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
        )


class DeliveryOut(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery: the event it carries (`webhook-id` is `message_id`), where it stands, and its last attempt."""

    id: str
    message_id: str
    event: str
    comment_id: str | None
    state: State
    attempts: int
    next_attempt_at: Instant | None
    delivered_at: Instant | None
    last_status: int | None
    last_error: str | None
    created_at: Instant
    payload: Envelope | None = None
    """The body every attempt POSTs (in one delivery's answer only)."""
    attempt_log: list[AttemptOut] | None = None

    @classmethod
    def from_domain(cls, item: Item, *, delivery: Delivery | None = None) -> DeliveryOut:
        return cls(
            id=str(item.id),
            message_id=item.message_id,
            event=item.kind,
            comment_id=None if item.comment_id is None else str(item.comment_id),
            state=item.state,
            attempts=item.attempts,
            next_attempt_at=stamp(item.due_at) if item.state is State.PENDING else None,
            delivered_at=None if item.delivered_at is None else stamp(item.delivered_at),
            last_status=item.last_status,
            last_error=item.last_error,
            created_at=stamp(item.created_at),
            payload=None if delivery is None else msgspec.json.decode(item.payload, type=Envelope),
            attempt_log=None if delivery is None else [AttemptOut.from_domain(a) for a in delivery.attempts],
        )


class DeliveryList(Page[DeliveryOut], frozen=True):
    """A subscription's deliveries, newest first."""


DeliveryState = Annotated[State | None, QueryParameter(name="state", description="only deliveries in this state")]


class WebhooksController(Controller):
    path = "/api/v1/admin/webhooks"
    tags = ["administration"]
    guards = [requires(Role.ADMIN)]
    security = requirement(Role.ADMIN)

    @post(status_code=HTTP_201_CREATED, responses=problems(*refusals(Role.ADMIN), 413, 415, 422))
    async def create_webhook(
        self, data: JSONBody[WebhookIn], webhooks: NamedDependency[WebhookService], moderator: NamedDependency[Token]
    ) -> WebhookOut:
        """Subscribe a URL to events from now on; the answer carries the signing secret, never shown again."""
        made = await webhooks.create(data.url, data.events, data.description, actor=moderator.name, secret=data.secret)
        return WebhookOut.from_domain(made, with_secret=True)

    @get(responses=problems(*refusals(Role.ADMIN)))
    async def list_webhooks(self, webhooks: NamedDependency[WebhookService]) -> WebhookList:
        """The subscriptions in force, oldest first."""
        return WebhookList([WebhookOut.from_domain(hook) for hook in await webhooks.all()])

    @get("/{webhook_id:int}", responses=problems(*refusals(Role.ADMIN), 404, 422))
    async def read_webhook(self, webhook_id: IdPath, webhooks: NamedDependency[WebhookService]) -> WebhookOut:
        return WebhookOut.from_domain(await webhooks.get(webhook_id))

    @delete("/{webhook_id:int}", status_code=HTTP_204_NO_CONTENT, responses=problems(*refusals(Role.ADMIN), 404, 422))
    async def delete_webhook(
        self, webhook_id: IdPath, webhooks: NamedDependency[WebhookService], moderator: NamedDependency[Token]
    ) -> None:
        """Stop the subscription; deliveries still waiting are called off, the log stays readable."""
        await webhooks.delete(webhook_id, actor=moderator.name)

    @get("/{webhook_id:int}/deliveries", responses=problems(*refusals(Role.ADMIN), 404, 422))
    async def list_deliveries(
        self,
        webhook_id: IdPath,
        webhooks: NamedDependency[WebhookService],
        delivery_state: DeliveryState = None,
        limit: AdminLimit = 50,
        cursor: Cursor = None,
    ) -> DeliveryList:
        """The delivery log, newest first: each delivery's state, attempts, last status and error."""
        before = int(cursor) if cursor is not None and cursor.isdigit() and len(cursor) < 19 else None
        items = await webhooks.deliveries(webhook_id, state=delivery_state, before_id=before, limit=limit)
        following = str(items[-1].id) if len(items) == limit else None
        return DeliveryList([DeliveryOut.from_domain(item) for item in items], following)

    @get("/{webhook_id:int}/deliveries/{delivery_id:int}", responses=problems(*refusals(Role.ADMIN), 404, 422))
    async def read_delivery(
        self, webhook_id: IdPath, delivery_id: IdPath, webhooks: NamedDependency[WebhookService]
    ) -> DeliveryOut:
        """One delivery with the body it sends and every attempt (newest first, at most 50)."""
        found = await webhooks.delivery(webhook_id, delivery_id)
        return DeliveryOut.from_domain(found.item, delivery=found)

    @post(
        "/{webhook_id:int}/deliveries/{delivery_id:int}/redeliver",
        status_code=HTTP_202_ACCEPTED,
        responses=problems(*refusals(Role.ADMIN), 404, 422),
    )
    async def redeliver(
        self,
        webhook_id: IdPath,
        delivery_id: IdPath,
        webhooks: NamedDependency[WebhookService],
        moderator: NamedDependency[Token],
    ) -> DeliveryOut:
        """Send a delivery again from now with a fresh set of attempts; its `webhook-id` stays the same."""
        return DeliveryOut.from_domain(await webhooks.redeliver(webhook_id, delivery_id, actor=moderator.name))
