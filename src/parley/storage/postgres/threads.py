"""Thread pages and moderation queues in PostgreSQL: the same single statements as on SQLite, in its dialect."""

from __future__ import annotations

from collections import defaultdict

from parley.domain import tree
from parley.domain.paging import Position, Sort
from parley.domain.records import Comment, Flag, QueueItem, Status, ThreadRow, ThreadSlice, stamp
from parley.storage.postgres.conn import Conn, one
from parley.storage.records import Row, columns, record

COMMENT_COLUMNS = columns(Comment, "c")
_THREAD_COLUMNS = columns(ThreadRow, "c")
_TIMES = tuple(ThreadRow.__struct_fields__.index(name) for name in ("created_at", "edited_at"))
_SHOWN = "(visible OR visible_replies > 0)"
_SHOWN_C = "(c.visible OR c.visible_replies > 0 OR c.id = $6::bigint)"
_ROOT_ORDER = {Sort.OLDEST: "id", Sort.NEWEST: "id DESC", Sort.TOP: "score DESC, id"}
_ROOT_AFTER = {
    Sort.OLDEST: "id > $2",
    Sort.NEWEST: "id < $2",
    Sort.TOP: "(visible_replies < $3::bigint OR (visible_replies = $3::bigint AND id > $2))",
}


def _thread_sql(sort: Sort) -> str:
    """One page: its roots chosen by estimate within the budget, then exactly the shown rows (see the SQLite
    backend's `threads.py` for the reasoning, which this follows step by step). $1 article, $2 after id, $3 after
    key, $4 limit, $5 budget, $6 the author's own comment."""
    # `typed` only names each parameter's type: a sort that leaves $3 out would otherwise leave it untyped.
    return f"""
    WITH typed AS (SELECT $3::bigint AS after_key), candidates AS (
        SELECT id, visible_replies AS score FROM comments
         WHERE article_id = $1 AND parent_id IS NULL AND ({_SHOWN} OR id = $6::bigint)
           AND ($2::bigint IS NULL OR {_ROOT_AFTER[sort]})
         ORDER BY {_ROOT_ORDER[sort]}
         LIMIT $4 + 1
    ), ranked AS (
        SELECT id, score, row_number() OVER w AS rank,
               coalesce(sum(1 + score) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
          FROM candidates
        WINDOW w AS (ORDER BY {_ROOT_ORDER[sort]})
    ), page AS (
        SELECT id, rank, rank <= $4 AND (rank = 1 OR before + 1 + score <= $5) AS fits FROM ranked
    ), cut AS (
        SELECT c.path FROM comments c
         WHERE c.root_id = (SELECT id FROM page WHERE rank = 1) AND {_SHOWN_C}
         ORDER BY c.path
         LIMIT 1 OFFSET $5 - 1
    ), shown AS (
        SELECT c.id, page.rank, page.fits, row_number() OVER (ORDER BY page.rank, c.path) AS n
          FROM page JOIN comments c ON c.root_id = page.id
         WHERE {_SHOWN_C}
           AND (page.fits OR c.id = page.id)
           AND (page.rank > 1 OR NOT EXISTS (SELECT 1 FROM cut) OR c.path <= (SELECT path FROM cut))
    ), marked AS (
        SELECT id, n, fits AND (rank = 1 OR max(n) OVER (PARTITION BY rank) <= $5) AS kept FROM shown
    ), beyond AS MATERIALIZED (
        SELECT EXISTS (SELECT 1 FROM comments c, cut
                        WHERE c.root_id = (SELECT id FROM page WHERE rank = 1) AND {_SHOWN_C} AND c.path > cut.path)
               AS cut_short
    )
    SELECT {_THREAD_COLUMNS}, marked.kept AS kept, beyond.cut_short AS cut_short
      FROM marked JOIN comments c ON c.id = marked.id, beyond
     WHERE marked.kept OR marked.n = (SELECT min(n) FROM marked WHERE NOT kept)
     ORDER BY marked.n
    """


_PAGE_SQL = {sort: _thread_sql(sort) for sort in Sort}


def _thread_row(row: Row) -> ThreadRow:
    values = [row[name] for name in ThreadRow.__struct_fields__]
    for index in _TIMES:
        moment = values[index]
        values[index] = None if moment is None else stamp(moment)
    return ThreadRow(*values)


async def page(
    conn: Conn,
    article_id: int,
    *,
    sort: Sort,
    after: Position | None,
    limit: int,
    budget: int,
    own_id: int | None,
) -> ThreadSlice:
    after_id = None if after is None else after.id
    after_key = None if after is None else after.key
    rows = await conn.fetch(_PAGE_SQL[sort], article_id, after_id, after_key, limit, budget, own_id)
    kept = [_thread_row(row) for row in rows if row["kept"]]
    return ThreadSlice(kept, more=len(kept) < len(rows), cut=bool(rows and rows[0]["cut_short"]))


_BELOW = f"""
SELECT {_THREAD_COLUMNS} FROM comments c
 WHERE c.root_id = $1 AND c.path > $2 AND c.path < $3 AND (c.visible OR c.visible_replies > 0)
 ORDER BY c.path
 LIMIT $4 + 1
"""


async def below(conn: Conn, parent: Comment, *, after: Comment | None, budget: int) -> tuple[list[ThreadRow], bool]:
    # Descendants share their ancestor's path as a prefix followed by '.', and '/' sorts right after '.'.
    after_path = parent.path if after is None else after.path
    found = await conn.fetch(_BELOW, tree.root_of(parent.path), after_path, parent.path + "/", budget)
    rows = [_thread_row(row) for row in found]
    return rows[:budget], len(rows) > budget


EXCERPT = 200
_WHERE = {
    "pending": ("c.status = 'pending'", "ASC"),
    "flagged": ("c.flagged AND c.status IN ('approved', 'pending')", "ASC"),
    "spam": ("c.status = 'spam'", "DESC"),
    "rejected": ("c.status = 'rejected'", "DESC"),
}


def _queue_sql(state: str) -> str:
    where, direction = _WHERE[state]
    after = "c.id > $2" if direction == "ASC" else "c.id < $2"
    return f"""
    SELECT {COMMENT_COLUMNS}, a.slug AS article_slug, a.title AS article_title,
           substr(p.body, 1, {EXCERPT}) AS parent_excerpt,
           (SELECT r.body FROM comment_revisions r WHERE r.comment_id = c.id ORDER BY r.id DESC LIMIT 1)
               AS previous_body
      FROM comments c
      JOIN articles a ON a.id = c.article_id
      LEFT JOIN comments p ON p.id = c.parent_id
     WHERE {where}
       AND ($1::bigint IS NULL OR c.article_id = $1)
       AND ($2::bigint IS NULL OR {after})
     ORDER BY c.id {direction}
     LIMIT $3
    """


_QUEUE = {state: _queue_sql(state) for state in _WHERE}
_HISTORY = """
SELECT author_token_hash AS author, status, COUNT(*) AS n FROM comments
 WHERE author_token_hash = ANY($1::text[])
 GROUP BY author_token_hash, status
UNION ALL
SELECT email_hash AS author, status, COUNT(*) AS n FROM comments
 WHERE email_hash = ANY($1::text[])
 GROUP BY email_hash, status
"""
_FLAGS = f"""
SELECT {columns(Flag)} FROM flags WHERE comment_id = ANY($1::bigint[]) AND cleared_at IS NULL ORDER BY id
"""


async def queue(
    conn: Conn, state: str, *, article_id: int | None, after: Position | None, limit: int
) -> list[QueueItem]:
    rows = await conn.fetch(_QUEUE[state], article_id, None if after is None else after.id, limit)
    items = [record(QueueItem, row, comment=record(Comment, row), history={}, flags=[]) for row in rows]
    hashes = sorted({who for item in items if (who := _author(item))})
    history: dict[str, dict[str, int]] = defaultdict(dict)
    for row in await conn.fetch(_HISTORY, hashes):
        history[row["author"]][row["status"]] = int(row["n"])
    flags: dict[int, list[Flag]] = defaultdict(list)
    for row in await conn.fetch(_FLAGS, [item.comment.id for item in items]):
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
    (SELECT COUNT(*) FROM comments WHERE flagged AND status IN ('approved', 'pending')) AS flagged,
    (SELECT COUNT(*) FROM comments WHERE status = 'spam') AS spam,
    (SELECT COUNT(*) FROM comments WHERE status = 'rejected') AS rejected
"""


async def stats(conn: Conn) -> dict[str, int]:
    row = one(await conn.fetchrow(_STATS))
    return {name: int(row[name]) for name in ("pending", "flagged", "spam", "rejected")}
