"""Thread pages in SQLite: one statement per page, bounded by a comment budget, and the replies below a comment."""

from __future__ import annotations

from parley.domain import tree
from parley.domain.paging import Position, Sort
from parley.domain.records import Comment, ThreadRow, ThreadSlice
from parley.storage.sqlite.conn import Conn
from parley.storage.sqlite.rows import columns

_SHOWN = "(visible = 1 OR visible_replies > 0)"
_ROOT_ORDER = {Sort.OLDEST: "id", Sort.NEWEST: "id DESC", Sort.TOP: "score DESC, id"}
_ROOT_AFTER = {
    Sort.OLDEST: "id > :after_id",
    Sort.NEWEST: "id < :after_id",
    Sort.TOP: "(visible_replies < :after_key OR (visible_replies = :after_key AND id > :after_id))",
}


_SHOWN_C = "(c.visible = 1 OR c.visible_replies > 0 OR c.id = :own_id)"
_THREAD_COLUMNS = columns(ThreadRow, "c")
_WIDTH = len(ThreadRow.__struct_fields__)
"""A ThreadRow is built from the first columns of a row, which `_THREAD_COLUMNS` names after its own fields."""


def _thread_sql(sort: Sort, own: bool) -> str:
    """The page query, one statement: the page's roots, then their shown subtrees in thread order.

    Candidate roots are chosen by an estimate (1 + visible replies each) within :budget; then the rows really
    shown are numbered, and a root is kept only if all its rows fall within :budget. The first root always
    stays, cut after :budget rows (`cut`) if it is larger, its rest left to the replies endpoint. Rows of
    roots not kept come back marked so: the sign that more follow.
    """
    roots = f"article_id = :article_id AND parent_id IS NULL AND {_SHOWN}"
    if own:  # the author's own pending root joins the page in its place
        roots = f"article_id = :article_id AND parent_id IS NULL AND ({_SHOWN} OR id = :own_id)"
    return f"""
    WITH candidates AS (
        SELECT id, visible_replies AS score FROM comments
         WHERE {roots} AND (:after_id IS NULL OR {_ROOT_AFTER[sort]})
         ORDER BY {_ROOT_ORDER[sort]}
         LIMIT :limit + 1
    ), ranked AS (
        SELECT id, score, row_number() OVER w AS rank,
               coalesce(sum(1 + score) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
          FROM candidates
        WINDOW w AS (ORDER BY {_ROOT_ORDER[sort]})
    ), page AS (
        SELECT id, rank, rank <= :limit AND (rank = 1 OR before + 1 + score <= :budget) AS fits FROM ranked
    ), cut AS (
        SELECT c.path FROM comments c
         WHERE c.root_id = (SELECT id FROM page WHERE rank = 1) AND {_SHOWN_C}
         ORDER BY c.path
         LIMIT 1 OFFSET :budget - 1
    ), shown AS (
        SELECT c.id, page.rank, page.fits, row_number() OVER (ORDER BY page.rank, c.path) AS n
          FROM page JOIN comments c ON c.root_id = page.id
         WHERE {_SHOWN_C}
           AND (page.fits OR c.id = page.id)
           AND (page.rank > 1 OR NOT EXISTS (SELECT 1 FROM cut) OR c.path <= (SELECT path FROM cut))
    ), marked AS (
        SELECT id, n, fits AND (rank = 1 OR max(n) OVER (PARTITION BY rank) <= :budget) AS kept FROM shown
    ), beyond AS MATERIALIZED (
        SELECT EXISTS (SELECT 1 FROM comments c, cut
                        WHERE c.root_id = (SELECT id FROM page WHERE rank = 1) AND {_SHOWN_C} AND c.path > cut.path)
               AS cut_short
    )
    -- The estimate above leaves out tombstones and the author's own rows: count what is shown, exactly.
    -- Numbered on narrow rows first; the wide columns are read once, for the rows returned.
    SELECT {_THREAD_COLUMNS}, marked.kept AS kept, beyond.cut_short AS cut_short
      FROM marked JOIN comments c ON c.id = marked.id, beyond
     WHERE marked.kept OR marked.n = (SELECT min(n) FROM marked WHERE NOT kept)
     ORDER BY marked.n
    """


PAGE_SQL = {(sort, own): _thread_sql(sort, own) for sort in Sort for own in (False, True)}


async def page(
    conn: Conn, article_id: int, *, sort: Sort, after: Position | None, limit: int, budget: int, own_id: int | None
) -> ThreadSlice:
    params = {
        "article_id": article_id,
        "after_id": None if after is None else after.id,
        "after_key": None if after is None else after.key,
        "limit": limit,
        "budget": budget,
        "own_id": own_id,
    }
    rows = list(await conn.execute_fetchall(PAGE_SQL[sort, own_id is not None], params))
    # Positional on the hot path, from a SELECT list written from ThreadRow's own fields: they cannot drift.
    page = [ThreadRow(*row[:_WIDTH]) for row in rows if row["kept"]]
    return ThreadSlice(page, more=len(page) < len(rows), cut=bool(rows and rows[0]["cut_short"]))


_BELOW = f"""
SELECT {_THREAD_COLUMNS} FROM comments c
 WHERE c.root_id = :root_id AND c.path > :after_path AND c.path < :end_path AND {_SHOWN_C}
 ORDER BY c.path
 LIMIT :budget + 1
"""


async def below(conn: Conn, parent: Comment, *, after: Comment | None, budget: int) -> tuple[list[ThreadRow], bool]:
    # Descendants share their ancestor's path as a prefix followed by '.', and '/' sorts right after '.'.
    params = {
        "root_id": tree.root_of(parent.path),
        "after_path": parent.path if after is None else after.path,
        "end_path": parent.path + "/",
        "budget": budget,
        "own_id": None,
    }
    rows = [ThreadRow(*row[:_WIDTH]) for row in await conn.execute_fetchall(_BELOW, params)]
    return rows[:budget], len(rows) > budget
