"""Thread shape: stored positions, depth capping and building the visible tree in one pass."""

from __future__ import annotations

import msgspec

from parley.domain.records import Comment, Status, ThreadRow, stamp

_WIDTH = 14  # hex digits of the largest id we accept, 2**53 - 1


def segment(comment_id: int) -> str:
    """One comment's fixed-width piece of a path, so text order is id order."""
    return format(comment_id, f"0{_WIDTH}x")


def child_path(parent_path: str | None, comment_id: int) -> str:
    """A comment's position: its ancestors' segments then its own, so `ORDER BY path` is thread order."""
    own = segment(comment_id)
    return own if parent_path is None else f"{parent_path}.{own}"


def ancestors(path: str) -> list[int]:
    """Ids of every ancestor named in a path, root first, without the comment itself."""
    return [int(part, 16) for part in path.split(".")[:-1]]


def root_of(path: str) -> int:
    return int(path.split(".", 1)[0], 16)


def reply_target(parent_id: int, parent_path: str, parent_depth: int, max_depth: int) -> int:
    """The comment a reply attaches to: its parent, or the deepest ancestor that keeps it within max_depth."""
    if parent_depth + 1 <= max_depth:
        return parent_id
    return int(parent_path.split(".")[max_depth - 1], 16)


class Byline(msgspec.Struct, frozen=True):
    """Who wrote a comment, as readers are shown: a name, and the address it links to if any."""

    name: str
    url: str | None


class Node(msgspec.Struct, kw_only=True):
    """A comment as a reader sees it, with its shown replies; tombstones carry neither byline nor body.

    Times are the store's fixed-width UTC text. `replies_cursor` is set when a page shows only the first of
    this comment's replies and the rest are to be fetched below it.
    """

    id: int
    parent_id: int | None
    depth: int
    author: Byline | None
    body_html: str | None
    created_at: str
    edited_at: str | None
    status: Status
    replies: list[Node]
    reply_count: int
    replies_cursor: str | None = None


def node(row: ThreadRow, own: Status | None = None) -> Node:
    """A row as a reader sees it: visible, the reader's own comment (`own`: the status its author was told),
    or a tombstone kept for replies."""
    parent_id = row.parent_id
    if row.visible or own is not None:
        return Node(
            id=row.id,
            parent_id=parent_id,
            depth=row.depth,
            author=Byline(row.author_name, row.author_url),
            body_html=row.body_html,
            created_at=row.created_at,
            edited_at=row.edited_at,
            status=Status.APPROVED if row.visible else own or Status.PENDING,
            replies=[],
            reply_count=row.visible_replies,
        )
    return Node(
        id=row.id,
        parent_id=parent_id,
        depth=row.depth,
        author=None,
        body_html=None,
        created_at=row.created_at,
        edited_at=None,
        status=Status.REMOVED,
        replies=[],
        reply_count=row.visible_replies,
    )


def build(
    rows: list[ThreadRow], own_id: int | None = None, own: Status | None = None, *, below: int | None = None
) -> list[Node]:
    """Nest rows that arrive in thread order (each parent before its replies) under their parents.

    For a thread page the top level is the comments without a parent; for a page of the replies `below` a
    comment, it is every row whose parent is not on the page (its `parent_id` says where it belongs).
    A row whose parent is missing from a thread page is the author's own view of a hidden branch: skipped.
    The author's own comment `own_id` shows as `own`, the status they were told; if that is `approved`, their
    view counts it among its parents' replies as everyone's view would count a comment that went live.
    """
    by_id: dict[int, Node] = {}
    top: list[Node] = []
    for row in rows:
        item = node(row, own if row.id == own_id else None)
        by_id[row.id] = item
        parent = None if row.parent_id is None else by_id.get(row.parent_id)
        if parent is not None:
            parent.replies.append(item)
        elif row.parent_id is None or below is not None:
            top.append(item)
        if row.id == own_id and own is Status.APPROVED and not row.visible:
            _count_among_replies(by_id, rows, row)
    return top


def _count_among_replies(by_id: dict[int, Node], rows: list[ThreadRow], row: ThreadRow) -> None:
    parents = {item.id: item.parent_id for item in rows}
    above = row.parent_id
    while above is not None and above in by_id:
        by_id[above].reply_count += 1
        above = parents.get(above)


def author_view(comment: Comment) -> Node:
    """A comment as its author sees it: in place, with the status they were told (never `spam`)."""
    row = ThreadRow(
        comment.id,
        comment.parent_id,
        comment.depth,
        comment.status,
        comment.visible,
        comment.visible_replies,
        comment.author_name,
        comment.author_url,
        comment.body_html,
        stamp(comment.created_at),
        None if comment.edited_at is None else stamp(comment.edited_at),
    )
    return node(row, own=comment.as_told)
