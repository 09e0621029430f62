"""Moderation queues: each item joined with its article, parent, author history and flags in three queries."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec

from parley.domain.paging import Position
from parley.domain.records import Flag, QueueItem, Status
from parley.storage.sqlite.conn import Conn
from parley.storage.sqlite.rows import COLUMNS, columns, comment, record

EXCERPT = 200

_WHERE = {
    "pending": ("c.status = 'pending'", "ASC"),
    "flagged": ("c.flagged = 1 AND c.status IN ('approved', 'pending')", "ASC"),
    "spam": ("c.status = 'spam'", "DESC"),
    "rejected": ("c.status = 'rejected'", "DESC"),
}


def _page_sql(state: str) -> str:
    where, direction = _WHERE[state]
    after = "c.id > :after_id" if direction == "ASC" else "c.id < :after_id"
    return f"""
    SELECT {COLUMNS}, a.slug AS article_slug, a.title AS article_title,
           substr(p.body, 1, {EXCERPT}) AS parent_excerpt,
           (SELECT r.body FROM comment_revisions r WHERE r.comment_id = c.id ORDER BY r.id DESC LIMIT 1)
               AS previous_body
      FROM comments c
      JOIN articles a ON a.id = c.article_id
      LEFT JOIN comments p ON p.id = c.parent_id
     WHERE {where}
       AND (:article_id IS NULL OR c.article_id = :article_id)
       AND (:after_id IS NULL OR {after})
     ORDER BY c.id {direction}
     LIMIT :limit
    """


_PAGE = {state: _page_sql(state) for state in _WHERE}
# An author is their author key where a comment has one (an e-mail anyone can type is not who they are);
# comments from before author keys fall back to their e-mail. Both counts read only their covering index.
_HISTORY = """
SELECT author_token_hash AS author, status, COUNT(*) AS n FROM comments
 WHERE author_token_hash IN (SELECT value FROM json_each(:hashes))
 GROUP BY author_token_hash, status
UNION ALL
SELECT email_hash AS author, status, COUNT(*) AS n FROM comments
 WHERE email_hash IN (SELECT value FROM json_each(:hashes))
 GROUP BY email_hash, status
"""
_FLAGS = f"""
SELECT {columns(Flag)} FROM flags
 WHERE comment_id IN (SELECT value FROM json_each(:ids)) AND cleared_at IS NULL
 ORDER BY id
"""


async def page(
    conn: Conn, state: str, *, article_id: int | None, after: Position | None, limit: int
) -> list[QueueItem]:
    params: dict[str, Any] = {
        "article_id": article_id,
        "after_id": None if after is None else after.id,
        "limit": limit,
    }
    rows = list(await conn.execute_fetchall(_PAGE[state], params))
    items = [record(QueueItem, row, comment=comment(row), history={}, flags=[]) for row in rows]
    hashes = sorted({who for item in items if (who := _author(item))})
    history: dict[str, dict[str, int]] = defaultdict(dict)
    for row in await conn.execute_fetchall(_HISTORY, {"hashes": msgspec.json.encode(hashes).decode()}):
        history[row["author"]][row["status"]] = row["n"]
    flags: dict[int, list[Flag]] = defaultdict(list)
    ids = msgspec.json.encode([item.comment.id for item in items]).decode()
    for row in await conn.execute_fetchall(_FLAGS, {"ids": ids}):
        flag = record(Flag, row)
        flags[flag.comment_id].append(flag)
    for item in items:
        known = history.get(_author(item) or "", {})
        item.history = {status.value: known.get(status.value, 0) for status in Status}
        item.flags = flags.get(item.comment.id, [])
    return items


def _author(item: QueueItem) -> str | None:
    return item.comment.author_token_hash or item.comment.email_hash


_STATS = """
SELECT
    (SELECT COUNT(*) FROM comments WHERE status = 'pending') AS pending,
    (SELECT COUNT(*) FROM comments WHERE flagged = 1 AND status IN ('approved', 'pending')) AS flagged,
    (SELECT COUNT(*) FROM comments WHERE status = 'spam') AS spam,
    (SELECT COUNT(*) FROM comments WHERE status = 'rejected') AS rejected
"""


async def stats(conn: Conn) -> dict[str, int]:
    rows = list(await conn.execute_fetchall(_STATS))
    return {name: int(rows[0][name]) for name in ("pending", "flagged", "spam", "rejected")}
