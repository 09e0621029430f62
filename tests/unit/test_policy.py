"""Policy decisions at submit time: which status a comment gets and which rules say why."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from parley.domain import text
from parley.domain.policy import Facts, Policy, Verdict, judge
from parley.domain.records import Article, ArticleModeration, Author, Moderation, Status

NOBODY = Facts(trusted=False, banned=False, honeypot=False)
P, A, S = Status.PENDING, Status.APPROVED, Status.SPAM


def seen(body: str, name: str = "Ann") -> text.Shown:
    """What readers would see of a comment with this Markdown body, posted under this name."""
    return text.shown(text.render_comment(body), name)


def article(moderation: ArticleModeration = ArticleModeration.INHERIT) -> Article:
    return Article(
        id=1,
        slug="a",
        title="A",
        author=Author("x", "X"),
        published_at=datetime(2025, 1, 1, tzinfo=UTC),
        reading_minutes=1,
        tags=(),
        comments_open=True,
        moderation=moderation,
        comment_count=0,
        version=0,
        body="",
        body_html="",
    )


def test_pre_moderation_holds_a_first_time_author() -> None:
    verdict = judge(Policy(), article(), seen("hello"), NOBODY)
    assert verdict == Verdict(P, ("pre_moderation",), P)


def test_pre_moderation_publishes_a_returning_author_at_once() -> None:
    verdict = judge(Policy(), article(), seen("hello"), msgspec.structs.replace(NOBODY, trusted=True))
    assert verdict.status is Status.APPROVED
    assert verdict.rules == ("trusted_author",)


def test_returning_authors_wait_too_when_the_site_turns_trust_off() -> None:
    policy = Policy(trust_returning_authors=False)
    assert (
        judge(policy, article(), seen("hello"), msgspec.structs.replace(NOBODY, trusted=True)).status is Status.PENDING
    )


def test_post_moderation_publishes_at_once() -> None:
    assert judge(Policy(moderation=Moderation.POST), article(), seen("hello"), NOBODY).status is Status.APPROVED


@pytest.mark.parametrize(
    ("site", "own", "expected"),
    [
        (Moderation.PRE, ArticleModeration.POST, Status.APPROVED),
        (Moderation.POST, ArticleModeration.PRE, Status.PENDING),
        (Moderation.POST, ArticleModeration.INHERIT, Status.APPROVED),
    ],
)
def test_an_article_overrides_the_site_moderation(site: Moderation, own: ArticleModeration, expected: Status) -> None:
    assert judge(Policy(moderation=site), article(own), seen("hello"), NOBODY).status is expected


def test_hold_words_send_a_comment_to_pending_even_under_post_moderation() -> None:
    policy = Policy(moderation=Moderation.POST, hold_words=("refund",))
    assert judge(policy, article(), seen("A REFUND please"), NOBODY) == Verdict(P, ("hold_words",), P)


@pytest.mark.parametrize(("moderation", "told"), [(Moderation.POST, A), (Moderation.PRE, P)])
def test_spam_is_told_what_an_ordinary_comment_would_have_become(moderation: Moderation, told: Status) -> None:
    for facts, body in ((NOBODY, "best Casino"), (msgspec.structs.replace(NOBODY, banned=True), "hello")):
        verdict = judge(Policy(moderation=moderation, block_words=("casino",)), article(), seen(body), facts)
        assert (verdict.status, verdict.told) == (S, told)


def test_spam_that_would_also_have_been_held_is_told_pending() -> None:
    policy = Policy(moderation=Moderation.POST, block_words=("casino",), max_links=0)
    assert judge(policy, article(), seen("casino https://x.example"), NOBODY).told is P


def test_too_many_links_hold_a_comment() -> None:
    body = seen("https://a.example https://b.example https://c.example")
    verdict = judge(Policy(moderation=Moderation.POST, max_links=2), article(), body, NOBODY)
    assert verdict == Verdict(P, ("max_links",), P)
    assert judge(Policy(moderation=Moderation.POST, max_links=3), article(), body, NOBODY).status is A


def test_a_filled_honeypot_is_spam() -> None:
    facts = msgspec.structs.replace(NOBODY, honeypot=True)
    assert judge(Policy(moderation=Moderation.POST), article(), seen("hi"), facts) == Verdict(S, ("honeypot",), A)


def test_a_shadow_banned_author_is_stored_as_spam() -> None:
    facts = msgspec.structs.replace(NOBODY, banned=True)
    assert judge(Policy(moderation=Moderation.POST), article(), seen("hi"), facts) == Verdict(S, ("shadow_ban",), A)


def test_every_rule_that_fired_is_named() -> None:
    policy = Policy(moderation=Moderation.POST, block_words=("casino",), hold_words=("refund",), max_links=0)
    verdict = judge(policy, article(), seen("casino refund https://x.example"), NOBODY)
    assert verdict.status is Status.SPAM
    assert verdict.rules == ("block_words", "hold_words", "max_links")


def test_policy_refuses_unknown_settings_and_bad_values() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"max_linkz": 3}, Policy)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"max_depth": 0}, Policy)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"moderation": "sometimes"}, Policy)


def test_word_lists_read_the_authors_name_as_readers_see_it() -> None:
    policy = Policy(moderation=Moderation.POST, block_words=("casino",))
    assert judge(policy, article(), seen("hello", name="Casino Bonus"), NOBODY).status is S
