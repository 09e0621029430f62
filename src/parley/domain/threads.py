"""What readers read: a page of a thread, one comment, counts; and what they report: flags."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from parley.domain import paging, shapes, tree
from parley.domain.changes import is_visible
from parley.domain.errors import InvalidInput, NotFound
from parley.domain.identity import Client, Hasher, same_token, token_hash
from parley.domain.paging import Sort
from parley.domain.policy import in_force
from parley.domain.ports import ReadTx, Store
from parley.domain.records import Clock, Comment, FlagReason, NewEvent, Status, ThreadRow

MAX_COUNT_SLUGS = 100


class ThreadView(msgspec.Struct, kw_only=True):
    """One page of an article's thread: its visible-comment count, the top-level comments with their replies."""

    article: str
    count: int
    items: list[tree.Node]
    next_cursor: str | None


class RepliesView(msgspec.Struct, kw_only=True):
    """More replies below one comment, in thread order; each item's `parent_id` says where it goes."""

    comment: int
    items: list[tree.Node]
    next_cursor: str | None


DEFAULT_BUDGET = 250
"""Comments in one page of a thread: a page costs the same however long the thread grows."""


def _replies_kind(comment_id: int) -> str:
    return f"replies:{comment_id}"


def _last_below(rows: list[ThreadRow]) -> int:
    """The last row of the first top-level comment's subtree on a page: where its replies go on."""
    last = rows[0].id
    for row in rows[1:]:
        if row.parent_id is None:
            break
        last = row.id
    return last


def _shown(comment: Comment) -> bool:
    return comment.visible or comment.visible_replies > 0


def _cursor(sort: Sort, last: ThreadRow) -> str:
    return paging.encode(sort.value, last.visible_replies if sort is Sort.TOP else 0, last.id)


class ThreadService:
    """Reading threads, replies and counts; a reader's flag is its one write."""

    def __init__(self, store: Store, hasher: Hasher, clock: Clock) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock

    async def version(self, slug: str) -> tuple[int, int]:
        """The article's id and change counter: every change to it or its thread bumps the counter."""
        found = await self.known_version(slug)
        if found is None:
            raise NotFound("article", slug)
        return found

    async def changes(self) -> int:
        """A number that changes whenever anything is committed: what answers cached across articles depend on."""
        return await self._store.change_counter()

    async def known_version(self, slug: str) -> tuple[int, int] | None:
        return await self._store.article_version(slug, now=self._clock())

    async def page(
        self,
        slug: str,
        *,
        sort: Sort,
        cursor: str | None,
        limit: int,
        budget: int = DEFAULT_BUDGET,
        edit_token: str | None = None,
    ) -> tuple[ThreadView, int]:
        """One page of top-level comments with their replies nested, in one query, and the article version it shows.

        A request carrying the edit token of its own pending comment also sees that comment in place.
        """
        after = None if cursor is None else paging.decode(cursor, sort.value)
        async with self._store.reading() as tx:
            article = await tx.articles.by_slug(slug, now=self._clock())
            if article is None:
                raise NotFound("article", slug)
            own = None
            if edit_token:
                own = await tx.comments.by_token_hash(token_hash(edit_token))
                if own is None or own.article_id != article.id or own.status not in (Status.PENDING, Status.SPAM):
                    own = None
            found = await tx.comments.thread(
                article.id, sort=sort, after=after, limit=limit, budget=budget, own_id=None if own is None else own.id
            )
        told = None if own is None else own.as_told
        items = tree.build(found.rows, None if own is None else own.id, told)
        count = article.comment_count
        if told is Status.APPROVED:
            count += 1  # held as spam, their comment went live as far as its author can tell
        if found.cut:
            first = items[0]
            first.replies_cursor = paging.encode(_replies_kind(int(first.id)), 0, _last_below(found.rows))
        next_cursor = None
        if found.more:
            last_root = next(row for row in reversed(found.rows) if row.parent_id is None)
            next_cursor = _cursor(sort, last_root)
        page = ThreadView(article=article.slug, count=count, items=items, next_cursor=next_cursor)
        return page, article.version

    async def replies(self, comment_id: int, *, cursor: str | None, budget: int = DEFAULT_BUDGET) -> RepliesView:
        """The shown replies below a comment, page by page, for threads whose pages show only the first ones."""
        kind = _replies_kind(comment_id)
        after_id = None if cursor is None else paging.decode(cursor, kind).id
        async with self._store.reading() as tx:
            parent = await tx.comments.get(comment_id)
            if parent is None or not _shown(parent) or not await self._published(tx, parent):
                raise NotFound("comment", str(comment_id))
            after = None
            if after_id is not None:
                after = await tx.comments.get(after_id)
                if after is None or not after.path.startswith(parent.path + "."):
                    raise InvalidInput("cursor", "not a cursor this list gave out")
            rows, more = await tx.comments.replies(parent, after=after, budget=budget)
        next_cursor = paging.encode(kind, 0, rows[-1].id) if more else None
        return RepliesView(comment=comment_id, items=tree.build(rows, below=comment_id), next_cursor=next_cursor)

    async def one(self, comment_id: int, *, edit_token: str | None = None) -> tree.Node:
        """A single visible comment, without its replies; with its edit token, the author's own comment as they
        see it in the thread, waiting or not."""
        async with self._store.reading() as tx:
            comment = await tx.comments.get(comment_id)
            if comment is None or not await self._published(tx, comment):
                raise NotFound("comment", str(comment_id))
            own = bool(edit_token) and same_token(edit_token or "", comment.edit_token_hash)
            if not comment.visible and not (own and comment.status in (Status.PENDING, Status.SPAM)):
                raise NotFound("comment", str(comment_id))
        return tree.author_view(comment)

    async def _published(self, tx: ReadTx, comment: Comment) -> bool:
        """A comment is public only while its article is: an article moved to a later date hides its thread."""
        article = await tx.articles.by_id(comment.article_id)
        return article.published_at <= self._clock()

    async def counts(self, slugs: Sequence[str]) -> dict[str, int]:
        """Visible-comment counts; an unknown article counts zero, as a page without comments would show."""
        if len(slugs) > MAX_COUNT_SLUGS:
            raise InvalidInput("slug", f"at most {MAX_COUNT_SLUGS} slugs per request")
        # Only what could be a slug is looked up: anything else names no article on either engine.
        known = await self._store.comment_counts([s for s in slugs if shapes.is_slug(s)], now=self._clock())
        return {slug: known.get(slug, 0) for slug in slugs}

    async def flag(self, comment_id: int, reason: FlagReason, note: str | None, client: Client) -> None:
        """Count each reader once; at the threshold the comment joins the flagged queue (and may be hidden)."""
        reader = self._hasher.reader(client)
        async with self._store.writing() as tx:
            now = self._clock()
            comment = await tx.comments.get(comment_id)
            if comment is None or not comment.visible or not await self._published(tx, comment):
                raise NotFound("comment", str(comment_id))
            if not await tx.flags.add(comment.id, reader_hash=reader, reason=reason, note=note, at=now):
                return
            policy = await in_force(tx)
            if comment.flagged or await tx.flags.active_count(comment.id) < policy.flag_threshold:
                return
            await tx.comments.set_state(
                comment,
                status=comment.status,
                previous_status=comment.previous_status,
                visible=is_visible(comment.status, True, policy),
                flagged=True,
            )
            why = f"{policy.flag_threshold} readers flagged it"
            await tx.audit.append(NewEvent.about(comment, "system", "flag_threshold", comment.status, why, now))
