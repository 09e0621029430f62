"""What the Atom feeds list: the newest comments readers see, site-wide or on one article, with their article."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from parley.domain.errors import NotFound
from parley.domain.records import ArticleSummary, Clock, Comment

if TYPE_CHECKING:
    from parley.domain.ports import Store

FEED_SIZE = 50


class FeedEntry(msgspec.Struct, frozen=True):
    comment: Comment
    article: ArticleSummary

    @property
    def updated(self) -> datetime:
        return self.comment.edited_at or self.comment.created_at


class Feed(msgspec.Struct, frozen=True, kw_only=True):
    """A feed's entries, newest first; `article` is None for the site-wide one."""

    article: ArticleSummary | None
    entries: list[FeedEntry]
    updated: datetime


class FeedService:
    """Only what readers see goes in: approved, visible comments on published articles (never a held one)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def site(self) -> Feed:
        return await self._feed(None)

    async def article(self, slug: str) -> Feed:
        async with self._store.reading() as tx:
            article = await tx.articles.by_slug(slug, now=self._clock())
        if article is None:
            raise NotFound("article", slug)
        return await self._feed(article)

    async def _feed(self, article: ArticleSummary | None) -> Feed:
        now = self._clock()
        async with self._store.reading() as tx:
            comments = await tx.comments.recent(
                article_id=None if article is None else article.id, now=now, limit=FEED_SIZE
            )
            articles: dict[int, ArticleSummary] = {} if article is None else {article.id: article}
            for comment in comments:
                if comment.article_id not in articles:
                    articles[comment.article_id] = await tx.articles.by_id(comment.article_id)
        entries = [FeedEntry(comment, articles[comment.article_id]) for comment in comments]
        updated = max((entry.updated for entry in entries), default=None)
        if updated is None:
            updated = article.published_at if article is not None else now
        return Feed(article=article, entries=entries, updated=updated)
