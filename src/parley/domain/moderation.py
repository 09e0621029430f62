"""Moderators' work: queues, decisions (one or many), a comment's history, the audit log and the policy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

from parley.domain import paging
from parley.domain.changes import move
from parley.domain.errors import Conflict, InvalidInput, NotFound
from parley.domain.policy import Policy, in_force
from parley.domain.ports import Store, Tx
from parley.domain.records import AuditEvent, AuditQuery, Clock, Comment, NewEvent, QueueItem, Status
from parley.domain.transitions import Action, ModeratorAction


class QueueState(StrEnum):
    PENDING = "pending"
    FLAGGED = "flagged"
    SPAM = "spam"
    REJECTED = "rejected"


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    action: ModeratorAction
    reason: str | None = None
    expected_status: Status | None = None


class Outcome(msgspec.Struct, kw_only=True):
    """One comment's outcome in a bulk decision: `ok`, `not_found` or `conflict`, with its status when known."""

    id: int
    result: str
    status: Status | None = None
    detail: str | None = None


class ModerationService:
    """Moderators' work: queues, decisions through the transition table, history, audit and site policy."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def queue(
        self, state: QueueState, *, article: str | None, cursor: str | None, limit: int
    ) -> paging.Page[QueueItem]:
        """Pending and flagged oldest first (fair to authors); spam and rejected newest first (recent mistakes)."""
        kind = f"queue:{state.value}"
        after = None if cursor is None else paging.decode(cursor, kind)
        async with self._store.reading(heavy=True) as tx:
            article_id = None
            if article is not None:
                found = await tx.articles.by_slug(article, now=None)
                if found is None:
                    raise NotFound("article", article)
                article_id = found.id
            items = await tx.comments.queue(state.value, article_id=article_id, after=after, limit=limit + 1)
        return paging.cut(items, limit, lambda last: paging.encode(kind, 0, last.comment.id))

    async def stats(self) -> dict[str, int]:
        async with self._store.reading(heavy=True) as tx:
            return await tx.comments.queue_stats()

    async def comment(self, comment_id: int) -> Comment:
        async with self._store.reading() as tx:
            comment = await tx.comments.get(comment_id)
        if comment is None:
            raise NotFound("comment", str(comment_id))
        return comment

    async def decide(self, comment_id: int, decision: Decision, actor: str) -> Comment:
        """One moderator's decision; 409 if another moderator changed the comment first."""
        async with self._store.writing() as tx:
            comment = await tx.comments.get(comment_id)
            if comment is None:
                raise NotFound("comment", str(comment_id))
            return await _apply(tx, comment, decision, actor, await in_force(tx), self._clock())

    async def decide_many(self, ids: list[int], decision: Decision, actor: str) -> list[Outcome]:
        """The same decision for many comments in one transaction; a refusal for one id leaves the others done."""
        results = []
        async with self._store.writing() as tx:
            now = self._clock()
            policy = await in_force(tx)
            for comment_id in ids:
                comment = await tx.comments.get(comment_id)
                if comment is None:
                    results.append(Outcome(id=comment_id, result="not_found"))
                    continue
                try:
                    changed = await _apply(tx, comment, decision, actor, policy, now)
                except Conflict as refused:
                    results.append(
                        Outcome(id=comment_id, result="conflict", status=comment.status, detail=refused.detail)
                    )
                    continue
                results.append(Outcome(id=comment_id, result="ok", status=changed.status))
        return results

    async def history(self, comment_id: int) -> list[AuditEvent]:
        async with self._store.reading(heavy=True) as tx:
            if await tx.comments.get(comment_id) is None:
                raise NotFound("comment", str(comment_id))
            return await tx.audit.query(AuditQuery(comment_id=comment_id, limit=1000))

    async def audit(self, query: AuditQuery, *, cursor: str | None, limit: int) -> paging.Page[AuditEvent]:
        """The audit log, newest first, as `query` filters it."""
        before = None if cursor is None else paging.decode(cursor, "audit").id
        async with self._store.reading(heavy=True) as tx:
            events = await tx.audit.query(msgspec.structs.replace(query, before_id=before, limit=limit + 1))
        return paging.cut(events, limit, lambda last: paging.encode("audit", 0, last.id))

    async def policy(self) -> Policy:
        async with self._store.reading() as tx:
            return await in_force(tx)

    async def set_policy(self, policy: Policy, actor: str) -> Policy:
        """Replace the whole policy; the audit event names each setting that changed."""
        async with self._store.writing() as tx:
            return await _store_policy(tx, await in_force(tx), policy, actor, self._clock())

    async def amend_policy(self, changes: Mapping[str, Any], actor: str) -> Policy:
        """Change only the named settings of the policy in force, in one transaction; the rest stay as they are."""
        async with self._store.writing() as tx:
            before = await in_force(tx)
            try:
                policy = msgspec.convert({**msgspec.structs.asdict(before), **changes}, Policy)
            except msgspec.ValidationError as error:
                raise InvalidInput("policy", str(error)) from None
            return await _store_policy(tx, before, policy, actor, self._clock())


async def _store_policy(tx: Tx, before: Policy, policy: Policy, actor: str, now: datetime) -> Policy:
    """Store the policy and audit each setting that changed, as `name: old -> new`."""
    await tx.site.set_policy(policy, at=now)
    changed = [
        f"{name}: {msgspec.json.encode(getattr(before, name)).decode()} -> "
        f"{msgspec.json.encode(getattr(policy, name)).decode()}"
        for name in policy.__struct_fields__
        if getattr(before, name) != getattr(policy, name)
    ]
    await tx.audit.append(NewEvent(actor=actor, action="policy", reason="; ".join(changed) or "no change", at=now))
    return policy


async def _apply(tx: Tx, comment: Comment, decision: Decision, actor: str, policy: Policy, now: datetime) -> Comment:
    """A decision on one comment, refused (Conflict) if someone acted first or the author withdrew the comment."""
    if decision.expected_status is not None and comment.status is not decision.expected_status:
        raise Conflict(
            f"the comment is {comment.status.value}, not {decision.expected_status.value}: someone acted first"
        )
    action = Action(decision.action)
    return await move(tx, comment, action, actor=actor, reason=decision.reason, policy=policy, at=now)
