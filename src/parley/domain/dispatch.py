"""The outbox's work: audit events turned into deliveries and e-mails, items claimed, attempts settled.

The audit log is written in the transaction of every change to a comment, so it is the transactional outbox's
source: an event exists only if its change committed. Each consumer (webhooks, reply e-mails, the moderators'
digest) reads it forward from its own cursor, and writes the items an event calls for in the same transaction
that moves the cursor, so an event is turned into items exactly once, even if the process dies between passes.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec

from parley.domain import notices, webhooks
from parley.domain.identity import Hasher
from parley.domain.notices import MailConfig
from parley.domain.outbox import CLAIM_SECONDS, LEASE_SECONDS, Channel, Item, NewItem, Outcome, Schedule, State, Webhook
from parley.domain.ports import Store, Tx
from parley.domain.records import Article, Clock

CONSUMERS = ("webhooks", "mail", "moderators")
BATCH = 200
"""Events one consumer reads in one pass: a long backlog is worked through in bounded steps."""


class Parcel(msgspec.Struct, frozen=True, kw_only=True):
    """A claimed item with what sending it needs: its subscription, for a webhook."""

    item: Item
    webhook: Webhook | None = None


class Dispatcher:
    """Turns events into outbox items and keeps the items' states; sending is the adapters' part."""

    def __init__(
        self, store: Store, hasher: Hasher, clock: Clock, *, mail: MailConfig, schedule: Schedule, site_url: str
    ) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock
        self._mail = mail
        self._schedule = schedule
        self._site_url = site_url

    async def begin(self) -> None:
        """Start each consumer that has never run where the log ends now, when the site opens: what happens
        from then on is told, the history before it never."""
        async with self._store.writing() as tx:
            last = await tx.audit.last_id()
            for name in CONSUMERS:
                if await tx.outbound.cursor(name) is None:
                    await tx.outbound.move_cursor(name, last, at=self._clock())

    async def lease(self, holder: str) -> bool:
        """Take or keep the one lease: only its holder dispatches and sends, however many processes run. A
        standby only reads while another's lease runs, so waiting costs no write."""
        async with self._store.reading() as tx:
            held = await tx.outbound.cursor("lease")
        if held is not None and held.holder not in (None, holder) and held.lease_at and held.lease_at > self._clock():
            return False
        async with self._store.writing() as tx:
            now = self._clock()
            return await tx.outbound.lease(holder, now=now, until=now + timedelta(seconds=LEASE_SECONDS))

    async def release(self, holder: str) -> None:
        async with self._store.writing() as tx:
            await tx.outbound.release(holder, at=self._clock())

    async def waiting(self) -> tuple[bool, bool]:
        """Whether a consumer has events to read, and whether an item is due: one brief read, so that an idle
        worker writes nothing."""
        async with self._store.reading() as tx:
            now = self._clock()
            last = await tx.audit.last_id()
            behind = False
            for name in CONSUMERS:
                cursor = await tx.outbound.cursor(name)
                if cursor is None or cursor.event_id >= last:
                    continue
                digest = timedelta(minutes=self._mail.digest_minutes)
                behind = behind or name != "moderators" or now - cursor.touched_at >= digest
            due = await tx.outbound.next_due()
            return behind, due is not None and due <= now

    async def dispatch(self) -> int:
        """One pass of every consumer; returns how many items it queued."""
        async with self._store.writing() as tx:
            last = await tx.audit.last_id()
            return await self._webhooks(tx, last) + await self._replies(tx, last) + await self._moderators(tx, last)

    async def _webhooks(self, tx: Tx, last: int) -> int:
        now = self._clock()
        subscriptions = await tx.outbound.webhooks()
        cursor = await tx.outbound.cursor("webhooks")
        if not subscriptions:
            await tx.outbound.move_cursor("webhooks", last, at=now)
            return 0
        # A new consumer starts where the oldest subscription began: nothing it was made after is skipped.
        start = cursor.event_id if cursor else min(s.from_event_id for s in subscriptions)
        events = await tx.audit.after(start, article_id=None, limit=BATCH)
        queued = 0
        articles: dict[int, Article] = {}
        for event in events:
            targets = [
                (subscription, kind)
                for kind in webhooks.event_types(event)
                for subscription in subscriptions
                if kind in subscription.events and event.id > subscription.from_event_id
            ]
            if not targets:
                continue
            assert event.comment_id is not None
            comment = await tx.comments.get(event.comment_id)
            assert comment is not None  # comments are erased in place, never deleted
            if comment.article_id not in articles:
                articles[comment.article_id] = await tx.articles.by_id(comment.article_id)
            article = articles[comment.article_id]
            # Every subscription to a kind is sent the same body: encoded once per kind.
            bodies = {kind: webhooks.payload(kind, event, comment, article, self._site_url) for _, kind in targets}
            for subscription, kind in targets:
                item = NewItem(
                    channel=Channel.WEBHOOK,
                    kind=kind,
                    message_id=f"msg_{event.id}_{subscription.id}_{kind}",
                    payload=bodies[kind],
                    due_at=now,
                    created_at=now,
                    webhook_id=subscription.id,
                    comment_id=comment.id,
                    event_id=event.id,
                )
                queued += await tx.outbound.enqueue(item)
        if events:
            await tx.outbound.move_cursor("webhooks", events[-1].id, at=now)
        return queued

    async def _replies(self, tx: Tx, last: int) -> int:
        now = self._clock()
        cursor = await tx.outbound.cursor("mail")
        if cursor is None or not self._mail.enabled:
            await tx.outbound.move_cursor("mail", last, at=now)
            return 0
        events = await tx.audit.after(cursor.event_id, article_id=None, limit=BATCH)
        queued = 0
        for event in events:
            if notices.shows_first(event):
                notice = await notices.reply_notice(tx, event, self._hasher, self._mail, now)
                queued += notice is not None and await tx.outbound.enqueue(notice)
        if events:
            await tx.outbound.move_cursor("mail", events[-1].id, at=now)
        return queued

    async def _moderators(self, tx: Tx, last: int) -> int:
        now = self._clock()
        cursor = await tx.outbound.cursor("moderators")
        if cursor is None or not self._mail.enabled or not self._mail.moderators:
            await tx.outbound.move_cursor("moderators", last, at=now)
            return 0
        if now - cursor.touched_at < timedelta(minutes=self._mail.digest_minutes):
            return 0  # the digest is not due: the events wait behind the cursor
        events = await tx.audit.after(cursor.event_id, article_id=None, limit=BATCH)
        if not events:
            return 0
        letters = notices.moderators_digest(events, self._mail, now)
        for letter in letters:
            await tx.outbound.enqueue(letter)
        await tx.outbound.move_cursor("moderators", events[-1].id, at=now, touch=bool(letters))
        return len(letters)

    async def prune(self, keep_days: float, limit: int = 1000) -> int:
        """Forget settled items older than `keep_days`, a bounded batch at a time: the log keeps a month, not
        everything ever sent."""
        async with self._store.writing() as tx:
            return await tx.outbound.prune(self._clock() - timedelta(days=keep_days), limit=limit)

    async def claim(self, limit: int = 16) -> list[Parcel]:
        """Items due now, hidden from other passes for a while; what can no longer be sent is called off here:
        a delivery whose subscription was deleted, a reply notice whose reply readers no longer see."""
        async with self._store.writing() as tx:
            now = self._clock()
            claimed = await tx.outbound.claim(now=now, until=now + timedelta(seconds=CLAIM_SECONDS), limit=limit)
            parcels = []
            hooks = {hook.id: hook for hook in await tx.outbound.webhooks()}  # the subscriptions in force
            for item in claimed:
                hook = None if item.webhook_id is None else hooks.get(item.webhook_id)
                why = await self._stale(tx, item, hook)
                if why is not None:
                    off = Outcome(ok=False, started_at=now, duration_ms=0, error=why)
                    await tx.outbound.settle(item, off, state=State.CANCELLED, due_at=now, forget=True)
                    continue
                parcels.append(Parcel(item=item, webhook=hook))
            return parcels

    async def _stale(self, tx: Tx, item: Item, hook: Webhook | None) -> str | None:
        if item.webhook_id is not None:
            return "the subscription was deleted" if hook is None else None
        if item.kind == "reply" and item.comment_id is not None:
            reply = await tx.comments.get(item.comment_id)
            return None if reply is not None and reply.visible else "readers no longer see the reply"
        if item.kind == "export" and item.email_hash is not None and item.recipient is not None:
            mailbox = self._hasher.mailbox(item.recipient)
            written = await tx.comments.by_email_hash(item.email_hash)
            if not any(c.author_email and self._hasher.mailbox(c.author_email) == mailbox for c in written):
                return "nothing was written with this address"
        return None

    async def settle(self, attempts: list[tuple[Item, Outcome]]) -> list[State]:
        """Log a pass's attempts in one transaction; a failure is tried again on the schedule until its
        attempts are spent."""
        states = []
        async with self._store.writing() as tx:
            now = self._clock()
            for item, outcome in attempts:
                state, due = self._schedule.after(item, outcome, now)
                # A sent e-mail keeps no copy of its text or address; a delivery stays for redelivery.
                forget = item.channel is Channel.MAIL and state is not State.PENDING
                await tx.outbound.settle(item, outcome, state=state, due_at=due, forget=forget)
                states.append(state)
        return states
