"""Articles, their authors and tags in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

import msgspec

from parley.domain.errors import AlreadyExists
from parley.domain.paging import Position, from_micros
from parley.domain.records import (
    Article,
    ArticleDraft,
    ArticleSummary,
    Author,
    stamp,
)
from parley.storage.sqlite.conn import Conn
from parley.storage.sqlite.rows import record

# Every field of an ArticleSummary but its author, which comes from the authors table.
_SUMMARY = ", ".join(
    [
        *(f"a.{name}" for name in ArticleSummary.__struct_fields__ if name != "author"),
        "au.slug AS author_slug",
        "au.name AS author_name",
    ]
)
_FROM = "articles a JOIN authors au ON au.id = a.author_id"


def _summary(row: sqlite3.Row) -> ArticleSummary:
    author = Author(row["author_slug"], row["author_name"])
    return record(ArticleSummary, row, json=("tags",), author=author)


def _article(row: sqlite3.Row) -> Article:
    return record(Article, row, json=("tags",), author=Author(row["author_slug"], row["author_name"]))


class SqliteArticles:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _PAGE = f"""
    SELECT {_SUMMARY} FROM {_FROM}
     WHERE a.published_at <= :now
       AND (:author IS NULL OR au.slug = :author)
       AND (:tag IS NULL OR EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id AND t.tag = :tag))
       AND (:after_id IS NULL OR (a.published_at, a.id) < (:after_published, :after_id))
     ORDER BY a.published_at DESC, a.id DESC
     LIMIT :limit
    """

    async def page(
        self, *, limit: int, after: Position | None, author: str | None, tag: str | None, now: datetime
    ) -> list[ArticleSummary]:
        params = {
            "now": stamp(now),
            "author": author,
            "tag": tag,
            "after_id": None if after is None else after.id,
            "after_published": None if after is None else stamp(from_micros(after.key)),
            "limit": limit,
        }
        return [_summary(row) for row in await self._conn.execute_fetchall(self._PAGE, params)]

    _BY_SLUG = f"SELECT {_SUMMARY}, a.body, a.body_html FROM {_FROM} WHERE a.slug = :slug"

    async def by_slug(self, slug: str, *, now: datetime | None) -> Article | None:
        rows = list(await self._conn.execute_fetchall(self._BY_SLUG, {"slug": slug}))
        if not rows:
            return None
        article = _article(rows[0])
        if now is not None and article.published_at > now:
            return None
        return article

    _BY_ID = f"SELECT {_SUMMARY}, a.body, a.body_html FROM {_FROM} WHERE a.id = :id"

    async def by_id(self, article_id: int) -> Article:
        rows = list(await self._conn.execute_fetchall(self._BY_ID, {"id": article_id}))
        return _article(rows[0])

    _RELATED = f"""
    SELECT {_SUMMARY}, COUNT(*) AS shared
      FROM article_tags mine
      JOIN article_tags other ON other.tag = mine.tag AND other.article_id <> mine.article_id
      JOIN articles a ON a.id = other.article_id
      JOIN authors au ON au.id = a.author_id
     WHERE mine.article_id = :id AND a.published_at <= :now
     GROUP BY a.id
     ORDER BY au.slug = :author, shared DESC, a.published_at DESC, a.id DESC
     LIMIT :limit
    """

    async def related(self, article: Article, *, limit: int, now: datetime) -> list[ArticleSummary]:
        params = {"id": article.id, "author": article.author.slug, "now": stamp(now), "limit": limit}
        return [_summary(row) for row in await self._conn.execute_fetchall(self._RELATED, params)]

    _SAME_AUTHOR = f"""
    SELECT {_SUMMARY} FROM {_FROM}
     WHERE au.slug = :author AND a.id <> :id AND a.published_at <= :now
     ORDER BY a.published_at DESC, a.id DESC
     LIMIT :limit
    """

    async def by_same_author(self, article: Article, *, limit: int, now: datetime) -> list[ArticleSummary]:
        params = {"author": article.author.slug, "id": article.id, "now": stamp(now), "limit": limit}
        return [_summary(row) for row in await self._conn.execute_fetchall(self._SAME_AUTHOR, params)]

    async def total(self) -> int:
        rows = list(await self._conn.execute_fetchall("SELECT COUNT(*) AS n FROM articles"))
        return int(rows[0]["n"])

    _AUTHOR = """
    INSERT INTO authors (slug, name) VALUES (:slug, :name)
        ON CONFLICT (slug) DO UPDATE SET name = excluded.name WHERE name <> excluded.name
    """
    _AUTHOR_ID = "SELECT id FROM authors WHERE slug = :slug"
    _INSERT = """
    INSERT INTO articles (slug, title, author_id, published_at, body, body_html, reading_minutes, tags,
                          comments_open, moderation, created_at, updated_at)
    VALUES (:slug, :title, :author_id, :published_at, :body, :body_html, :reading_minutes, :tags,
            :comments_open, :moderation, :now, :now)
        ON CONFLICT (slug) DO NOTHING
    RETURNING id
    """
    _TAGS_CLEAR = "DELETE FROM article_tags WHERE article_id = :id"
    _TAG = "INSERT INTO article_tags (article_id, tag) VALUES (:id, :tag) ON CONFLICT DO NOTHING"

    async def _author_id(self, author: Author) -> int:
        await self._conn.execute(self._AUTHOR, {"slug": author.slug, "name": author.name})
        rows = list(await self._conn.execute_fetchall(self._AUTHOR_ID, {"slug": author.slug}))
        return int(rows[0]["id"])

    async def _set_tags(self, article_id: int, tags: Sequence[str]) -> None:
        await self._conn.execute(self._TAGS_CLEAR, {"id": article_id})
        await self._conn.executemany(self._TAG, [{"id": article_id, "tag": tag} for tag in tags])

    async def insert(self, draft: ArticleDraft, *, body_html: str, reading_minutes: int, now: datetime) -> Article:
        author_id = await self._author_id(draft.author)
        rows = list(
            await self._conn.execute_fetchall(
                self._INSERT,
                {
                    "slug": draft.slug,
                    "title": draft.title,
                    "author_id": author_id,
                    "published_at": stamp(draft.published_at),
                    "body": draft.body,
                    "body_html": body_html,
                    "reading_minutes": reading_minutes,
                    "tags": msgspec.json.encode(list(draft.tags)).decode(),
                    "comments_open": int(draft.comments_open),
                    "moderation": draft.moderation.value,
                    "now": stamp(now),
                },
            )
        )
        if not rows:
            raise AlreadyExists(f"an article with slug {draft.slug!r} exists")
        article_id = int(rows[0]["id"])
        await self._set_tags(article_id, draft.tags)
        return await self.by_id(article_id)

    _UPDATE = """
    UPDATE articles
       SET title = :title, author_id = :author_id, published_at = :published_at, body = :body,
           body_html = :body_html, reading_minutes = :reading_minutes, tags = :tags,
           comments_open = :comments_open, moderation = :moderation, version = version + 1, updated_at = :now
     WHERE id = :id
    """

    async def update(self, article: Article, *, now: datetime) -> Article:
        author_id = await self._author_id(article.author)
        await self._conn.execute(
            self._UPDATE,
            {
                "id": article.id,
                "title": article.title,
                "author_id": author_id,
                "published_at": stamp(article.published_at),
                "body": article.body,
                "body_html": article.body_html,
                "reading_minutes": article.reading_minutes,
                "tags": msgspec.json.encode(list(article.tags)).decode(),
                "comments_open": int(article.comments_open),
                "moderation": article.moderation.value,
                "now": stamp(now),
            },
        )
        await self._set_tags(article.id, article.tags)
        return await self.by_id(article.id)
