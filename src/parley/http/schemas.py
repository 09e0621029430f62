"""Public wire types: what readers send and see. No email or network address appears in any of them."""

from __future__ import annotations

from typing import Annotated

import msgspec

from parley.domain import text
from parley.domain.records import ArticleSummary, ArticleView, FlagReason, Moderation, Status, stamp
from parley.domain.submission import Draft, Submitted
from parley.domain.threads import RepliesView, ThreadView
from parley.domain.tree import Node

# Wire patterns mean the same to msgspec (Python's `re`) and to OpenAPI tools (ECMA-262 regexes): no `$`, which
# Python also matches before a final newline ("Ann\n" would pass as a name), and no `\s`, whose members differ.
END = r"(?![\s\S])"
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
ID_PATTERN = rf"^[1-9][0-9]{{0,15}}{END}"
# No control characters, no bidi overrides (they let a name spoof the text around it), not blank.
_NOT_IN_NAME = r"\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069"
# At least one character that shows (text.INVISIBLE is what does not), as the rules require too.
_SHOWS = rf"[^{text.invisible_class()}]"
_NAME = rf"^[^{_NOT_IN_NAME}]*{_SHOWS}[^{_NOT_IN_NAME}]*{END}"
# Tabs and newlines are text; other control characters are not.
_NOT_IN_BODY = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_BODY = rf"^[^{_NOT_IN_BODY}]*{_SHOWS}[^{_NOT_IN_BODY}]*{END}"
_NOT_IN_EMAIL = rf"@{SPACE}\x00-\x1f\x7f"
_EMAIL = rf"^{END}|^[^{_NOT_IN_EMAIL}]{{1,64}}@[^{_NOT_IN_EMAIL}]+\.[^{_NOT_IN_EMAIL}]+{END}"
# A web address that stays one attribute value wherever it is written: no quotes, angle brackets, backticks,
# backslashes, braces, spaces or controls; a host of letters (IDN too), digits, dots and hyphens, or [IPv6].
_NOT_IN_URL = rf"{SPACE}\x00-\x1f\x7f\"'<>\\^`{{|}}"
_HOST = r"(?:[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff.-]*)|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5}){0,1}"
_URL = rf"^{END}|^[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(?:[/?#][^{_NOT_IN_URL}]*){{0,1}}{END}"

CommentId = Annotated[str, msgspec.Meta(pattern=ID_PATTERN, description="a comment id, as a string of digits")]
AuthorName = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=_NAME)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000, pattern=_BODY, description="Markdown")]


class CommentIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """'Add yours': a comment or a reply. An empty email or URL is the same as none."""

    author_name: AuthorName
    body: Body
    author_email: Annotated[str, msgspec.Meta(max_length=254, pattern=_EMAIL)] | None = None
    author_url: Annotated[str, msgspec.Meta(max_length=2000, pattern=_URL)] | None = None
    parent_id: CommentId | None = None
    homepage: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    """A honeypot: leave it out. Forms hide it from people; bots fill it in."""

    def to_draft(self) -> Draft:
        return Draft(
            author_name=self.author_name,
            body=self.body,
            author_email=self.author_email or None,
            author_url=normal_url(self.author_url) if self.author_url else None,
            parent_id=None if self.parent_id is None else int(self.parent_id),
            honeypot=bool(self.homepage),
        )


def normal_url(url: str) -> str:
    """One spelling of an address the pattern admitted: its scheme and host in lower case, the rest as typed."""
    scheme, _, rest = url.partition("://")
    cut = min((at for at in (rest.find(mark) for mark in "/?#") if at >= 0), default=len(rest))
    return f"{scheme.lower()}://{rest[:cut].lower()}{rest[cut:]}"


class CommentEdit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    body: Body
    homepage: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    """The same honeypot as in 'Add yours': an edit form carries it too."""


class FlagIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: FlagReason
    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


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


class ArticleList(msgspec.Struct, frozen=True):
    items: list[ArticleSummaryOut]
    next_cursor: str | None


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
