"""Thread shape: positions, depth capping and the one-pass tree with tombstones."""

from __future__ import annotations

from parley.domain import tree
from parley.domain.records import Status, ThreadRow


def row(
    comment_id: int,
    parent_id: int | None,
    *,
    visible: bool = True,
    status: Status = Status.APPROVED,
    replies: int = 0,
    depth: int = 0,
) -> ThreadRow:
    return ThreadRow(
        comment_id,
        parent_id,
        depth,
        status,
        visible,
        replies,
        f"name {comment_id}",
        None,
        f"<p>{comment_id}</p>",
        "2026-01-01T00:00:00.000000Z",
        None,
    )


def test_paths_sort_in_thread_order() -> None:
    root = tree.child_path(None, 9)
    reply = tree.child_path(root, 10)
    later_root = tree.child_path(None, 11)
    deep = tree.child_path(reply, 200)
    assert sorted([later_root, deep, reply, root]) == [root, reply, deep, later_root]
    assert tree.ancestors(deep) == [9, 10]
    assert tree.root_of(deep) == 9


def test_a_reply_within_max_depth_attaches_to_its_parent() -> None:
    path = ".".join(tree.segment(i) for i in (1, 2, 3))
    assert tree.reply_target(3, path, 2, max_depth=3) == 3


def test_a_reply_beyond_max_depth_attaches_to_the_deepest_allowed_ancestor() -> None:
    path = ".".join(tree.segment(i) for i in (1, 2, 3, 4))
    # parent 4 is at depth 3; with max_depth 2 the reply must sit at depth 2, under comment 2 (depth 1)
    assert tree.reply_target(4, path, 3, max_depth=2) == 2
    assert tree.reply_target(4, path, 3, max_depth=1) == 1


def test_rows_nest_under_their_parents_in_order() -> None:
    rows = [row(1, None, replies=2), row(2, 1, depth=1, replies=1), row(3, 2, depth=2), row(4, None)]
    nodes = tree.build(rows)
    assert [n.id for n in nodes] == [1, 4]
    assert [n.id for n in nodes[0].replies] == [2]
    assert [n.id for n in nodes[0].replies[0].replies] == [3]
    assert nodes[0].reply_count == 2


def test_a_hidden_comment_with_visible_replies_is_a_tombstone() -> None:
    rows = [row(1, None, visible=False, status=Status.REMOVED, replies=1), row(2, 1, depth=1)]
    (tomb,) = tree.build(rows)
    assert tomb.status == Status.REMOVED
    assert tomb.author is None
    assert tomb.body_html is None
    assert tomb.replies[0].body_html == "<p>2</p>"


def test_a_held_comment_with_visible_replies_shows_as_removed_to_readers() -> None:
    (tomb,) = tree.build([row(1, None, visible=False, status=Status.PENDING, replies=1), row(2, 1, depth=1)])
    assert tomb.status == Status.REMOVED
    assert tomb.author is None


def test_the_authors_own_pending_comment_shows_in_place_as_pending() -> None:
    rows = [row(1, None), row(2, 1, visible=False, status=Status.PENDING, depth=1)]
    (root,) = tree.build(rows, own_id=2, own=Status.PENDING)
    assert root.replies[0].status == Status.PENDING
    assert root.replies[0].body_html == "<p>2</p>"
    assert root.reply_count == 0


def test_a_spam_comment_shows_its_author_what_they_were_told_counted_as_a_reply_if_live() -> None:
    rows = [row(1, None), row(2, 1, visible=False, status=Status.SPAM, depth=1)]
    (root,) = tree.build(rows, own_id=2, own=Status.APPROVED)
    assert (root.replies[0].status, root.reply_count) == (Status.APPROVED, 1)
    (root,) = tree.build(rows, own_id=2, own=Status.PENDING)
    assert (root.replies[0].status, root.reply_count) == (Status.PENDING, 0)
