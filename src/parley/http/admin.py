"""Moderation endpoints: queues, decisions on one or many comments, a comment's history, the audit log."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from parley.domain.moderation import Decision, ModerationService, QueueState
from parley.domain.records import AuditQuery, Role, Token
from parley.http.admin_schemas import (
    AdminComment,
    AuditEventOut,
    AuditOut,
    BulkIn,
    BulkOut,
    BulkResult,
    DecisionIn,
    QueueEntry,
    QueueOut,
    QueueStats,
)
from parley.http.errors import problems
from parley.http.guards import refusals, requirement, requires
from parley.http.params import (
    ActionFilter,
    ActorFilter,
    AdminLimit,
    ArticleFilter,
    CommentFilter,
    Cursor,
    IdPath,
    QueueName,
)


class QueueController(Controller):
    path = "/api/v1/admin/queue"
    tags = ["moderation"]
    guards = [requires(Role.MODERATOR)]
    security = requirement(Role.MODERATOR)

    @get(responses=problems(*refusals(Role.MODERATOR), 404, 422))
    async def queue(
        self,
        moderation_service: NamedDependency[ModerationService],
        queue_state: QueueName = QueueState.PENDING,
        article: ArticleFilter = None,
        limit: AdminLimit = 50,
        cursor: Cursor = None,
    ) -> QueueOut:
        """Comments waiting for a decision, each with what a moderator needs to decide."""
        page = await moderation_service.queue(queue_state, article=article, cursor=cursor, limit=limit)
        return QueueOut.of(page, QueueEntry.from_domain)

    @get("/stats", responses=problems(*refusals(Role.MODERATOR)))
    async def stats(self, moderation_service: NamedDependency[ModerationService]) -> QueueStats:
        """How many comments wait in each queue."""
        counts = await moderation_service.stats()
        return QueueStats(**counts)


class DecisionsController(Controller):
    path = "/api/v1/admin/comments"
    tags = ["moderation"]
    guards = [requires(Role.MODERATOR)]
    security = requirement(Role.MODERATOR)

    @post(
        "/{comment_id:int}/moderate",
        status_code=200,
        responses=problems(*refusals(Role.MODERATOR), 404, 409, 413, 415, 422),
    )
    async def moderate(
        self,
        comment_id: IdPath,
        data: JSONBody[DecisionIn],
        moderation_service: NamedDependency[ModerationService],
        moderator: NamedDependency[Token],
    ) -> AdminComment:
        """Approve, reject, mark as spam, remove or restore; 409 if `expected_status` no longer holds."""
        decision = Decision(action=data.action, reason=data.reason, expected_status=data.expected_status)
        return AdminComment.from_domain(await moderation_service.decide(comment_id, decision, moderator.name))

    @post(
        "/moderate",
        status_code=200,
        responses=problems(*refusals(Role.MODERATOR), 413, 415, 422),
    )
    async def moderate_many(
        self,
        data: JSONBody[BulkIn],
        moderation_service: NamedDependency[ModerationService],
        moderator: NamedDependency[Token],
    ) -> BulkOut:
        """One decision for up to 200 comments; a result per id, and one refusal undoes nothing else."""
        decision = Decision(action=data.action, reason=data.reason, expected_status=data.expected_status)
        ids = list(dict.fromkeys(int(value) for value in data.ids))
        outcomes = await moderation_service.decide_many(ids, decision, moderator.name)
        return BulkOut([BulkResult.of(outcome) for outcome in outcomes])

    @get("/{comment_id:int}", responses=problems(*refusals(Role.MODERATOR), 404, 422))
    async def comment(self, comment_id: IdPath, moderation_service: NamedDependency[ModerationService]) -> AdminComment:
        """One comment in any status, as moderators see it."""
        return AdminComment.from_domain(await moderation_service.comment(comment_id))

    @get("/{comment_id:int}/history", responses=problems(*refusals(Role.MODERATOR), 404, 422))
    async def history(
        self, comment_id: IdPath, moderation_service: NamedDependency[ModerationService]
    ) -> list[AuditEventOut]:
        """What happened to one comment, newest first: its latest 1,000 events (the audit log pages through all)."""
        return [AuditEventOut.from_domain(event) for event in await moderation_service.history(comment_id)]


class AuditController(Controller):
    path = "/api/v1/admin/audit"
    tags = ["moderation"]
    guards = [requires(Role.ADMIN)]
    security = requirement(Role.ADMIN)

    @get(responses=problems(*refusals(Role.ADMIN), 422))
    async def audit(
        self,
        moderation_service: NamedDependency[ModerationService],
        actor: ActorFilter = None,
        action: ActionFilter = None,
        comment_id: CommentFilter = None,
        limit: AdminLimit = 50,
        cursor: Cursor = None,
    ) -> AuditOut:
        """The append-only audit log, newest first."""
        query = AuditQuery(actor=actor, action=action, comment_id=comment_id)
        page = await moderation_service.audit(query, cursor=cursor, limit=limit)
        return AuditOut.of(page, AuditEventOut.from_domain)
