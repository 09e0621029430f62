"""The site's moderation policy and the rules that decide a new or edited comment's status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import msgspec

from parley.domain import text
from parley.domain.records import Article, ArticleModeration, Moderation, Status

if TYPE_CHECKING:
    from parley.domain.ports import Tx

# A rule that lets a comment through at once rather than holding it back.
_RELEASING = frozenset({"trusted_author"})

Phrase = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Policy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Site-wide moderation settings; an article may override only `moderation`."""

    moderation: Moderation = Moderation.PRE
    trust_returning_authors: bool = True
    hold_words: Annotated[tuple[Phrase, ...], msgspec.Meta(max_length=1000)] = ()
    block_words: Annotated[tuple[Phrase, ...], msgspec.Meta(max_length=1000)] = ()
    max_links: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 2
    flag_threshold: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 3
    hide_flagged: bool = False
    edit_window_seconds: Annotated[int, msgspec.Meta(ge=0, le=7 * 86400)] = 900
    max_depth: Annotated[int, msgspec.Meta(ge=1, le=20)] = 5
    shadow_ban: bool = False
    auto_close_days: Annotated[int, msgspec.Meta(ge=1, le=36500)] | None = None
    author_rate_limit: Annotated[int, msgspec.Meta(ge=1, le=10000)] = 5
    """Comments one author (by email) may submit per `author_rate_window_seconds`."""
    author_rate_window_seconds: Annotated[int, msgspec.Meta(ge=1, le=86400)] = 60

    def closes(self, article: Article, now: datetime) -> bool:
        """Comments close by an editor's hand, or by age when the site sets `auto_close_days`."""
        if not article.comments_open:
            return True
        days = self.auto_close_days
        return days is not None and now - article.published_at > timedelta(days=days)

    def moderation_for(self, article: Article) -> Moderation:
        """The article's own setting wins unless it says `inherit`."""
        if article.moderation is ArticleModeration.INHERIT:
            return self.moderation
        return Moderation(article.moderation.value)


async def in_force(tx: Tx) -> Policy:
    """The site's policy as stored, or the defaults before an admin has set one."""
    return await tx.site.policy() or Policy()


class Facts(msgspec.Struct, frozen=True, kw_only=True):
    """What the store knows about the author that the rules need."""

    trusted: bool
    """The same name and email already have an approved comment."""
    banned: bool
    honeypot: bool


class Verdict(msgspec.Struct, frozen=True):
    """The status a comment gets, the rules that fired, and what the poster is told."""

    status: Status
    rules: tuple[str, ...]

    @property
    def shown_status(self) -> Status:
        """Spam is announced as pending: a spammer learns nothing from the answer."""
        return Status.PENDING if self.status is Status.SPAM else self.status


def judge(policy: Policy, article: Article, body: str, facts: Facts) -> Verdict:
    """Run every rule over a comment's text and author, strongest outcome first, and name each that fired."""
    spam: list[str] = []
    hold: list[str] = []
    if facts.honeypot:
        spam.append("honeypot")
    if facts.banned:
        spam.append("shadow_ban")
    if text.matches(body, policy.block_words):
        spam.append("block_words")
    if text.matches(body, policy.hold_words):
        hold.append("hold_words")
    if text.count_links(body) > policy.max_links:
        hold.append("max_links")
    if spam:
        return Verdict(Status.SPAM, tuple(spam + hold))
    if hold:
        return Verdict(Status.PENDING, tuple(hold))
    if policy.moderation_for(article) is Moderation.PRE:
        if facts.trusted and policy.trust_returning_authors:
            return Verdict(Status.APPROVED, ("trusted_author",))
        return Verdict(Status.PENDING, ("pre_moderation",))
    return Verdict(Status.APPROVED, ())


def holding(rules: Iterable[str]) -> list[str]:
    """The rules among those recorded on a comment that kept it from going live."""
    return [rule for rule in rules if rule not in _RELEASING]
