"""Comments in SQLite: stored thread positions, visibility counts kept in step, one query per page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from parley.domain import tree
from parley.domain.paging import Position, Sort
from parley.domain.records import Comment, NewComment, QueueItem, Removal, Status, ThreadRow, ThreadSlice, stamp
from parley.storage.sqlite import queue, threads
from parley.storage.sqlite.conn import Conn
from parley.storage.sqlite.rows import COLUMNS, comment


def _ids(values: Sequence[int]) -> str:
    return msgspec.json.encode(list(values)).decode()


class SqliteComments:
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    async def _one(self, sql: str, params: dict[str, Any]) -> Comment | None:
        rows = list(await self._conn.execute_fetchall(sql, params))
        return comment(rows[0]) if rows else None

    _GET = f"SELECT {COLUMNS} FROM comments c WHERE c.id = :id"

    async def get(self, comment_id: int) -> Comment | None:
        return await self._one(self._GET, {"id": comment_id})

    _BY_TOKEN = f"SELECT {COLUMNS} FROM comments c WHERE c.edit_token_hash = :hash"

    async def by_token_hash(self, token_hash: str) -> Comment | None:
        return await self._one(self._BY_TOKEN, {"hash": token_hash})

    _NEXT_ID = "SELECT COALESCE(MAX(id), 0) + 1 AS next_id FROM comments"
    _INSERT = """
    INSERT INTO comments (id, article_id, parent_id, root_id, depth, path, status, visible, author_name,
                          author_email, author_url, email_hash, author_key, author_token_hash, address_hash, body,
                          body_html, body_hash, rules, created_at, edit_token_hash, told_status)
    VALUES (:id, :article_id, :parent_id, :root_id, :depth, :path, :status, :visible, :author_name,
            :author_email, :author_url, :email_hash, :author_key, :author_token_hash, :address_hash, :body,
            :body_html, :body_hash, :rules, :created_at, :edit_token_hash, :told_status)
    """

    async def insert(self, new: NewComment) -> Comment:
        # The single writer holds the database, so the next id is ours; the path needs it before the insert.
        rows = list(await self._conn.execute_fetchall(self._NEXT_ID))
        comment_id = int(rows[0]["next_id"])
        path = tree.child_path(new.parent_path, comment_id)
        params = msgspec.structs.asdict(new)
        del params["parent_path"]
        created_at = stamp(new.created_at)
        params.update(
            id=comment_id,
            root_id=tree.root_of(path),
            path=path,
            status=new.status.value,
            visible=int(new.visible),
            rules=msgspec.json.encode(list(new.rules)).decode(),
            created_at=created_at,
            told_status=None if new.told_status is None else new.told_status.value,
        )
        await self._conn.execute(self._INSERT, params)
        await self._count(new.article_id, path, int(new.visible))
        return Comment(
            id=comment_id,
            article_id=new.article_id,
            parent_id=new.parent_id,
            depth=new.depth,
            path=path,
            status=new.status,
            previous_status=None,
            visible=new.visible,
            visible_replies=0,
            author_name=new.author_name,
            author_email=new.author_email,
            author_url=new.author_url,
            email_hash=new.email_hash,
            address_hash=new.address_hash,
            body=new.body,
            body_html=new.body_html,
            created_at=datetime.fromisoformat(created_at),  # as stored: UTC, to the microsecond
            edited_at=None,
            edit_token_hash=new.edit_token_hash,
            rules=new.rules,
            flagged=False,
            author_token_hash=new.author_token_hash,
            told_status=new.told_status,
        )

    _ANCESTORS = (
        "UPDATE comments SET visible_replies = visible_replies + :delta WHERE id IN (SELECT value FROM json_each(:ids))"
    )
    _ARTICLE = "UPDATE articles SET comment_count = comment_count + :delta, version = version + 1 WHERE id = :id"

    async def _count(self, article_id: int, path: str, delta: int) -> None:
        """Keep the visible counts of the article and every ancestor in step; any change bumps the version."""
        if delta:
            await self._conn.execute(self._ANCESTORS, {"delta": delta, "ids": _ids(tree.ancestors(path))})
        await self._conn.execute(self._ARTICLE, {"delta": delta, "id": article_id})

    _DUPLICATE = """
    SELECT 1 FROM comments
     WHERE article_id = :article_id AND body_hash = :body_hash AND author_key = :author_key AND status <> 'removed'
     LIMIT 1
    """

    async def is_duplicate(self, article_id: int, author_key: str, body_hash: str) -> bool:
        params = {"article_id": article_id, "author_key": author_key, "body_hash": body_hash}
        return bool(list(await self._conn.execute_fetchall(self._DUPLICATE, params)))

    _REPEATS = """
    SELECT 1 FROM comments other JOIN comments this ON this.id = :id
     WHERE other.article_id = this.article_id AND other.body_hash = :body_hash AND other.author_key = this.author_key
       AND other.id <> this.id AND other.status <> 'removed'
     LIMIT 1
    """

    async def repeats(self, comment_id: int, body_hash: str) -> bool:
        params = {"id": comment_id, "body_hash": body_hash}
        return bool(list(await self._conn.execute_fetchall(self._REPEATS, params)))

    _KNOWN_AUTHOR = "SELECT 1 FROM comments WHERE author_token_hash = :hash LIMIT 1"

    async def knows_author(self, author_token_hash: str) -> bool:
        return bool(list(await self._conn.execute_fetchall(self._KNOWN_AUTHOR, {"hash": author_token_hash})))

    _HAS_APPROVED = """
    SELECT 1 FROM comments
     WHERE author_token_hash = :hash AND status = 'approved' AND author_name = :name
     LIMIT 1
    """

    async def has_approved(self, author_token_hash: str, name: str) -> bool:
        params = {"hash": author_token_hash, "name": name}
        return bool(list(await self._conn.execute_fetchall(self._HAS_APPROVED, params)))

    _SINCE = "SELECT COUNT(*) AS n FROM comments WHERE author_key = :author_key AND created_at >= :since"

    async def count_since(self, author_key: str, since: datetime) -> int:
        params = {"author_key": author_key, "since": stamp(since)}
        rows = list(await self._conn.execute_fetchall(self._SINCE, params))
        return int(rows[0]["n"])

    _BY_EMAIL = f"SELECT {COLUMNS} FROM comments c WHERE c.email_hash = :email_hash ORDER BY c.id"

    _RECENT = f"""
    SELECT {COLUMNS} FROM comments c JOIN articles a ON a.id = c.article_id
     WHERE c.visible = 1 AND (:article_id IS NULL OR c.article_id = :article_id) AND a.published_at <= :now
     ORDER BY c.id DESC
     LIMIT :limit
    """

    async def recent(self, *, article_id: int | None, now: datetime, limit: int) -> list[Comment]:
        params = {"article_id": article_id, "now": stamp(now), "limit": limit}
        return [comment(row) for row in await self._conn.execute_fetchall(self._RECENT, params)]

    async def by_email_hash(self, email_hash: str) -> list[Comment]:
        rows = await self._conn.execute_fetchall(self._BY_EMAIL, {"email_hash": email_hash})
        return [comment(row) for row in rows]

    _ANONYMISE = """
    UPDATE comments
       SET author_name = '', author_email = NULL, author_url = NULL, email_hash = NULL, author_key = '',
           author_token_hash = NULL, address_hash = '', body = '', body_html = '', body_hash = '',
           edit_token_hash = 'purged:' || id
     WHERE id = :id
    """
    _FORGET_REVISIONS = "DELETE FROM comment_revisions WHERE comment_id = :id"

    async def anonymise(self, comment: Comment) -> Comment:
        await self._conn.execute(self._ANONYMISE, {"id": comment.id})
        await self._conn.execute(self._FORGET_REVISIONS, {"id": comment.id})
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
    UPDATE comments
       SET status = :status, previous_status = :previous_status, visible = :visible, flagged = :flagged,
           removed_by = :removed_by
     WHERE id = :id
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
            {
                "id": comment.id,
                "status": status.value,
                "previous_status": None if previous_status is None else previous_status.value,
                "visible": int(visible),
                "flagged": int(flagged),
                "removed_by": None if removed_by is None else removed_by.value,
            },
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
    SELECT id, body, body_html, :at FROM comments WHERE id = :id
    """
    _SET_BODY = """
    UPDATE comments
       SET body = :body, body_html = :body_html, body_hash = :body_hash, rules = :rules, edited_at = :at,
           told_status = :told_status
     WHERE id = :id
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
        params = {
            "id": comment.id,
            "body": body,
            "body_html": body_html,
            "body_hash": body_hash,
            "rules": msgspec.json.encode(list(rules)).decode(),
            "told_status": None if told_status is None else told_status.value,
            "at": stamp(at),
        }
        await self._conn.execute(self._REVISION, {"id": comment.id, "at": stamp(at)})
        await self._conn.execute(self._SET_BODY, params)
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
        return await queue.page(self._conn, state, article_id=article_id, after=after, limit=limit)

    async def queue_stats(self) -> dict[str, int]:
        return await queue.stats(self._conn)
