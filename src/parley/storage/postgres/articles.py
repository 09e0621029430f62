"""Articles, their authors and tags in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from parley.domain.errors import AlreadyExists
from parley.domain.paging import Position, from_micros
from parley.domain.records import Article, ArticleDraft, ArticleSummary, Author
from parley.storage.postgres.conn import Conn, one
from parley.storage.records import Row, record

_SUMMARY = ", ".join(
    [
        *(f"a.{name}" for name in ArticleSummary.__struct_fields__ if name != "author"),
        "au.slug AS author_slug",
        "au.name AS author_name",
    ]
)
_FROM = "articles a JOIN authors au ON au.id = a.author_id"


def _summary(row: Row) -> ArticleSummary:
    return record(ArticleSummary, row, author=Author(row["author_slug"], row["author_name"]))


def _article(row: Row) -> Article:
    return record(Article, row, author=Author(row["author_slug"], row["author_name"]))


class PgArticles:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    _PAGE = f"""
    SELECT {_SUMMARY} FROM {_FROM}
     WHERE a.published_at <= $1
       AND ($2::text IS NULL OR au.slug = $2)
       AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id AND t.tag = $3))
       AND ($4::bigint IS NULL OR (a.published_at, a.id) < ($5::timestamptz, $4))
     ORDER BY a.published_at DESC, a.id DESC
     LIMIT $6
    """

    async def page(
        self, *, limit: int, after: Position | None, author: str | None, tag: str | None, now: datetime
    ) -> list[ArticleSummary]:
        after_id = None if after is None else after.id
        after_published = None if after is None else from_micros(after.key)
        rows = await self._conn.fetch(self._PAGE, now, author, tag, after_id, after_published, limit)
        return [_summary(row) for row in rows]

    _BY_SLUG = f"SELECT {_SUMMARY}, a.body, a.body_html FROM {_FROM} WHERE a.slug = $1"

    async def by_slug(self, slug: str, *, now: datetime | None) -> Article | None:
        row = await self._conn.fetchrow(self._BY_SLUG, slug)
        if row is None:
            return None
        article = _article(row)
        return None if now is not None and article.published_at > now else article

    _BY_ID = f"SELECT {_SUMMARY}, a.body, a.body_html FROM {_FROM} WHERE a.id = $1"

    async def by_id(self, article_id: int) -> Article:
        return _article(one(await self._conn.fetchrow(self._BY_ID, article_id)))

    _RELATED = f"""
    SELECT {_SUMMARY}, COUNT(*) AS shared
      FROM article_tags mine
      JOIN article_tags other ON other.tag = mine.tag AND other.article_id <> mine.article_id
      JOIN articles a ON a.id = other.article_id
      JOIN authors au ON au.id = a.author_id
     WHERE mine.article_id = $1 AND a.published_at <= $3
     GROUP BY a.id, au.slug, au.name
     ORDER BY au.slug = $2, shared DESC, a.published_at DESC, a.id DESC
     LIMIT $4
    """

    async def related(self, article: Article, *, limit: int, now: datetime) -> list[ArticleSummary]:
        rows = await self._conn.fetch(self._RELATED, article.id, article.author.slug, now, limit)
        return [_summary(row) for row in rows]

    _SAME_AUTHOR = f"""
    SELECT {_SUMMARY} FROM {_FROM}
     WHERE au.slug = $1 AND a.id <> $2 AND a.published_at <= $3
     ORDER BY a.published_at DESC, a.id DESC
     LIMIT $4
    """

    async def by_same_author(self, article: Article, *, limit: int, now: datetime) -> list[ArticleSummary]:
        rows = await self._conn.fetch(self._SAME_AUTHOR, article.author.slug, article.id, now, limit)
        return [_summary(row) for row in rows]

    async def total(self) -> int:
        return int(await self._conn.fetchval("SELECT COUNT(*) FROM articles"))

    _AUTHOR = """
    INSERT INTO authors (slug, name) VALUES ($1, $2)
        ON CONFLICT (slug) DO UPDATE SET name = excluded.name WHERE authors.name <> excluded.name
    """
    _AUTHOR_ID = "SELECT id FROM authors WHERE slug = $1"
    _INSERT = """
    INSERT INTO articles (slug, title, author_id, published_at, body, body_html, reading_minutes, tags,
                          comments_open, moderation, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
        ON CONFLICT (slug) DO NOTHING
    RETURNING id
    """
    _TAGS_CLEAR = "DELETE FROM article_tags WHERE article_id = $1"
    _TAG = "INSERT INTO article_tags (article_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING"

    async def _author_id(self, author: Author) -> int:
        await self._conn.execute(self._AUTHOR, author.slug, author.name)
        return int(await self._conn.fetchval(self._AUTHOR_ID, author.slug))

    async def _set_tags(self, article_id: int, tags: Sequence[str]) -> None:
        await self._conn.execute(self._TAGS_CLEAR, article_id)
        await self._conn.executemany(self._TAG, [(article_id, tag) for tag in tags])

    async def insert(self, draft: ArticleDraft, *, body_html: str, reading_minutes: int, now: datetime) -> Article:
        author_id = await self._author_id(draft.author)
        article_id = await self._conn.fetchval(
            self._INSERT,
            draft.slug,
            draft.title,
            author_id,
            draft.published_at,
            draft.body,
            body_html,
            reading_minutes,
            list(draft.tags),
            draft.comments_open,
            draft.moderation.value,
            now,
        )
        if article_id is None:
            raise AlreadyExists(f"an article with slug {draft.slug!r} exists")
        await self._set_tags(article_id, draft.tags)
        return await self.by_id(article_id)

    _UPDATE = """
    UPDATE articles
       SET title = $2, author_id = $3, published_at = $4, body = $5, body_html = $6, reading_minutes = $7,
           tags = $8, comments_open = $9, moderation = $10, version = version + 1, updated_at = $11
     WHERE id = $1
    """

    async def update(self, article: Article, *, now: datetime) -> Article:
        author_id = await self._author_id(article.author)
        await self._conn.execute(
            self._UPDATE,
            article.id,
            article.title,
            author_id,
            article.published_at,
            article.body,
            article.body_html,
            article.reading_minutes,
            list(article.tags),
            article.comments_open,
            article.moderation.value,
            now,
        )
        await self._set_tags(article.id, article.tags)
        return await self.by_id(article.id)
