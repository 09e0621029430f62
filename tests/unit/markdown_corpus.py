"""Pathological Markdown a commenter can type within the 10,000-character limit: deep nesting, unmatched
openers by the thousand, very long lines. Each is a cheap way to make a parser do quadratic work."""

LIMIT = 10_000


def _fill(unit: str) -> str:
    """`unit` repeated up to the comment length limit."""
    return (unit * (LIMIT // len(unit) + 1))[:LIMIT]


PATHOLOGICAL: dict[str, str] = {
    "10,000 quote markers": _fill(">"),
    "5,000 nested quotes with spaces": _fill("> "),
    "10,000 asterisks": _fill("*"),
    "5,000 nested list bullets": _fill("* "),
    "10,000 underscores": _fill("_"),
    "3,300 unclosed emphasis openers": _fill("*a "),
    "asterisks and underscores alternating": _fill("*_"),
    "strong openers without closers": _fill("**a"),
    "10,000 open brackets": _fill("["),
    "1,000 open brackets, then prose": "[" * 1000 + _fill("word ")[:9000],
    "link openers without targets": _fill("[a]("),
    "image openers": _fill("!["),
    "brackets nested 3,000 deep": "[" * 3000 + "a" + "]" * 3000 + "(b)",
    "10,000 angle brackets": _fill("<"),
    "unterminated autolinks": _fill("<http://a"),
    "unterminated HTML tags": _fill("<a "),
    "10,000 backticks": _fill("`"),
    "backtick runs of growing length": "".join("`" * n + "a" for n in range(1, 140))[:LIMIT],
    "alternating backticks": _fill("`a"),
    "10,000 backslashes": _fill("\\"),
    "10,000 tildes": _fill("~"),
    "numeric entities": _fill("&#x41;"),
    "unterminated entities": _fill("&am"),
    "one 10,000-character line": _fill("word "),
    "one 10,000-character word": "a" * LIMIT,
    "list nested 140 deep": "".join("  " * depth + "- x\n" for depth in range(140))[:LIMIT],
    "ordered list markers": _fill("1. "),
    "700 link reference definitions": _fill("[a]: http://x\n"),
    "reference links to nowhere": _fill("[a][b] "),
    "setext underline runs": _fill("a\n=\n"),
    "thematic breaks": _fill("***\n"),
    "fenced code openers": _fill("```\n"),
    "table-like pipes": _fill("|a"),
    "10,000 newlines": "\n" * (LIMIT - 1) + "x",
}
