"""Text rules: Markdown to safe HTML, reading time, and what readers see of it: its words and its links."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from html.parser import HTMLParser
from typing import Any

import msgspec
import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.token import Token

WORDS_PER_MINUTE = 200

_COMMENT_TAGS = {"a", "blockquote", "br", "code", "del", "em", "hr", "li", "ol", "p", "pre", "strong", "ul"}
_ARTICLE_TAGS = _COMMENT_TAGS | {"h2", "h3", "h4", "h5", "h6"}
_ATTRIBUTES = {"a": {"href", "title"}}
_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


def _markdown() -> MarkdownIt:
    # Raw HTML off: a '<script>' typed in a comment stays visible text. Images become links to the image (no
    # tracking pixels, no stray "!"), named by their alt text. Bare addresses become links (`https://…`,
    # `www.…`, `example.com`), so what counts toward `max_links` is exactly what readers can click; a bare
    # e-mail address stays text.
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": 20, "linkify": True})
    md.enable(["strikethrough", "linkify"])
    md.linkify = LinkifyIt(options={"fuzzy_email": False})
    md.add_render_rule("image", _image_as_link)
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("heading_close", _heading_close)
    return md


def _image_as_link(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    source = str(token.attrGet("src") or "")
    words = renderer.renderInlineAsText(token.children or [], options, env) or source
    return f'<a href="{html.escape(source)}">{html.escape(words)}</a>'


def _heading_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A heading in a comment is emphasis in a paragraph (a comment has no sections); in an article, `#` is a
    subheading like `##`, since the page's one top-level heading is the article's title."""
    if env.get("comment"):
        return "<p><strong>"
    return f"<{_article_heading(tokens[idx].tag)}>"


def _heading_close(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    if env.get("comment"):
        return "</strong></p>\n"
    return f"</{_article_heading(tokens[idx].tag)}>\n"


def _article_heading(tag: str) -> str:
    return "h2" if tag == "h1" else tag


_MD = _markdown()


# Markdown parsing does work quadratic in unmatched link and emphasis openers: 10,000 `[` take ~100 ms where
# 1,000 take ~5 ms (bench/markdown_render.py). Text with more openers than any comment needs is shown as typed.
MAX_OPENERS = 1_000
_OPENERS = re.compile(r"[\[<*_]")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def _as_text(source: str) -> str:
    """The source as typed: escaped, one paragraph per blank-line-separated block, line breaks kept."""
    blocks = (block.strip("\n") for block in _PARAGRAPHS.split(source))
    return "".join(f"<p>{html.escape(block).replace(chr(10), '<br>' + chr(10))}</p>\n" for block in blocks if block)


def _absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """A commenter's link names its scheme: a relative or protocol-relative one (`//spam.example`) would point
    anywhere on this site, or off it without counting as a link for `max_links`."""
    if tag == "a" and attribute == "href" and not value.lower().startswith(("http://", "https://", "mailto:")):
        return None
    return value


def _render(
    source: str,
    tags: set[str],
    attribute_filter: Callable[[str, str, str], str | None] | None,
    *,
    comment: bool,
) -> str:
    plain = len(_OPENERS.findall(source)) > MAX_OPENERS
    markup = _as_text(source) if plain else _MD.render(source, {"comment": comment})
    return nh3.clean(
        markup,
        tags=tags,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=attribute_filter,
    )


def render_comment(source: str) -> str:
    """Markdown as commenters write it, reduced to a small allow-list of tags and absolute links."""
    return _render(source, _COMMENT_TAGS, _absolute_links, comment=True)


def render_comment_html(source: str) -> str:
    """A comment another system kept as HTML (an import): the same allow-list and link rules, no Markdown."""
    return nh3.clean(
        source,
        tags=_COMMENT_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=_absolute_links,
    )


def render_article(source: str) -> str:
    """An article body: the comment allow-list plus subheadings; editors may link within the site."""
    return _render(source, _ARTICLE_TAGS, None, comment=False)


def reading_minutes(source: str) -> int:
    """ceil(words / 200), at least one minute."""
    return max(1, math.ceil(len(source.split()) / WORDS_PER_MINUTE))


# Elements that start a new line of text: their neighbours' words never run together.
_BLOCKS = frozenset({"blockquote", "br", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "ul"})


class Shown(msgspec.Struct, frozen=True):
    """What a reader sees of rendered HTML: its text (entities decoded, markup gone) and the links to click."""

    text: str
    links: tuple[str, ...]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")
        href = dict(attrs).get("href") if tag == "a" else None
        if href:  # an anchor whose address the sanitizer dropped leads nowhere
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(html: str, *beside: str) -> Shown:
    """The words and links readers get from rendered HTML, plus other text shown beside it (a name, a URL).

    Inline markup joins what it splits (`id<strong>iot</strong>` reads "idiot"); link addresses are read as
    text too, after the visible words, since a reader sees them on hover and follows them.
    """
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return Shown(" ".join(["".join(reader.parts), *reader.links, *beside]), tuple(reader.links))


# Letters from other scripts that look like Latin ones; spammers use them to slip past word lists.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ɡ": "g", "ո": "n", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss",
    }
)  # fmt: skip
# Format controls (zero-width joiners, bidi overrides) and combining marks (accents) carry no letter.
_INVISIBLE = frozenset(("Cf", "Mn", "Me"))
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """One spelling per look: NFKC, case-folded, accents, invisible marks and homoglyphs removed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE).translate(_CONFUSABLES)
    return unicodedata.normalize("NFC", text)


def words(text: str) -> str:
    """The folded words of `text`, space-separated and padded so phrases match on word boundaries."""
    return " " + " ".join(_WORD.findall(fold(text))) + " "


def matches(text: str, phrases: Collection[str]) -> list[str]:
    """The phrases (one or more words each) found in `text`, compared as whole folded words."""
    if not phrases:
        return []
    haystack = words(text)
    found = []
    for phrase in phrases:
        needle = words(phrase)
        if needle.strip() and needle in haystack:
            found.append(phrase)
    return found


# Characters that show nothing: controls, every kind of space, zero-width characters, joiners, direction marks,
# the soft hyphen, variation selectors, the combining grapheme joiner, and letters that render blank (Hangul
# fillers, the braille blank, Khmer and Mongolian invisible signs). One list for the rule and the wire pattern.
INVISIBLE = (
    (0x00, 0x20), (0x7F, 0xA0), (0xAD, 0xAD), (0x34F, 0x34F), (0x61C, 0x61C), (0x115F, 0x1160), (0x1680, 0x1680),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2000, 0x200F), (0x2028, 0x202F), (0x205F, 0x206F), (0x2800, 0x2800),
    (0x3000, 0x3000), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
)  # fmt: skip
_SHOWS_NOTHING = frozenset(chr(code) for start, end in INVISIBLE for code in range(start, end + 1))


def invisible_class() -> str:
    """The INVISIBLE characters as the inside of a regular-expression class (Python's and ECMA-262's alike)."""
    return "".join(f"\\u{start:04x}" + (f"-\\u{end:04x}" if end != start else "") for start, end in INVISIBLE)


def shows_something(value: str) -> bool:
    """Whether text has a character a reader sees: a name or a body made only of spaces, zero-width and
    direction marks, joiners, variation selectors or blank fillers is no name or body at all."""
    return any(c not in _SHOWS_NOTHING for c in value)
