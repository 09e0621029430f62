"""Comments in PostgreSQL: stored thread positions, visibility counts kept in step, one query per page."""

from __future__ import annotations

from datetime import datetime

import msgspec

from parley.domain import tree
from parley.domain.paging import Position, Sort
from parley.domain.records import Comment, NewComment, QueueItem, Removal, Status, ThreadRow, ThreadSlice
from parley.storage.postgres import threads
from parley.storage.postgres.conn import Conn
from parley.storage.postgres.threads import COMMENT_COLUMNS
from parley.storage.records import record


class PgComments:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    async def _one(self, sql: str, *args: object) -> Comment | None:
        row = await self._conn.fetchrow(sql, *args)
        return None if row is None else record(Comment, row)

    async def get(self, comment_id: int) -> Comment | None:
        return await self._one(f"SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.id = $1", comment_id)

    async def by_token_hash(self, token_hash: str) -> Comment | None:
        return await self._one(f"SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.edit_token_hash = $1", token_hash)

    _INSERT = """
    INSERT INTO comments (id, article_id, parent_id, root_id, depth, path, status, visible, author_name,
                          author_email, author_url, email_hash, author_key, author_token_hash, address_hash, body,
                          body_html, body_hash, rules, created_at, edit_token_hash, told_status)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
    """

    async def insert(self, new: NewComment) -> Comment:
        comment_id = int(await self._conn.fetchval("SELECT nextval('comments_id_seq')"))
        path = tree.child_path(new.parent_path, comment_id)
        await self._conn.execute(
            self._INSERT,
            comment_id,
            new.article_id,
            new.parent_id,
            tree.root_of(path),
            new.depth,
            path,
            new.status.value,
            new.visible,
            new.author_name,
            new.author_email,
            new.author_url,
            new.email_hash,
            new.author_key,
            new.author_token_hash,
            new.address_hash,
            new.body,
            new.body_html,
            new.body_hash,
            list(new.rules),
            new.created_at,
            new.edit_token_hash,
            None if new.told_status is None else new.told_status.value,
        )
        await self._count(new.article_id, path, int(new.visible))
        found = await self.get(comment_id)
        assert found is not None
        return found

    _ANCESTORS = "UPDATE comments SET visible_replies = visible_replies + $1 WHERE id = ANY($2::bigint[])"
    _ARTICLE = "UPDATE articles SET comment_count = comment_count + $1, version = version + 1 WHERE id = $2"

    async def _count(self, article_id: int, path: str, delta: int) -> None:
        """Keep the visible counts of the article and every ancestor in step; any change bumps the version."""
        if delta:
            await self._conn.execute(self._ANCESTORS, delta, list(tree.ancestors(path)))
        await self._conn.execute(self._ARTICLE, delta, article_id)

    _DUPLICATE = """
    SELECT EXISTS (SELECT 1 FROM comments
                    WHERE article_id = $1 AND body_hash = $2 AND author_key = $3 AND status <> 'removed')
    """

    async def is_duplicate(self, article_id: int, author_key: str, body_hash: str) -> bool:
        return bool(await self._conn.fetchval(self._DUPLICATE, article_id, body_hash, author_key))

    _REPEATS = """
    SELECT EXISTS (SELECT 1 FROM comments other JOIN comments this ON this.id = $1
                    WHERE other.article_id = this.article_id AND other.body_hash = $2
                      AND other.author_key = this.author_key AND other.id <> this.id AND other.status <> 'removed')
    """

    async def repeats(self, comment_id: int, body_hash: str) -> bool:
        return bool(await self._conn.fetchval(self._REPEATS, comment_id, body_hash))

    async def knows_author(self, author_token_hash: str) -> bool:
        sql = "SELECT EXISTS (SELECT 1 FROM comments WHERE author_token_hash = $1)"
        return bool(await self._conn.fetchval(sql, author_token_hash))

    _HAS_APPROVED = """
    SELECT EXISTS (SELECT 1 FROM comments WHERE author_token_hash = $1 AND status = 'approved' AND author_name = $2)
    """

    async def has_approved(self, author_token_hash: str, name: str) -> bool:
        return bool(await self._conn.fetchval(self._HAS_APPROVED, author_token_hash, name))

    async def count_since(self, author_key: str, since: datetime) -> int:
        sql = "SELECT COUNT(*) FROM comments WHERE author_key = $1 AND created_at >= $2"
        return int(await self._conn.fetchval(sql, author_key, since))

    _RECENT = f"""
    SELECT {COMMENT_COLUMNS} FROM comments c JOIN articles a ON a.id = c.article_id
     WHERE c.visible AND ($1::bigint IS NULL OR c.article_id = $1) AND a.published_at <= $2
     ORDER BY c.id DESC
     LIMIT $3
    """

    async def recent(self, *, article_id: int | None, now: datetime, limit: int) -> list[Comment]:
        return [record(Comment, row) for row in await self._conn.fetch(self._RECENT, article_id, now, limit)]

    async def by_email_hash(self, email_hash: str) -> list[Comment]:
        sql = f"SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.email_hash = $1 ORDER BY c.id"
        return [record(Comment, row) for row in await self._conn.fetch(sql, email_hash)]

    _ANONYMISE = """
    UPDATE comments
       SET author_name = '', author_email = NULL, author_url = NULL, email_hash = NULL, author_key = '',
           author_token_hash = NULL, address_hash = '', body = '', body_html = '', body_hash = '',
           edit_token_hash = 'purged:' || id
     WHERE id = $1
    """

    async def anonymise(self, comment: Comment) -> Comment:
        await self._conn.execute(self._ANONYMISE, comment.id)
        await self._conn.execute("DELETE FROM comment_revisions WHERE comment_id = $1", comment.id)
        await self._count(comment.article_id, comment.path, 0)
        return msgspec.structs.replace(
            comment,
            author_name="",
            author_email=None,
            author_url=None,
            email_hash=None,
            address_hash="",
            body="",
            body_html="",
            edit_token_hash=f"purged:{comment.id}",
            author_token_hash=None,
        )

    _SET_STATE = """
    UPDATE comments SET status = $2, previous_status = $3, visible = $4, flagged = $5, removed_by = $6 WHERE id = $1
    """

    async def set_state(
        self,
        comment: Comment,
        *,
        status: Status,
        previous_status: Status | None,
        visible: bool,
        flagged: bool,
        removed_by: Removal | None = None,
    ) -> Comment:
        await self._conn.execute(
            self._SET_STATE,
            comment.id,
            status.value,
            None if previous_status is None else previous_status.value,
            visible,
            flagged,
            None if removed_by is None else removed_by.value,
        )
        await self._count(comment.article_id, comment.path, int(visible) - int(comment.visible))
        return msgspec.structs.replace(
            comment,
            status=status,
            previous_status=previous_status,
            visible=visible,
            flagged=flagged,
            removed_by=removed_by,
        )

    _REVISION = """
    INSERT INTO comment_revisions (comment_id, body, body_html, replaced_at)
    SELECT id, body, body_html, $2 FROM comments WHERE id = $1
    """
    _SET_BODY = """
    UPDATE comments SET body = $2, body_html = $3, body_hash = $4, rules = $5, edited_at = $6, told_status = $7
     WHERE id = $1
    """

    async def set_body(
        self,
        comment: Comment,
        *,
        body: str,
        body_html: str,
        body_hash: str,
        rules: tuple[str, ...],
        told_status: Status | None,
        at: datetime,
    ) -> Comment:
        await self._conn.execute(self._REVISION, comment.id, at)
        told = None if told_status is None else told_status.value
        await self._conn.execute(self._SET_BODY, comment.id, body, body_html, body_hash, list(rules), at, told)
        await self._count(comment.article_id, comment.path, 0)
        return msgspec.structs.replace(
            comment, body=body, body_html=body_html, rules=rules, told_status=told_status, edited_at=at
        )

    async def thread(
        self, article_id: int, *, sort: Sort, after: Position | None, limit: int, budget: int, own_id: int | None
    ) -> ThreadSlice:
        return await threads.page(
            self._conn, article_id, sort=sort, after=after, limit=limit, budget=budget, own_id=own_id
        )

    async def replies(self, parent: Comment, *, after: Comment | None, budget: int) -> tuple[list[ThreadRow], bool]:
        return await threads.below(self._conn, parent, after=after, budget=budget)

    async def queue(self, state: str, *, article_id: int | None, after: Position | None, limit: int) -> list[QueueItem]:
        return await threads.queue(self._conn, state, article_id=article_id, after=after, limit=limit)

    async def queue_stats(self) -> dict[str, int]:
        return await threads.stats(self._conn)
