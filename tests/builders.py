"""Builders for test data: small functions with sensible defaults, overridden per test."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from parley.domain.records import ArticleDraft, ArticleModeration, Author

_serial = itertools.count(1)
PUBLISHED = datetime(2025, 1, 1, tzinfo=UTC)


def article(**overrides: Any) -> ArticleDraft:
    n = next(_serial)
    values: dict[str, Any] = {
        "slug": f"article-{n}",
        "title": f"Article number {n}",
        "author": Author("test-author", "Test Author"),
        "published_at": PUBLISHED + timedelta(hours=n),
        "body": "word " * 250,
        "tags": ("news",),
        "comments_open": True,
        "moderation": ArticleModeration.POST,
    }
    values.update(overrides)
    return ArticleDraft(**values)


def comment(**overrides: Any) -> dict[str, Any]:
    n = next(_serial)
    values: dict[str, Any] = {"author_name": f"Reader {n}", "body": f"Comment number {n}."}
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}
