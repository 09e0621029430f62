"""The rules judge what readers will see: hostile Markdown that renders a blocked word or a link is caught.

Each row is a body as a troll would type it, the words and links a reader would get from its rendered HTML,
and the rules that must fire under `block_words: ["idiot", "casino"]` and `max_links: 0`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.domain import text
from parley.domain.policy import Facts, Policy, judge
from parley.domain.records import Article, ArticleModeration, Author, Moderation, Status

POLICY = Policy(moderation=Moderation.POST, block_words=("idiot", "casino"), max_links=0)
BLOCK, LINKS = "block_words", "max_links"

CORPUS: list[tuple[str, tuple[str, ...]]] = [
    # The corpus: entities, emphasis, invisible characters and obfuscated schemes.
    ("you are an i&#100;iot, see [this](https&#58;//spam.example)", (BLOCK, LINKS)),
    ("id**iot**", (BLOCK,)),
    ("id&shy;iot", (BLOCK,)),
    ("id&#8203;iot", (BLOCK,)),
    ("c&#97;sino", (BLOCK,)),
    ("ca*sino*", (BLOCK,)),
    ("[x](HtTpS:&#47;&#47;spam.example)", (LINKS,)),
    ("https://a.example https://b.example https://c.example", (LINKS,)),
    # More of the same families.
    ("i&#x64;iot", (BLOCK,)),
    ("id&#x200B;iot", (BLOCK,)),
    ("i\u200dd\u2060i\ufeffot", (BLOCK,)),
    ("id__iot__ and ca~~sino~~", (BLOCK,)),
    ("ID`IOT`", (BLOCK,)),
    ("ｉｄｉｏｔ", (BLOCK,)),  # full-width
    ("ıdıot", (BLOCK,)),  # dotless i
    ("іdіоt", (BLOCK,)),  # Cyrillic і and о
    ("i&#x0064;&#105;&#x006F;t", (BLOCK,)),
    ("> id*i*ot", (BLOCK,)),
    ("- ca\n- sino", ()),  # two list items are two words, as a reader reads them
    ("[casino](https://x.example)", (BLOCK, LINKS)),
    ("[a nice place](https://casino.example)", (BLOCK, LINKS)),
    ("<https://spam.example>", (LINKS,)),
    ("www.spam.com", (LINKS,)),
    ("spam.com is where", (LINKS,)),
    ("[x][r]\n\n[r]: https://spam.example", (LINKS,)),
    ("[x](mailto:me@spam.example)", (LINKS,)),
    ("<b>idiot</b>", (BLOCK,)),  # raw HTML is shown as typed, so the word is shown
    # What readers do not see as a link or a word does not count.
    ("id<!-- -->iot", ()),
    ("`https://in.code.example` is only code", ()),
    ("[relative](/admin)", ()),
    ("[x](javascript:alert(1))", ()),
    ("an idiotic plan", ()),
    ("casinos", ()),
    ("write to me@example.org", ()),
    ("hxxps://spam[.]example", ()),
]


def article() -> Article:
    return Article(
        id=1,
        slug="a",
        title="A",
        author=Author("x", "X"),
        published_at=datetime(2025, 1, 1, tzinfo=UTC),
        reading_minutes=1,
        tags=(),
        comments_open=True,
        moderation=ArticleModeration.INHERIT,
        comment_count=0,
        version=0,
        body="",
        body_html="",
    )


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize(("body", "fired"), CORPUS)
def test_rules_fire_on_what_the_rendered_comment_shows(body: str, fired: tuple[str, ...]) -> None:
    shown = text.shown(text.render_comment(body), "Reader")
    verdict = judge(POLICY, article(), shown, Facts(trusted=False, banned=False, honeypot=False))
    assert verdict.rules == fired
    expected = Status.SPAM if BLOCK in fired else Status.PENDING if fired else Status.APPROVED
    assert verdict.status is expected
