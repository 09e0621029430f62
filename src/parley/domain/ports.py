"""The Store Protocol: what the rules need from storage, and nothing about how it is kept.

Each repository comes in two parts: what a read needs, and what a write adds to it. A read transaction
(`ReadTx`) offers only the first, so a rule that only reads says so in its signature and cannot write; a write
transaction (`Tx`) offers both. Remembered answers need neither: they read a change feed (`Changes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from parley.domain.outbox import Attempt, Cursor, Item, NewItem, Outcome, State, Webhook
from parley.domain.paging import Position, Sort
from parley.domain.policy import Policy
from parley.domain.records import (
    Article,
    ArticleDraft,
    ArticleSummary,
    AuditEvent,
    AuditQuery,
    Ban,
    BanFilter,
    Comment,
    FirstAnswer,
    FlagReason,
    NewBan,
    NewComment,
    NewEvent,
    QueueItem,
    Removal,
    Role,
    Status,
    ThreadRow,
    ThreadSlice,
    Token,
)


class ArticleReads(Protocol):
    async def page(
        self, *, limit: int, after: Position | None, author: str | None, tag: str | None, now: datetime
    ) -> list[ArticleSummary]: ...
    async def by_slug(self, slug: str, *, now: datetime | None) -> Article | None:
        """`now` hides articles published later; None shows them (for editors)."""

    async def by_id(self, article_id: int) -> Article: ...
    async def related(self, article: Article, *, limit: int, now: datetime) -> list[ArticleSummary]:
        """Published articles sharing a tag with this one: other authors' first, then those sharing the most
        tags, newest first among equals."""

    async def by_same_author(self, article: Article, *, limit: int, now: datetime) -> list[ArticleSummary]: ...
    async def total(self) -> int: ...


class Articles(ArticleReads, Protocol):
    async def insert(self, draft: ArticleDraft, *, body_html: str, reading_minutes: int, now: datetime) -> Article:
        """Raises AlreadyExists if the slug is taken."""

    async def update(self, article: Article, *, now: datetime) -> Article: ...


class AuthorHistory(Protocol):
    """What the submission rules ask about an author's earlier comments."""

    async def is_duplicate(self, article_id: int, author_key: str, body_hash: str) -> bool: ...
    async def repeats(self, comment_id: int, body_hash: str) -> bool:
        """Another live comment by the same author on the same article already has this text."""

    async def knows_author(self, author_token_hash: str) -> bool:
        """Some comment was posted with this author key."""

    async def has_approved(self, author_token_hash: str, name: str) -> bool:
        """An approved comment was posted with this author key under this name."""

    async def count_since(self, author_key: str, since: datetime) -> int:
        """Comments by this author (as `NewComment.author_key` names them) since then."""


class CommentReads(AuthorHistory, Protocol):
    async def get(self, comment_id: int) -> Comment | None: ...
    async def by_token_hash(self, token_hash: str) -> Comment | None: ...
    async def by_email_hash(self, email_hash: str) -> list[Comment]:
        """Every comment posted with this email, in any status, oldest first."""

    async def thread(
        self, article_id: int, *, sort: Sort, after: Position | None, limit: int, budget: int, own_id: int | None
    ) -> ThreadSlice:
        """One page of top-level comments with their shown replies in thread order, at most `budget` rows.

        Top-level comments join while their replies fit; the first always joins, cut after `budget` rows.
        """

    async def replies(self, parent: Comment, *, after: Comment | None, budget: int) -> tuple[list[ThreadRow], bool]:
        """Shown comments below `parent` in thread order, after `after`, at most `budget`; and whether more follow."""

    async def queue(
        self, state: str, *, article_id: int | None, after: Position | None, limit: int
    ) -> list[QueueItem]: ...
    async def queue_stats(self) -> dict[str, int]: ...
    async def recent(self, *, article_id: int | None, now: datetime, limit: int) -> list[Comment]:
        """The newest comments readers see (of one article, or of any published by `now`), newest first."""


class Comments(CommentReads, Protocol):
    async def insert(self, new: NewComment) -> Comment: ...
    async def anonymise(self, comment: Comment) -> Comment:
        """Clear who wrote it and what it said (name, email, URL, body and their hashes); keep its place."""

    async def set_state(
        self,
        comment: Comment,
        *,
        status: Status,
        previous_status: Status | None,
        visible: bool,
        flagged: bool,
        removed_by: Removal | None = None,
    ) -> Comment:
        """Store a new status and keep every count that depends on visibility right, in the same transaction."""

    async def set_body(
        self,
        comment: Comment,
        *,
        body: str,
        body_html: str,
        body_hash: str,
        rules: tuple[str, ...],
        told_status: Status | None,
        at: datetime,
    ) -> Comment:
        """Replace the text, keeping the replaced one as a revision for moderators."""


class FlagReads(Protocol):
    async def active_count(self, comment_id: int) -> int: ...


class Flags(FlagReads, Protocol):
    async def add(
        self, comment_id: int, *, reader_hash: str, reason: FlagReason, note: str | None, at: datetime
    ) -> bool:
        """False if this reader already flagged this comment."""

    async def clear(self, comment_id: int, *, at: datetime) -> None:
        """Flags already counted stay on record but never count again."""

    async def delete_for(self, comment_id: int) -> int:
        """Delete every flag on a comment, counted or not; returns how many there were."""


class AuditReads(Protocol):
    async def query(self, query: AuditQuery) -> list[AuditEvent]: ...

    async def after(self, after_id: int, *, article_id: int | None, limit: int) -> list[AuditEvent]:
        """Events about comments (of one article, or any) with ids above `after_id`, oldest first. Writers take
        turns on both engines, so ids rise in commit order and a reader who saw id N has seen every id below."""

    async def last_id(self) -> int:
        """The newest event's id; 0 for an empty log."""


class Audit(AuditReads, Protocol):
    async def append(self, event: NewEvent) -> AuditEvent:
        """Append an event; the log is append-only."""


class BanReads(Protocol):
    async def get(self, ban_id: int) -> Ban | None: ...
    async def active(
        self, *, now: datetime, after_id: int | None, limit: int, only: BanFilter | None = None
    ) -> list[Ban]: ...
    async def prefixes(self, *, now: datetime) -> list[int]:
        """The prefix lengths of the CIDR bans in force."""

    async def matches(
        self, *, email_hash: str | None, address_hashes: Sequence[str], author_token_hash: str | None, now: datetime
    ) -> bool:
        """A ban in force names this e-mail, this author key, or one of these network hashes."""


class Bans(BanReads, Protocol):
    async def add(self, new: NewBan) -> Ban: ...
    async def lift(self, ban_id: int, *, at: datetime) -> bool: ...
    async def forget_email(self, email_hash: str) -> None:
        """Clear the e-mail bans on this hash show, keeping the hash they match by (an erasure)."""


class TokenReads(Protocol):
    async def all(self) -> list[Token]: ...
    async def by_hash(self, token_hash: str) -> Token | None: ...


class Tokens(TokenReads, Protocol):
    async def add(self, *, name: str, role: Role, token_hash: str, at: datetime) -> Token:
        """Raises AlreadyExists if an active token has that name."""

    async def revoke(self, name: str, *, at: datetime) -> bool: ...
    async def touch(self, token_id: int, *, at: datetime) -> None: ...


class SiteReads(Protocol):
    async def policy(self) -> Policy | None: ...
    async def replay(self, key: str, *, since: datetime) -> FirstAnswer | None:
        """The first answer stored under a (client-scoped) idempotency key at or after `since`.

        An answer erased with its comment comes back empty: the key is known, its comment is gone.
        """


class Site(SiteReads, Protocol):
    async def set_policy(self, policy: Policy, *, at: datetime) -> None: ...
    async def secret(self) -> bytes:
        """The key for keyed hashes, made once at the first start and kept in the database."""

    async def remember(self, key: str, answer: FirstAnswer, *, at: datetime, since: datetime) -> None:
        """Store a first answer; records from before `since` are forgotten."""

    async def erase_answers(self, comment_ids: Sequence[int]) -> None:
        """Empty the stored first answers about these comments, keeping their keys."""


class OutboundReads(Protocol):
    """What leaves the site: webhook subscriptions, the outbox and its attempts, the consumers' cursors."""

    async def webhooks(self) -> list[Webhook]:
        """The subscriptions in force (not deleted), oldest first."""

    async def webhook(self, webhook_id: int) -> Webhook | None: ...
    async def items(self, *, webhook_id: int, state: State | None, before_id: int | None, limit: int) -> list[Item]:
        """A subscription's deliveries, newest first."""

    async def item(self, item_id: int) -> Item | None: ...
    async def attempts(self, item_id: int, *, limit: int) -> list[Attempt]:
        """An item's attempts, newest first."""

    async def cursor(self, name: str) -> Cursor | None: ...
    async def next_due(self) -> datetime | None:
        """When the earliest pending item is due; None when nothing waits."""

    async def watched(self, comment_id: int) -> bool:
        """Its author asked to hear of replies to this comment."""

    async def opted_out(self, email_hash: str) -> bool: ...
    async def mailed_since(self, email_hash: str, kind: str, since: datetime) -> bool:
        """An e-mail of this kind to this address was queued at or after `since`."""


class Outbound(OutboundReads, Protocol):
    async def add_webhook(
        self, *, url: str, events: Sequence[str], secret: str, description: str | None, from_event_id: int, at: datetime
    ) -> Webhook: ...
    async def delete_webhook(self, webhook_id: int, *, at: datetime) -> bool:
        """Mark it deleted (its delivery log stays) and call off what it still had waiting."""

    async def enqueue(self, new: NewItem) -> bool:
        """False, and nothing stored, when an item with that message id exists already."""

    async def claim(self, *, now: datetime, until: datetime, limit: int) -> list[Item]:
        """Pending items due by `now`, oldest first, each hidden from other passes until `until`."""

    async def settle(
        self, item: Item, outcome: Outcome, *, state: State, due_at: datetime, forget: bool = False
    ) -> None:
        """Log the attempt and store where it leaves the item; `forget` empties its recipient and payload."""

    async def redeliver(self, item_id: int, *, at: datetime) -> bool:
        """Send it again from now, with a fresh set of attempts; False if there is no such item."""

    async def move_cursor(self, name: str, event_id: int, *, at: datetime, touch: bool = True) -> None:
        """Record how far a consumer has read; `touch` also stamps the time (when a digest went out)."""

    async def lease(self, holder: str, *, now: datetime, until: datetime) -> bool:
        """Take or renew the one lease on the outbox; False while another holder's has not run out."""

    async def release(self, holder: str, *, at: datetime) -> None: ...
    async def watch(self, comment_id: int, *, at: datetime) -> None: ...
    async def opt_out(self, email_hash: str, *, at: datetime) -> None: ...
    async def prune(self, before: datetime, *, limit: int) -> int:
        """Delete up to `limit` settled items (delivered, failed, called off) made before then, with attempts."""

    async def forget_mail(self, email_hash: str) -> int:
        """Call off the e-mails still waiting for this address and clear it from the rest (an erasure)."""


class ReadTx(Protocol):
    """A snapshot of committed data; every repository shares its connection."""

    @property
    def articles(self) -> ArticleReads: ...
    @property
    def comments(self) -> CommentReads: ...
    @property
    def flags(self) -> FlagReads: ...
    @property
    def audit(self) -> AuditReads: ...
    @property
    def bans(self) -> BanReads: ...
    @property
    def tokens(self) -> TokenReads: ...
    @property
    def site(self) -> SiteReads: ...
    @property
    def outbound(self) -> OutboundReads: ...


class Tx(ReadTx, Protocol):
    """The one write transaction: reads see its own writes, and all of it commits or none."""

    @property
    def articles(self) -> Articles: ...
    @property
    def comments(self) -> Comments: ...
    @property
    def flags(self) -> Flags: ...
    @property
    def audit(self) -> Audit: ...
    @property
    def bans(self) -> Bans: ...
    @property
    def tokens(self) -> Tokens: ...
    @property
    def site(self) -> Site: ...
    @property
    def outbound(self) -> Outbound: ...


class Transactions(Protocol):
    """Readers see committed data; a writer holds the only write transaction and commits before returning."""

    def reading(self, *, heavy: bool = False) -> AbstractAsyncContextManager[ReadTx]:
        """A snapshot of committed data. `heavy` marks a read that may scan many rows (moderation queues and
        logs): a backend may run brief reads more cheaply, and must keep heavy ones from delaying the rest."""

    def writing(self) -> AbstractAsyncContextManager[Tx]: ...


class Changes(Protocol):
    """The change feed remembered answers are checked against, read outside any transaction and cheaply.

    SQLite reads `PRAGMA data_version` and per-article version columns; a server database can keep a counter
    row that every write transaction bumps, or listen for a notification each commit sends.
    """

    async def change_counter(self) -> int:
        """A number that is different after any commit, by this process or another."""

    async def article_version(self, slug: str, *, now: datetime) -> tuple[int, int] | None:
        """A published article's id and its version, which any change to it or its thread increases."""

    async def comment_counts(self, slugs: Sequence[str], *, now: datetime) -> dict[str, int]:
        """Visible-comment counts of the articles among `slugs` that are published by `now`."""


class Store(Transactions, Changes, Protocol):
    """An open database: its transactions, its change feed, and its life."""

    async def ping(self) -> bool: ...
    async def close(self) -> None: ...
