"""The site's moderation policy and the rules that decide a new or edited comment's status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import msgspec

from parley.domain import shapes, text
from parley.domain.records import Article, ArticleModeration, Moderation, Status

if TYPE_CHECKING:
    from parley.domain.ports import ReadTx

# A rule that lets a comment through at once rather than holding it back.
_RELEASING = frozenset({"trusted_author"})

Phrase = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=shapes.LINE)]
# Each setting's bounds, for the policy and for the documents that change it.
WordList = Annotated[tuple[Phrase, ...], msgspec.Meta(max_length=1000)]
LinkLimit = Annotated[int, msgspec.Meta(ge=0, le=1000)]
FlagThreshold = Annotated[int, msgspec.Meta(ge=1, le=1000)]
EditWindow = Annotated[int, msgspec.Meta(ge=0, le=7 * 86400)]
Depth = Annotated[int, msgspec.Meta(ge=1, le=20)]
CloseDays = Annotated[int, msgspec.Meta(ge=1, le=36500)]
Pace = Annotated[int, msgspec.Meta(ge=1, le=10000)]
PaceWindow = Annotated[int, msgspec.Meta(ge=1, le=86400)]


class Policy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Site-wide moderation settings; an article may override only `moderation`."""

    moderation: Moderation = Moderation.PRE
    trust_returning_authors: bool = True
    hold_words: WordList = ()
    block_words: WordList = ()
    max_links: LinkLimit = 2
    flag_threshold: FlagThreshold = 3
    hide_flagged: bool = False
    edit_window_seconds: EditWindow = 900
    max_depth: Depth = 5
    shadow_ban: bool = False
    auto_close_days: CloseDays | None = None
    author_rate_limit: Pace = 5
    """Comments one author (by author key; else by e-mail or name at one network) may submit per window."""
    author_rate_window_seconds: PaceWindow = 60

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


async def in_force(tx: ReadTx) -> Policy:
    """The site's policy as stored, or the defaults before an admin has set one."""
    return await tx.site.policy() or Policy()


class Facts(msgspec.Struct, frozen=True, kw_only=True):
    """What the store knows about the author that the rules need."""

    trusted: bool
    """The author's key already has an approved comment under this name."""
    banned: bool
    honeypot: bool


class Verdict(msgspec.Struct, frozen=True):
    """The status a comment gets, the rules that fired, and the status its author is told it has."""

    status: Status
    rules: tuple[str, ...]
    told: Status
    """What the poster is told: spam is announced as what an ordinary comment would have become, so a
    spammer or a shadow-banned author learns nothing."""


def judge(policy: Policy, article: Article, shown: text.Shown, facts: Facts) -> Verdict:
    """Run every rule over what readers would see of a comment, strongest outcome first; name each that fired.

    Word lists read the rendered text and the author's name (markup, entities and invisible characters gone);
    `max_links` counts the links a reader could click.
    """
    spam: list[str] = []
    hold: list[str] = []
    if facts.honeypot:
        spam.append("honeypot")
    if facts.banned:
        spam.append("shadow_ban")
    if text.matches(shown.text, policy.block_words):
        spam.append("block_words")
    if text.matches(shown.text, policy.hold_words):
        hold.append("hold_words")
    if len(shown.links) > policy.max_links:
        hold.append("max_links")
    ordinary = _ordinary(policy, article, facts)
    if spam:
        return Verdict(Status.SPAM, tuple(spam + hold), Status.PENDING if hold else ordinary.status)
    if hold:
        return Verdict(Status.PENDING, tuple(hold), Status.PENDING)
    return ordinary


def _ordinary(policy: Policy, article: Article, facts: Facts) -> Verdict:
    """The pre- or post-moderation decision for a comment no rule held back."""
    if policy.moderation_for(article) is Moderation.PRE:
        if facts.trusted and policy.trust_returning_authors:
            return Verdict(Status.APPROVED, ("trusted_author",), Status.APPROVED)
        return Verdict(Status.PENDING, ("pre_moderation",), Status.PENDING)
    return Verdict(Status.APPROVED, (), Status.APPROVED)


def holding(rules: Iterable[str]) -> list[str]:
    """The rules among those recorded on a comment that kept it from going live."""
    return [rule for rule in rules if rule not in _RELEASING]
