"""Public wire types: what readers send and see. No email or network address appears in any of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, Self, TypeVar

import msgspec

from parley.domain import paging, shapes
from parley.domain.records import ArticleSummary, ArticleView, FlagReason, Moderation, Status, stamp
from parley.domain.submission import Draft, Submitted
from parley.domain.threads import RepliesView, ThreadView
from parley.domain.tree import Node

T = TypeVar("T")
D = TypeVar("D")

CommentId = Annotated[str, msgspec.Meta(pattern=shapes.ID, description="a comment id, as a string of digits")]
AuthorName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=shapes.NAME)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000, pattern=shapes.BODY, description="Markdown")]

Honeypot = Annotated[
    str,
    msgspec.Meta(
        max_length=2000,
        description="Leave empty, and hide its input from people (CSS, not type=hidden): a comment that fills it "
        "is held as spam, though its answer says `pending`. Bots fill in every input they find; people never see "
        "this one. Never map a visible input to it.",
    ),
]
Email = Annotated[str, msgspec.Meta(max_length=shapes.EMAIL_LENGTH, pattern=shapes.EMAIL_OR_NOTHING)]
Url = Annotated[str, msgspec.Meta(max_length=2000, pattern=shapes.URL_OR_NOTHING)]


class CommentIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """'Add yours': a comment or a reply. An empty email or URL is the same as none."""

    author_name: AuthorName
    body: Body
    author_email: Email | None = None
    author_url: Url | None = None
    parent_id: CommentId | None = None
    honeypot: Honeypot | None = None
    notify_replies: bool = False
    """E-mail me when a reply to this comment is approved (needs `author_email`; every e-mail has a one-click
    unsubscribe link)."""

    def __post_init__(self) -> None:
        if self.author_url and not shapes.is_url(self.author_url):
            raise ValueError("author_url is not a web address: its host or port cannot be read")
        if self.notify_replies and not shapes.is_mailbox(self.author_email or ""):
            raise ValueError("notify_replies needs author_email, one plain address: replies are told by e-mail")

    def to_draft(self) -> Draft:
        return Draft(
            author_name=self.author_name,
            body=self.body,
            author_email=self.author_email or None,
            author_url=shapes.normal_url(self.author_url) if self.author_url else None,
            parent_id=None if self.parent_id is None else int(self.parent_id),
            honeypot=bool(self.honeypot),
            notify_replies=self.notify_replies,
        )


class CommentEdit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    body: Body
    honeypot: Honeypot | None = None


class FlagIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: FlagReason
    note: Annotated[str, msgspec.Meta(max_length=500, pattern=shapes.TEXT)] | None = None


class Flagged(msgspec.Struct, frozen=True):
    received: bool = True


Instant = Annotated[str, msgspec.Meta(description="RFC 3339, UTC, to the microsecond: 2026-01-15T12:00:00.000000Z")]
"""Every time an answer carries, in one fixed-width spelling (the store's own)."""


class AuthorOut(msgspec.Struct, frozen=True):
    slug: str
    name: str


class ArticleSummaryOut(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: str
    author: AuthorOut
    published_at: Instant
    reading_minutes: int
    tags: list[str]
    comment_count: int

    @classmethod
    def from_domain(cls, article: ArticleSummary) -> ArticleSummaryOut:
        return cls(
            slug=article.slug,
            title=article.title,
            author=AuthorOut(article.author.slug, article.author.name),
            published_at=stamp(article.published_at),
            reading_minutes=article.reading_minutes,
            tags=list(article.tags),
            comment_count=article.comment_count,
        )


class CommentsState(msgspec.Struct, frozen=True):
    open: bool
    moderation: Moderation
    count: int


class ArticleOut(ArticleSummaryOut, frozen=True, kw_only=True):
    body_html: str
    comments: CommentsState
    related: list[ArticleSummaryOut]
    more_from_author: list[ArticleSummaryOut]

    @classmethod
    def from_view(cls, view: ArticleView) -> ArticleOut:
        article = view.article
        return cls(
            **msgspec.structs.asdict(ArticleSummaryOut.from_domain(article)),
            body_html=article.body_html,
            comments=CommentsState(view.comments_open, view.moderation, article.comment_count),
            related=[ArticleSummaryOut.from_domain(item) for item in view.related],
            more_from_author=[ArticleSummaryOut.from_domain(item) for item in view.more_from_author],
        )


class Page(msgspec.Struct, Generic[T], frozen=True):
    """One page of a list: its items, and the cursor that asks for the next page (null after the last).

    Each list names its own page type (`class ArticleList(Page[ArticleSummaryOut])`), so that OpenAPI tools see
    one named schema per list."""

    items: list[T]
    next_cursor: str | None

    @classmethod
    def of(cls, page: paging.Page[D], each: Callable[[D], T]) -> Self:
        return cls([each(item) for item in page.items], page.next_cursor)


class ArticleList(Page[ArticleSummaryOut], frozen=True):
    """Published articles, newest first."""


class Counts(msgspec.Struct, frozen=True):
    counts: dict[str, int]


class CommentAuthor(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str
    url: str | None = None


class CommentNode(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A comment as a reader sees it; tombstones carry neither author nor body.

    `replies_cursor` appears only when a page shows the first of this comment's replies and the rest are
    at `GET /api/v1/comments/{id}/replies?cursor=...`.
    """

    id: str
    parent_id: str | None
    depth: int
    author: CommentAuthor | None
    body_html: str | None
    created_at: Instant
    edited_at: Instant | None
    status: Status
    replies: list[CommentNode]
    reply_count: int
    replies_cursor: str | None = None

    @classmethod
    def of(cls, node: Node) -> CommentNode:
        author = node.author
        return cls(
            id=str(node.id),
            parent_id=None if node.parent_id is None else str(node.parent_id),
            depth=node.depth,
            author=None if author is None else CommentAuthor(author.name, author.url),
            body_html=node.body_html,
            created_at=node.created_at,
            edited_at=node.edited_at,
            status=node.status,
            replies=[cls.of(reply) for reply in node.replies],
            reply_count=node.reply_count,
            replies_cursor=node.replies_cursor,
        )


class ThreadPage(msgspec.Struct, kw_only=True):
    article: str
    count: int
    items: list[CommentNode]
    next_cursor: str | None

    @classmethod
    def of(cls, view: ThreadView) -> ThreadPage:
        return cls(
            article=view.article,
            count=view.count,
            items=[CommentNode.of(node) for node in view.items],
            next_cursor=view.next_cursor,
        )


class ReplyPage(msgspec.Struct, kw_only=True):
    """More replies below one comment, in thread order; each item's `parent_id` says where it goes."""

    comment: str
    items: list[CommentNode]
    next_cursor: str | None

    @classmethod
    def of(cls, view: RepliesView) -> ReplyPage:
        return cls(
            comment=str(view.comment), items=[CommentNode.of(node) for node in view.items], next_cursor=view.next_cursor
        )


class Receipt(msgspec.Struct, kw_only=True):
    """The answer to a submission; the edit token appears here once and is stored only as a hash."""

    comment: CommentNode
    status: Status
    edit_token: str
    edit_expires_at: Instant
    author_token: str
    """The author key: send it back as X-Author-Token with later comments and edits. Once a moderator approves
    one of its comments, its author is a returning author (under the same name)."""

    @classmethod
    def of(cls, submitted: Submitted) -> Receipt:
        return cls(
            comment=CommentNode.of(submitted.comment),
            status=submitted.status,
            edit_token=submitted.edit_token,
            edit_expires_at=stamp(submitted.edit_expires_at),
            author_token=submitted.author_token,
        )
