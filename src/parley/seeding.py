"""Seed articles as text: Markdown files with TOML front matter between `+++` lines."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import msgspec

from parley.domain import shapes
from parley.domain.records import ArticleDraft, Author


class SeedError(ValueError):
    """A seed file that does not parse; the message names the file."""


class _AuthorMeta(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(pattern=shapes.SLUG, max_length=120)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]


class _FrontMatter(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(pattern=shapes.SLUG, max_length=120)]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    author: _AuthorMeta
    published_at: datetime
    tags: list[Annotated[str, msgspec.Meta(pattern=shapes.SLUG, max_length=50)]] = []


def parse(text: str, name: str = "<seed>") -> ArticleDraft:
    """One seed file's article; its body is everything after the front matter, kept exactly."""
    if not text.startswith("+++\n"):
        raise SeedError(f"{name}: must start with a '+++' line of TOML front matter")
    front, marker, body = text[4:].partition("\n+++\n")
    if not marker:
        raise SeedError(f"{name}: the front matter has no closing '+++' line")
    try:
        meta = msgspec.convert(tomllib.loads(front), _FrontMatter)
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as error:
        raise SeedError(f"{name}: {error}") from None
    if meta.published_at.tzinfo is None:
        raise SeedError(f"{name}: published_at needs a time zone, e.g. 2025-06-03T08:30:00Z")
    if not body.strip():
        raise SeedError(f"{name}: the article has no body")
    return ArticleDraft(
        slug=meta.slug,
        title=meta.title,
        author=Author(meta.author.slug, meta.author.name),
        published_at=meta.published_at.astimezone(UTC),
        body=body.rstrip("\n"),
        tags=tuple(meta.tags),
    )


def load(folder: Path) -> list[ArticleDraft]:
    """Every `*.md` seed in a folder, in file-name order."""
    if not folder.is_dir():
        raise SeedError(f"{folder}: no such folder of seed articles")
    return [parse(path.read_text(encoding="utf-8"), path.name) for path in sorted(folder.glob("*.md"))]
