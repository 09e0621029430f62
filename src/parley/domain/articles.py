"""Articles: the newest-first list, one article with what to read next, and editors' changes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from parley.domain import paging, text
from parley.domain.errors import AlreadyExists, NotFound
from parley.domain.policy import in_force
from parley.domain.ports import Store, Tx
from parley.domain.records import (
    Article,
    ArticleChanges,
    ArticleDraft,
    ArticleSummary,
    ArticleView,
    Clock,
    NewEvent,
)

RELATED = 3
_KIND = "articles"
# Derived from the body: its change is told by naming the body.
_DERIVED = frozenset({"body_html", "reading_minutes"})


def differences(article: Article, fields: dict[str, Any]) -> str:
    """What an update changes, as `field: old -> new`; the body, being long, by name only."""
    changed = []
    for name, value in fields.items():
        before = getattr(article, name)
        if before == value or name in _DERIVED:
            continue
        if name == "body":
            changed.append(name)
        else:
            old, new = (msgspec.json.encode(item).decode() for item in (before, value))
            changed.append(f"{name}: {old} -> {new}")
    return "; ".join(changed) or "no change"


async def _audit(tx: Tx, actor: str, reason: str, at: datetime) -> None:
    await tx.audit.append(NewEvent(actor=actor, action="article", reason=reason, at=at))


class ArticleService:
    """Articles for readers and admins: listing, reading next, publishing and comment settings."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def page(
        self, *, limit: int, cursor: str | None, author: str | None, tag: str | None
    ) -> paging.Page[ArticleSummary]:
        """Newest first; the cursor is the last article's publication time and id."""
        after = None if cursor is None else paging.decode(cursor, _KIND)
        async with self._store.reading() as tx:
            items = await tx.articles.page(limit=limit + 1, after=after, author=author, tag=tag, now=self._clock())
        return paging.cut(items, limit, lambda last: paging.encode(_KIND, paging.micros(last.published_at), last.id))

    async def view(self, slug: str, *, editor: bool = False) -> ArticleView:
        """One article with its comment state, related articles and more from its author; editors see unpublished."""
        now = self._clock()
        async with self._store.reading() as tx:
            article = await tx.articles.by_slug(slug, now=None if editor else now)
            if article is None:
                raise NotFound("article", slug)
            policy = await in_force(tx)
            more = await tx.articles.by_same_author(article, limit=RELATED, now=now)
            # "You May Also Like" never repeats "More From Author" on the same page, and prefers other authors.
            shown = {item.id for item in more}
            candidates = await tx.articles.related(article, limit=RELATED + len(shown), now=now)
            related = [item for item in candidates if item.id not in shown][:RELATED]
        return ArticleView(
            article=article,
            moderation=policy.moderation_for(article),
            comments_open=not policy.closes(article, now),
            related=related,
            more_from_author=more,
        )

    async def create(self, draft: ArticleDraft, *, actor: str) -> ArticleView:
        """A new article; the audit log names who published it."""
        body_html = await asyncio.to_thread(text.render_article, draft.body)
        async with self._store.writing() as tx:
            now = self._clock()
            await tx.articles.insert(
                draft,
                body_html=body_html,
                reading_minutes=text.reading_minutes(draft.body),
                now=now,
            )
            await _audit(tx, actor, f"{draft.slug}: created", now)
        return await self.view(draft.slug, editor=True)

    async def update(self, slug: str, changes: ArticleChanges, *, actor: str) -> ArticleView:
        """Apply an editor's partial update; a new body is rendered again; the audit log names what changed."""
        body_html = None
        if changes.body is not None:
            body_html = await asyncio.to_thread(text.render_article, changes.body)
        async with self._store.writing() as tx:
            article = await tx.articles.by_slug(slug, now=None)
            if article is None:
                raise NotFound("article", slug)
            fields = {
                name: value for name in changes.__struct_fields__ if (value := getattr(changes, name)) is not None
            }
            if body_html is not None:
                fields["body_html"] = body_html
                fields["reading_minutes"] = text.reading_minutes(fields["body"])
            now = self._clock()
            await tx.articles.update(msgspec.structs.replace(article, **fields), now=now)
            await _audit(tx, actor, f"{slug}: {differences(article, fields)}", now)
        return await self.view(slug, editor=True)

    async def total(self) -> int:
        """How many articles there are, published or scheduled."""
        async with self._store.reading() as tx:
            return await tx.articles.total()

    async def seed(self, drafts: Iterable[ArticleDraft]) -> int:
        """Load articles whose slug is not there yet; running it twice changes nothing."""
        rendered = [(draft, text.render_article(draft.body)) for draft in drafts]
        added = 0
        async with self._store.writing() as tx:
            for draft, body_html in rendered:
                try:
                    await tx.articles.insert(
                        draft,
                        body_html=body_html,
                        reading_minutes=text.reading_minutes(draft.body),
                        now=self._clock(),
                    )
                except AlreadyExists:
                    continue
                added += 1
        return added
