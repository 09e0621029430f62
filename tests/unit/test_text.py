"""Text rules: Markdown rendering and sanitizing, reading time, links, and word matching."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from parley.domain import text
from tests.unit.xss_corpus import PAYLOADS

ALLOWED_TAGS = {"a", "blockquote", "br", "code", "del", "em", "hr", "li", "ol", "p", "pre", "strong", "ul"}


class Inspector(HTMLParser):
    """Collects every tag and attribute the rendered HTML would give a browser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)


def inspect(html: str) -> Inspector:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def test_the_corpus_has_at_least_thirty_payloads() -> None:
    assert len(PAYLOADS) >= 30


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendered_comments_keep_only_safe_tags_attributes_and_links(payload: str) -> None:
    found = inspect(text.render_comment(payload))
    assert set(found.tags) <= ALLOWED_TAGS
    for tag, name, value in found.attributes:
        assert (tag, name) in {("a", "href"), ("a", "title"), ("a", "rel")}
        if name == "href":
            assert value is not None
            assert value.lower().startswith(("http://", "https://", "mailto:"))
        if name == "rel":
            assert value == "nofollow ugc noopener"


def test_markdown_renders_to_html_with_links_marked_as_user_content() -> None:
    html = text.render_comment("Hello **bold** and [a link](https://example.org/x)")
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">a link</a>' in html


def test_raw_html_in_a_comment_stays_visible_as_text() -> None:
    html = text.render_comment("I like <b>bold</b>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_article_bodies_keep_subheadings() -> None:
    assert "<h2>Background</h2>" in text.render_article("## Background\n\nText.")


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (1, 1), (200, 1), (201, 2), (400, 2), (612, 4), (801, 5)])
def test_reading_time_is_words_over_two_hundred_rounded_up_and_at_least_one(words: int, minutes: int) -> None:
    assert text.reading_minutes("word " * words) == minutes


@pytest.mark.parametrize(
    ("source", "links"),
    [
        ("no links here", []),
        ("see https://a.example and http://b.example", ["https://a.example", "http://b.example"]),
        ("[one](https://a.example) and www.b.com", ["https://a.example", "http://www.b.com"]),
        ("https://www.a.example counts once", ["https://www.a.example"]),
        ("see news.com for that", ["http://news.com"]),
        ("mail me: mailto:x@y.example", ["mailto:x@y.example"]),
        ("an email x@www.example.com is not a link", []),
        ("`https://in.code.example` is code", []),
        ("[relative](/path) is no link", []),
    ],
)
def test_the_links_counted_are_the_links_readers_can_click(source: str, links: list[str]) -> None:
    html = text.render_comment(source)
    assert list(text.shown(html).links) == links
    assert html.count(" href=") == len(links)


@pytest.mark.parametrize(
    "written",
    [
        "buy viagra now",
        "Buy VIAGRA now",
        "buy ＶＩＡＧＲＡ now",  # full-width
        "buy víagra now",  # accented
        "buy vi\u200bagra now",  # zero-width space inside
        "buy vіagra now",  # Cyrillic і
        "buy viagra!",
    ],
)
def test_blocked_words_match_case_accent_width_and_homoglyph_variants(written: str) -> None:
    assert text.matches(written, ["viagra"]) == ["viagra"]


@pytest.mark.parametrize("written", ["viagras are not a word", "the bass player", "class action"])
def test_words_match_only_on_word_boundaries(written: str) -> None:
    assert text.matches(written, ["viagra", "ass"]) == []


def test_phrases_match_as_consecutive_words() -> None:
    assert text.matches("you should Buy  Now, really", ["buy now"]) == ["buy now"]
    assert text.matches("buy it now", ["buy now"]) == []


def test_an_image_is_a_link_to_it_named_by_its_alt_text_with_no_stray_mark() -> None:
    shown = text.render_comment("See ![the chart](https://example.org/chart.png) here.")
    assert shown == (
        '<p>See <a href="https://example.org/chart.png" rel="nofollow ugc noopener">the chart</a> here.</p>\n'
    )
    assert text.shown(shown).links == ("https://example.org/chart.png",)
    assert "<img" not in text.render_article("![x](https://example.org/x.png)")


def test_an_image_without_alt_text_is_named_by_its_address() -> None:
    assert ">https://example.org/x.png</a>" in text.render_comment("![](https://example.org/x.png)")


@pytest.mark.parametrize("level", range(1, 7))
def test_every_heading_level_renders_inside_an_element(level: int) -> None:
    source = "#" * level + " Heading\n\nBody."
    article = text.render_article(source)
    assert article.startswith(f"<h{max(level, 2)}>Heading</h{max(level, 2)}>")
    assert text.render_comment(source).startswith("<p><strong>Heading</strong></p>")
