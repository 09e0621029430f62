"""Policy decisions at submit time: which status a comment gets and which rules say why."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from parley.domain.policy import Facts, Policy, Verdict, judge
from parley.domain.records import Article, ArticleModeration, Author, Moderation, Status

NOBODY = Facts(trusted=False, banned=False, honeypot=False)


def article(moderation: ArticleModeration = ArticleModeration.INHERIT) -> Article:
    return Article(
        id=1, slug="a", title="A", author=Author("x", "X"), published_at=datetime(2025, 1, 1, tzinfo=UTC),
        reading_minutes=1, tags=(), comments_open=True, moderation=moderation, comment_count=0, version=0,
        body="", body_html="",
    )  # fmt: skip


def test_pre_moderation_holds_a_first_time_author() -> None:
    verdict = judge(Policy(), article(), "hello", NOBODY)
    assert verdict == Verdict(Status.PENDING, ("pre_moderation",))


def test_pre_moderation_publishes_a_returning_author_at_once() -> None:
    verdict = judge(Policy(), article(), "hello", msgspec.structs.replace(NOBODY, trusted=True))
    assert verdict.status is Status.APPROVED
    assert verdict.rules == ("trusted_author",)


def test_returning_authors_wait_too_when_the_site_turns_trust_off() -> None:
    policy = Policy(trust_returning_authors=False)
    assert judge(policy, article(), "hello", msgspec.structs.replace(NOBODY, trusted=True)).status is Status.PENDING


def test_post_moderation_publishes_at_once() -> None:
    assert judge(Policy(moderation=Moderation.POST), article(), "hello", NOBODY).status is Status.APPROVED


@pytest.mark.parametrize(
    ("site", "own", "expected"),
    [
        (Moderation.PRE, ArticleModeration.POST, Status.APPROVED),
        (Moderation.POST, ArticleModeration.PRE, Status.PENDING),
        (Moderation.POST, ArticleModeration.INHERIT, Status.APPROVED),
    ],
)
def test_an_article_overrides_the_site_moderation(site: Moderation, own: ArticleModeration, expected: Status) -> None:
    assert judge(Policy(moderation=site), article(own), "hello", NOBODY).status is expected


def test_hold_words_send_a_comment_to_pending_even_under_post_moderation() -> None:
    verdict = judge(Policy(moderation=Moderation.POST, hold_words=("refund",)), article(), "A REFUND please", NOBODY)
    assert verdict == Verdict(Status.PENDING, ("hold_words",))


def test_block_words_mark_spam_and_the_poster_is_told_pending() -> None:
    verdict = judge(Policy(moderation=Moderation.POST, block_words=("casino",)), article(), "best Casino", NOBODY)
    assert verdict.status is Status.SPAM
    assert verdict.rules == ("block_words",)
    assert verdict.shown_status is Status.PENDING


def test_too_many_links_hold_a_comment() -> None:
    body = "https://a.example https://b.example https://c.example"
    verdict = judge(Policy(moderation=Moderation.POST, max_links=2), article(), body, NOBODY)
    assert verdict == Verdict(Status.PENDING, ("max_links",))
    assert judge(Policy(moderation=Moderation.POST, max_links=3), article(), body, NOBODY).status is Status.APPROVED


def test_a_filled_honeypot_is_spam() -> None:
    facts = msgspec.structs.replace(NOBODY, honeypot=True)
    assert judge(Policy(moderation=Moderation.POST), article(), "hi", facts) == Verdict(Status.SPAM, ("honeypot",))


def test_a_shadow_banned_author_is_stored_as_spam() -> None:
    facts = msgspec.structs.replace(NOBODY, banned=True)
    assert judge(Policy(moderation=Moderation.POST), article(), "hi", facts) == Verdict(Status.SPAM, ("shadow_ban",))


def test_every_rule_that_fired_is_named() -> None:
    policy = Policy(moderation=Moderation.POST, block_words=("casino",), hold_words=("refund",), max_links=0)
    verdict = judge(policy, article(), "casino refund https://x.example", NOBODY)
    assert verdict.status is Status.SPAM
    assert verdict.rules == ("block_words", "hold_words", "max_links")


def test_policy_refuses_unknown_settings_and_bad_values() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"max_linkz": 3}, Policy)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"max_depth": 0}, Policy)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"moderation": "sometimes"}, Policy)
