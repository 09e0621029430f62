"""Live updates: the audit log read forward, as what each article's readers and the moderators are told."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from parley.domain.records import Article, AuditEvent, Clock, Comment, Status

if TYPE_CHECKING:
    from parley.domain.ports import ReadTx, Store

BATCH = 200
"""Events read in one go: a stream far behind catches up in several reads, never in one unbounded one."""


class Happening(msgspec.Struct, frozen=True, kw_only=True):
    """One audit event about a comment, with the comment as it stands after it and its article's count.

    `shown` says whether readers now see the comment; `was_shown` whether they saw it before this event. A
    reader's stream tells only what changes for readers; the moderators' stream tells every event.
    """

    id: int
    article_id: int
    slug: str
    published: bool
    event: AuditEvent
    comment: Comment
    shown: bool
    was_shown: bool
    count: int

    @property
    def public(self) -> bool:
        """Whether readers of the article learn of it: something they see appeared, changed or went away."""
        return self.published and (self.shown or self.was_shown)


class LiveFeed:
    """What happened after a given event, for the streams; the database is the one feed every instance shares."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def last_id(self) -> int:
        async with self._store.reading() as tx:
            return await tx.audit.last_id()

    async def behind(self, after_id: int, *, article_id: int | None, limit: int) -> bool:
        """Whether more than `limit` events followed `after_id`: one read of event ids, nothing more."""
        async with self._store.reading() as tx:
            return len(await tx.audit.after(after_id, article_id=article_id, limit=limit + 1)) > limit

    async def since(self, after_id: int, *, article_id: int | None = None, limit: int = BATCH) -> list[Happening]:
        """The events after `after_id`, oldest first, at most `limit` of them."""
        async with self._store.reading() as tx:
            events = await tx.audit.after(after_id, article_id=article_id, limit=limit)
            comments: dict[int, Comment] = {}
            articles: dict[int, Article] = {}
            return [await self._happening(tx, event, comments, articles) for event in events]

    async def _happening(
        self, tx: ReadTx, event: AuditEvent, comments: dict[int, Comment], articles: dict[int, Article]
    ) -> Happening:
        assert event.comment_id is not None  # `after` reads only events about comments
        if event.comment_id not in comments:
            found = await tx.comments.get(event.comment_id)
            assert found is not None  # comments are never deleted, only erased in place
            comments[event.comment_id] = found
        comment = comments[event.comment_id]
        if comment.article_id not in articles:
            articles[comment.article_id] = await tx.articles.by_id(comment.article_id)
        article = articles[comment.article_id]
        return Happening(
            id=event.id,
            article_id=article.id,
            slug=article.slug,
            published=article.published_at <= self._clock(),
            event=event,
            comment=comment,
            # Read at the event: a later event about the same comment tells its own state when it comes.
            shown=event.to_status == Status.APPROVED and comment.visible,
            was_shown=event.from_status == Status.APPROVED and event.action != "create",
            count=article.comment_count,
        )
