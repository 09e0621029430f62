"""The records parley keeps: articles, comments, flags, bans, tokens and audit events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

import msgspec

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds: fixed width, so text order is time order."""
    # isoformat pads the year to four digits (strftime's %Y does not everywhere) and is several times faster.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


class Status(StrEnum):
    """Where a comment stands; the SQL schema checks the same five values."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"
    REMOVED = "removed"


class Removal(StrEnum):
    """Who took a removed comment down: its author, a moderator, or an erasure at its author's request."""

    AUTHOR = "author"
    MODERATOR = "moderator"
    ERASURE = "erasure"


class Moderation(StrEnum):
    """When comments become visible: after a moderator (`pre`) or at once (`post`)."""

    PRE = "pre"
    POST = "post"


class ArticleModeration(StrEnum):
    """An article's own moderation setting; `inherit` follows the site policy."""

    PRE = "pre"
    POST = "post"
    INHERIT = "inherit"


class Role(StrEnum):
    """What a moderator token may do; an admin may do everything a moderator may."""

    MODERATOR = "moderator"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """An admin passes every check, a moderator only moderator checks."""
        return self is Role.ADMIN or needed is Role.MODERATOR


class FlagReason(StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class Author(msgspec.Struct, frozen=True):
    slug: str
    name: str


class ArticleSummary(msgspec.Struct, kw_only=True):
    """An article as lists show it: everything but the body."""

    id: int
    slug: str
    title: str
    author: Author
    published_at: datetime
    reading_minutes: int
    tags: tuple[str, ...]
    comments_open: bool
    moderation: ArticleModeration
    comment_count: int
    version: int


class Article(ArticleSummary, kw_only=True):
    body: str
    body_html: str


class ArticleDraft(msgspec.Struct, frozen=True, kw_only=True):
    """What an editor (or a seed file) supplies for a new article."""

    slug: str
    title: str
    author: Author
    published_at: datetime
    body: str
    tags: tuple[str, ...] = ()
    comments_open: bool = True
    moderation: ArticleModeration = ArticleModeration.INHERIT


class ArticleChanges(msgspec.Struct, frozen=True, kw_only=True):
    """An editor's partial update; `None` leaves a field as it is."""

    title: str | None = None
    author: Author | None = None
    published_at: datetime | None = None
    body: str | None = None
    tags: tuple[str, ...] | None = None
    comments_open: bool | None = None
    moderation: ArticleModeration | None = None


class ArticleView(msgspec.Struct, frozen=True):
    """One article with the lists a page shows beside it."""

    article: Article
    moderation: Moderation
    comments_open: bool
    related: list[ArticleSummary]
    more_from_author: list[ArticleSummary]


class Comment(msgspec.Struct, kw_only=True):
    id: int
    article_id: int
    parent_id: int | None
    depth: int
    path: str
    status: Status
    previous_status: Status | None
    visible: bool
    visible_replies: int
    author_name: str
    author_email: str | None
    author_url: str | None
    email_hash: str | None
    address_hash: str
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    edit_token_hash: str
    rules: tuple[str, ...]
    flagged: bool
    author_token_hash: str | None = None
    """The hash of the author key its author holds: who they are to the trust, pace and ban rules."""
    told_status: Status | None = None
    """For a comment held as spam, the status its author was told it has."""
    removed_by: Removal | None = None
    """For a removed comment: who removed it (an author's delete and an erasure are never restored)."""

    @property
    def as_told(self) -> Status:
        """The status its author sees: spam shows as what they were told, never as spam."""
        if self.status is Status.SPAM:
            return self.told_status or Status.PENDING
        return self.status


class ThreadRow(msgspec.Struct, array_like=True):
    """The columns a public thread needs, built positionally from a query row without conversion.

    SQLite hands back 0/1 for `visible` and plain text for `status`; both compare equal to what they stand for.
    """

    id: int
    parent_id: int | None
    depth: int
    status: Status
    visible: bool
    visible_replies: int
    author_name: str
    author_url: str | None
    body_html: str
    created_at: str
    edited_at: str | None


class ThreadSlice(msgspec.Struct, frozen=True):
    """A page of thread rows; `more` if top-level comments follow, `cut` if the first one's replies go on."""

    rows: list[ThreadRow]
    more: bool
    cut: bool


class Flag(msgspec.Struct, frozen=True, kw_only=True):
    comment_id: int
    reason: FlagReason
    note: str | None
    created_at: datetime


class Ban(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    email_hash: str | None
    address_hash: str | None
    prefix: int | None
    """None: `address_hash` names a client's network; else the CIDR network of this many bits it names."""
    author_token_hash: str | None
    reason: str | None
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    email: str | None = None
    """The e-mail as the moderator gave it (None for bans older than this field, and after an erasure)."""
    network: str | None = None
    """The network as the ban covers it: an IPv4 address, an IPv6 /64, or a CIDR network."""
    comment_id: int | None = None
    """For a ban of a comment's author: that comment."""


class NewBan(msgspec.Struct, frozen=True, kw_only=True):
    """A ban to store: the hashes it matches by, and what it names as the moderator gave it."""

    email_hash: str | None = None
    address_hash: str | None = None
    prefix: int | None = None
    author_token_hash: str | None = None
    email: str | None = None
    network: str | None = None
    comment_id: int | None = None
    reason: str | None
    created_by: str
    at: datetime
    expires_at: datetime | None


class BanFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which bans in force to list: all, or those naming this e-mail, one of these networks, or this comment."""

    email_hash: str | None = None
    address_hashes: tuple[str, ...] | None = None
    comment_id: int | None = None


class Token(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class AuditEvent(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    comment_id: int | None
    actor: str
    action: str
    from_status: Status | None
    to_status: Status | None
    reason: str | None
    created_at: datetime


class NewComment(msgspec.Struct, frozen=True, kw_only=True):
    """A comment ready to store; the store assigns its id and position."""

    article_id: int
    parent_id: int | None
    parent_path: str | None
    depth: int
    status: Status
    visible: bool
    author_name: str
    author_email: str | None
    author_url: str | None
    email_hash: str | None
    author_key: str
    author_token_hash: str
    address_hash: str
    body: str
    body_html: str
    body_hash: str
    created_at: datetime
    edit_token_hash: str
    rules: tuple[str, ...]
    told_status: Status | None


class QueueItem(msgspec.Struct, kw_only=True):
    """A comment with what a moderator needs to decide on it without another request."""

    comment: Comment
    article_slug: str
    article_title: str
    parent_excerpt: str | None
    history: dict[str, int]
    flags: list[Flag]
    previous_body: str | None = None
    """The text the author's latest edit replaced, if the comment was edited."""


class NewEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An audit event to append: who did what, why, and to which comment (None for the site's own settings)."""

    actor: str
    action: str
    at: datetime
    reason: str | None = None
    comment_id: int | None = None
    from_status: Status | None = None
    to_status: Status | None = None

    @classmethod
    def about(cls, comment: Comment, actor: str, action: str, to: Status, reason: str | None, at: datetime) -> NewEvent:
        """A change to one comment, from the status it had."""
        return cls(
            actor=actor,
            action=action,
            at=at,
            reason=reason,
            comment_id=comment.id,
            from_status=comment.status,
            to_status=to,
        )


class AuditQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Which events of the audit log to read, newest first: all of them by default."""

    actor: str | None = None
    action: str | None = None
    comment_id: int | None = None
    before_id: int | None = None
    limit: int = 50


class FirstAnswer(msgspec.Struct, frozen=True):
    """What an Idempotency-Key replays: the request it answered, the answer without its secrets, and those
    secrets sealed so that only the server, asked again by the same client, can open them."""

    request_hash: str
    response: bytes
    sealed: bytes
    comment_id: int | None
