"""Admin wire types: what moderators send and see, including authors' emails (never network addresses)."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import UNSET, UnsetType

from parley.domain import shapes
from parley.domain.moderation import Outcome
from parley.domain.policy import (
    CloseDays,
    Depth,
    EditWindow,
    FlagThreshold,
    LinkLimit,
    Pace,
    PaceWindow,
    Policy,
    WordList,
    holding,
)
from parley.domain.records import (
    ArticleChanges,
    ArticleDraft,
    ArticleModeration,
    AuditEvent,
    Author,
    Ban,
    Comment,
    Flag,
    FlagReason,
    Moderation,
    QueueItem,
    Removal,
    Status,
    stamp,
)
from parley.domain.transitions import ModeratorAction
from parley.http.schemas import Instant, Page

Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=shapes.SLUG)]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=shapes.SLUG)]
Reason = Annotated[str, msgspec.Meta(max_length=1000, pattern=shapes.TEXT)]
# About 8,000 words; with the other fields it still fits the default request limit (PARLEY_MAX_BODY_BYTES, 64 KiB).
ArticleBody = Annotated[str, msgspec.Meta(min_length=1, max_length=50_000, pattern=shapes.TEXT, description="Markdown")]
Address = Annotated[
    str,
    msgspec.Meta(
        pattern=shapes.ADDRESS,
        description="an IPv4 or IPv6 address (banning its client network: the address, or its IPv6 /64), "
        "or a CIDR network such as 192.0.2.0/24 or 2001:db8::/48",
    ),
]
CommentAuthor = Annotated[
    str,
    msgspec.Meta(
        pattern=shapes.ID,
        description="ban the author of this comment: their author key and their network (not the e-mail they typed)",
    ),
]
# An instant needs its offset: a bare "2026-05-01T09:00:00" would be read in whatever zone the server runs in.
Moment = Annotated[datetime, msgspec.Meta(tz=True)]


FIRST_YEAR, LAST_YEAR = 2, 9998


def _in_utc(moment: datetime | None, field: str) -> None:
    """An instant must have a reading in UTC (0001-01-01T00:30:00+01:00 has none), within years both engines
    keep as instants: PostgreSQL would store Python's first and last representable instants as -infinity and
    infinity, which no reader can read back."""
    if moment is None:
        return
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{field} lies outside the years {FIRST_YEAR} to {LAST_YEAR} in UTC")


class AuthorIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=shapes.LINE)]


class ArticleIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=shapes.LINE)]
    author: AuthorIn
    body: ArticleBody
    published_at: Moment | None = None
    """When it appears to readers; absent means now. An article dated later stays hidden until then."""
    tags: Annotated[list[Tag], msgspec.Meta(max_length=20)] = []
    comments_open: bool = True
    moderation: ArticleModeration = ArticleModeration.INHERIT

    def __post_init__(self) -> None:
        _in_utc(self.published_at, "published_at")

    def to_draft(self, now: datetime) -> ArticleDraft:
        return ArticleDraft(
            slug=self.slug,
            title=self.title,
            author=Author(self.author.slug, self.author.name),
            published_at=self.published_at or now,
            body=self.body,
            tags=tuple(dict.fromkeys(self.tags)),
            comments_open=self.comments_open,
            moderation=self.moderation,
        )


class ArticlePatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=shapes.LINE)] | None = None
    author: AuthorIn | None = None
    body: ArticleBody | None = None
    published_at: Moment | None = None
    tags: Annotated[list[Tag], msgspec.Meta(max_length=20)] | None = None
    comments_open: bool | None = None
    moderation: ArticleModeration | None = None

    def __post_init__(self) -> None:
        _in_utc(self.published_at, "published_at")

    def to_changes(self) -> ArticleChanges:
        return ArticleChanges(
            title=self.title,
            author=None if self.author is None else Author(self.author.slug, self.author.name),
            body=self.body,
            published_at=self.published_at,
            tags=None if self.tags is None else tuple(dict.fromkeys(self.tags)),
            comments_open=self.comments_open,
            moderation=self.moderation,
        )


class AdminAuthor(msgspec.Struct, frozen=True):
    name: str
    email: str | None
    url: str | None


class AdminComment(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    article_id: str
    parent_id: str | None
    depth: int
    status: Status
    previous_status: Status | None
    removed_by: Removal | None
    """For a removed comment: `author` (their delete), `moderator`, or `erasure` (a purge); the first and last
    are final."""
    visible: bool
    flagged: bool
    author: AdminAuthor
    body: str
    body_html: str
    created_at: Instant
    edited_at: Instant | None
    rules: list[str]

    @classmethod
    def from_domain(cls, comment: Comment) -> AdminComment:
        return cls(
            id=str(comment.id),
            article_id=str(comment.article_id),
            parent_id=None if comment.parent_id is None else str(comment.parent_id),
            depth=comment.depth,
            status=comment.status,
            previous_status=comment.previous_status,
            removed_by=comment.removed_by,
            visible=comment.visible,
            flagged=comment.flagged,
            author=AdminAuthor(comment.author_name, comment.author_email, comment.author_url),
            body=comment.body,
            body_html=comment.body_html,
            created_at=stamp(comment.created_at),
            edited_at=None if comment.edited_at is None else stamp(comment.edited_at),
            rules=list(comment.rules),
        )


class FlagOut(msgspec.Struct, frozen=True):
    reason: FlagReason
    note: str | None
    created_at: Instant

    @classmethod
    def from_domain(cls, flag: Flag) -> FlagOut:
        return cls(flag.reason, flag.note, stamp(flag.created_at))


class ArticleRef(msgspec.Struct, frozen=True):
    slug: str
    title: str


class EditOut(msgspec.Struct, frozen=True):
    """What the author's latest edit changed: the text it replaced, and a line diff from that to the current one."""

    previous_body: str
    diff: str

    @classmethod
    def between(cls, previous: str, current: str) -> EditOut:
        lines = difflib.unified_diff(
            previous.splitlines(), current.splitlines(), "before the edit", "after the edit", lineterm=""
        )
        return cls(previous, "\n".join(lines))


class QueueEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A comment with everything needed to decide on it: article, parent, the author's record, flags, rules,
    and for an edited comment what the edit changed."""

    comment: AdminComment
    article: ArticleRef
    parent_excerpt: str | None
    author_history: dict[str, int]
    flags: list[FlagOut]
    held_by: list[str]
    edit: EditOut | None

    @classmethod
    def from_domain(cls, item: QueueItem) -> QueueEntry:
        previous = item.previous_body
        return cls(
            comment=AdminComment.from_domain(item.comment),
            article=ArticleRef(item.article_slug, item.article_title),
            parent_excerpt=item.parent_excerpt,
            author_history=item.history,
            flags=[FlagOut.from_domain(flag) for flag in item.flags],
            held_by=holding(item.comment.rules),
            edit=None if previous is None else EditOut.between(previous, item.comment.body),
        )


class QueueOut(Page[QueueEntry], frozen=True):
    """Comments waiting in one queue."""


class QueueStats(msgspec.Struct, frozen=True):
    pending: int
    flagged: int
    spam: int
    rejected: int


class DecisionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    action: ModeratorAction
    reason: Reason | None = None
    expected_status: Status | None = None


class BulkIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    ids: Annotated[list[Annotated[str, msgspec.Meta(pattern=shapes.ID)]], msgspec.Meta(min_length=1, max_length=200)]
    action: ModeratorAction
    reason: Reason | None = None
    expected_status: Status | None = None


class BulkResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One id's outcome in a bulk decision: `ok`, `not_found` or `conflict`, with the new status when ok."""

    id: str
    result: str
    status: Status | None = None
    detail: str | None = None

    @classmethod
    def of(cls, outcome: Outcome) -> BulkResult:
        return cls(id=str(outcome.id), result=outcome.result, status=outcome.status, detail=outcome.detail)


class BulkOut(msgspec.Struct, frozen=True):
    results: list[BulkResult]


class AuditEventOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    comment_id: str | None
    actor: str
    action: str
    from_status: Status | None
    to_status: Status | None
    reason: str | None
    created_at: Instant

    @classmethod
    def from_domain(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            id=str(event.id),
            comment_id=None if event.comment_id is None else str(event.comment_id),
            actor=event.actor,
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            reason=event.reason,
            created_at=stamp(event.created_at),
        )


class AuditOut(Page[AuditEventOut], frozen=True):
    """The audit log, newest first."""


def _given(field: str) -> dict[str, Any]:
    """JSON Schema for "this field is given": present and not null."""
    return {"required": [field], "properties": {field: {"type": "string"}}}


class BanIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ban the author of a comment, or an e-mail, a network, or both of those."""

    schema_extra: ClassVar[dict[str, Any]] = {
        "oneOf": [
            {**_given("comment_id"), "not": {"anyOf": [_given("email"), _given("address")]}},
            {"anyOf": [_given("email"), _given("address")], "not": _given("comment_id")},
        ]
    }

    email: Annotated[str, msgspec.Meta(max_length=shapes.EMAIL_LENGTH, pattern=shapes.EMAIL)] | None = None
    address: Address | None = None
    comment_id: CommentAuthor | None = None
    reason: Reason | None = None
    expires_at: Moment | None = None

    def __post_init__(self) -> None:
        _in_utc(self.expires_at, "expires_at")


class BanOut(msgspec.Struct, frozen=True, kw_only=True):
    """A ban as moderators see it: what it names, and which kinds of identity it matches (never public)."""

    id: str
    email: Annotated[
        str | None,
        msgspec.Meta(description="the e-mail as given; null for bans made before parley kept it, and after an erasure"),
    ]
    network: Annotated[
        str | None,
        msgspec.Meta(description="the network it covers: an IPv4 address, an IPv6 /64, or a CIDR network"),
    ]
    comment_id: Annotated[str | None, msgspec.Meta(description="for a ban of a comment's author: that comment")]
    by_email: bool
    by_address: bool
    by_author_key: bool
    network_prefix: Annotated[
        int | None,
        msgspec.Meta(description="a CIDR network's prefix length; null for a client network (an address, a /64)"),
    ]
    reason: str | None
    created_by: str
    created_at: Instant
    expires_at: Instant | None

    @classmethod
    def from_domain(cls, ban: Ban) -> BanOut:
        return cls(
            id=str(ban.id),
            email=ban.email,
            network=ban.network,
            comment_id=None if ban.comment_id is None else str(ban.comment_id),
            by_email=ban.email_hash is not None,
            by_address=ban.address_hash is not None,
            by_author_key=ban.author_token_hash is not None,
            network_prefix=ban.prefix,
            reason=ban.reason,
            created_by=ban.created_by,
            created_at=stamp(ban.created_at),
            expires_at=None if ban.expires_at is None else stamp(ban.expires_at),
        )


class BanList(Page[BanOut], frozen=True):
    """Bans in force, oldest first."""


class PolicyDocument(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole site policy: what GET answers and what PUT must send, every setting named."""

    moderation: Moderation
    """`pre`: new comments wait for a moderator (unless their author is a returning one); `post`: live at once."""
    trust_returning_authors: bool
    hold_words: WordList
    block_words: WordList
    max_links: LinkLimit
    flag_threshold: FlagThreshold
    hide_flagged: bool
    edit_window_seconds: EditWindow
    max_depth: Depth
    shadow_ban: bool
    auto_close_days: CloseDays | None
    author_rate_limit: Pace
    author_rate_window_seconds: PaceWindow

    @classmethod
    def of(cls, policy: Policy) -> PolicyDocument:
        return cls(**msgspec.structs.asdict(policy))

    def to_policy(self) -> Policy:
        return Policy(**msgspec.structs.asdict(self))


class PolicyChanges(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Some settings of the policy (PATCH): those named change, the rest stay as they are."""

    moderation: Moderation | UnsetType = UNSET
    trust_returning_authors: bool | UnsetType = UNSET
    hold_words: WordList | UnsetType = UNSET
    block_words: WordList | UnsetType = UNSET
    max_links: LinkLimit | UnsetType = UNSET
    flag_threshold: FlagThreshold | UnsetType = UNSET
    hide_flagged: bool | UnsetType = UNSET
    edit_window_seconds: EditWindow | UnsetType = UNSET
    max_depth: Depth | UnsetType = UNSET
    shadow_ban: bool | UnsetType = UNSET
    auto_close_days: CloseDays | UnsetType | None = UNSET
    author_rate_limit: Pace | UnsetType = UNSET
    author_rate_window_seconds: PaceWindow | UnsetType = UNSET

    def named(self) -> dict[str, Any]:
        """The settings this document names."""
        return {name: value for name, value in msgspec.structs.asdict(self).items() if value is not UNSET}
