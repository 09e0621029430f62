"""Hostile text: pathological Markdown, comments past the opener bound, and Unicode tricks on the word lists."""

from __future__ import annotations

import pytest

from parley.domain import text
from tests.unit.markdown_corpus import PATHOLOGICAL
from tests.unit.test_text import ALLOWED_TAGS, inspect


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_markdown_renders_to_allowed_tags_only(name: str) -> None:
    source = PATHOLOGICAL[name]
    assert len(source) <= 10_000
    assert set(inspect(text.render_comment(source)).tags) <= ALLOWED_TAGS


def test_past_the_opener_bound_a_comment_is_shown_as_typed() -> None:
    source = "[" * text.MAX_OPENERS + " *not emphasis* <b>\n\nsecond & last"
    assert text.render_comment(source) == (
        "<p>" + "[" * text.MAX_OPENERS + " *not emphasis* &lt;b&gt;</p>\n<p>second &amp; last</p>\n"
    )


def test_up_to_the_opener_bound_a_comment_is_markdown() -> None:
    source = "[" * (text.MAX_OPENERS - 2) + " *emphasis*"
    assert "<em>emphasis</em>" in text.render_comment(source)


@pytest.mark.parametrize(
    "target", ["//spam.example/buy", "/admin", "spam.example", "jav%09ascript:alert(1)", "%5Cjavascript:alert(1)"]
)
def test_a_comment_link_without_a_scheme_loses_its_target(target: str) -> None:
    html = text.render_comment(f"[click]({target})")
    assert "href" not in html
    assert "click" in html


def test_an_article_may_link_within_the_site() -> None:
    assert '<a href="/news/other" rel="nofollow ugc noopener">' in text.render_article("[other](/news/other)")


@pytest.mark.parametrize(
    "written",
    [
        "buy sp\u200dam today",  # zero-width joiner
        "buy sp\u200cam today",  # zero-width non-joiner
        "buy sp\u2060am today",  # word joiner
        "buy sp\u00adam today",  # soft hyphen
        "buy s\u202epam today",  # right-to-left override
        "buy ѕрам today",  # Cyrillic dze, er, a, em
        "buy ｓｐａｍ today",  # full-width
        "buy SPÁM today",  # capitals with an accent
        "buy s\u0307p\u0323am today",  # combining dots
    ],
)
def test_zero_width_bidi_and_look_alike_spellings_of_a_blocked_word_are_caught(written: str) -> None:
    assert text.matches(written, ["spam"]) == ["spam"]
