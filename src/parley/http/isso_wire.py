"""Isso's wire shapes: what its embed.min.js sends and reads, built from parley's own views of a thread."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from typing import Annotated, TypeVar

import msgspec

from parley.domain import shapes
from parley.domain.errors import InvalidInput
from parley.domain.paging import MAX_ID, Sort
from parley.domain.records import Status
from parley.domain.submission import Draft
from parley.domain.threads import ThreadService
from parley.domain.tree import Node
from parley.http.schemas import AuthorName, Body, Email

T = TypeVar("T")

SORTS = {"": Sort.OLDEST, "oldest": Sort.OLDEST, "newest": Sort.NEWEST, "upvotes": Sort.TOP}
"""Isso's orders as parley's: its `upvotes` ranks by replies, as parley's `top` does (parley keeps no votes)."""

MOST_READ = 2_000
"""Comments one answer reads from a thread: Isso pages by offset, so each answer walks the thread from its start."""
_PAGE = 100
_BUDGET = 500

_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_URL = re.compile(shapes.URL_OR_NOTHING)

# Isso's modes, as its widget reads them.
SHOWN, WAITING, DELETED = 1, 2, 4


class IssoNew(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What Isso's postbox sends. `title` is accepted and unused: parley makes no article from a reader's post;
    `notification` with an e-mail asks for parley's reply notices."""

    author: AuthorName
    text: Body
    email: Email | None = None
    website: Annotated[str, msgspec.Meta(max_length=2000, pattern=shapes.LINE)] | None = None
    parent: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)] | None = None
    title: Annotated[str, msgspec.Meta(max_length=500, pattern=shapes.LINE)] | None = None
    notification: Annotated[int, msgspec.Meta(ge=0, le=1)] | None = None

    def to_draft(self) -> Draft:
        """The comment as parley's rules take it; a website without a scheme is read as Isso reads it (http)."""
        url = None
        if self.website:
            url = self.website if _SCHEME.match(self.website) else "http://" + self.website
            if not _URL.match(url) or not shapes.is_url(url):
                raise InvalidInput("website", "must be a web address such as https://example.org (or empty)")
            url = shapes.normal_url(url)
        return Draft(
            author_name=self.author,
            body=self.text,
            author_email=self.email or None,
            author_url=url,
            parent_id=self.parent,
            notify_replies=bool(self.notification) and bool(self.email),
        )


class IssoEdit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An edit from Isso's widget: the text only (parley's authors change neither name nor website)."""

    text: Body


class IssoText(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A text to preview, and the preview: the HTML parley would store for it."""

    text: Body


class IssoComment(msgspec.Struct, kw_only=True):
    """One comment as Isso's widget renders it: `author` and `website` escaped (it writes them as HTML), `text`
    parley's sanitized HTML, `hash` from the shown name only (never an e-mail or an address)."""

    id: int
    parent: int | None
    text: str
    author: str | None
    website: str | None
    mode: int
    created: float
    modified: float | None
    likes: int = 0
    dislikes: int = 0
    hash: str


class IssoTopComment(IssoComment, kw_only=True):
    """A top-level comment with the first of the comments below it, in thread order."""

    total_replies: int
    hidden_replies: int
    replies: list[IssoComment]


class IssoThread(msgspec.Struct, kw_only=True):
    """Isso's answer to `GET /?uri=`: the comments below `id` (null: the top level) and how many it left out."""

    id: int | None
    total_replies: int
    hidden_replies: int
    replies: list[IssoComment]


class IssoConfig(msgspec.Struct, frozen=True):
    """The server's side of Isso's client settings: what parley supports, so the widget offers only that."""

    config: dict[str, bool]


CONFIG = IssoConfig(
    {
        "reply-to-self": False,
        "require-email": False,
        "require-author": True,
        "reply-notifications": False,
        "gravatar": False,
        "vote": False,
        "feed": False,
    }
)


def _seconds(stamp: str | None) -> float | None:
    return None if stamp is None else datetime.fromisoformat(stamp).timestamp()


def comment(node: Node, mode: int | None = None) -> IssoComment:
    """A parley comment in Isso's shape; a tombstone is Isso's deleted comment, kept for its replies."""
    if mode is None:
        mode = DELETED if node.status is Status.REMOVED else WAITING if node.status is Status.PENDING else SHOWN
    name = None if node.author is None else node.author.name
    url = None if node.author is None else node.author.url
    return IssoComment(
        id=node.id,
        parent=node.parent_id,
        text=node.body_html or "",
        author=None if name is None else html.escape(name),
        website=None if url is None else html.escape(url),
        mode=mode,
        created=_seconds(node.created_at) or 0.0,
        modified=_seconds(node.edited_at),
        hash=hashlib.sha256(f"isso-name:{name or ''}".encode()).hexdigest()[:12],
    )


class Branch(msgspec.Struct):
    """A top-level comment and every comment below it, in thread order (each after its parent)."""

    top: Node
    below: list[Node]


def _descendants(node: Node) -> list[Node]:
    found: list[Node] = []
    waiting = list(reversed(node.replies))
    while waiting:
        item = waiting.pop()
        found.append(item)
        waiting.extend(reversed(item.replies))
    return found


async def walk(threads: ThreadService, slug: str, sort: Sort) -> tuple[int, list[Branch]]:
    """The thread's visible count and its branches, from its start, until MOST_READ comments are read."""
    cursor: str | None = None
    branches: list[Branch] = []
    read, count = 0, None
    while True:
        budget = min(_BUDGET, MOST_READ - read)
        view, _version = await threads.page(slug, sort=sort, cursor=cursor, limit=_PAGE, budget=budget)
        count = view.count if count is None else count
        for node in view.items:
            below, more = _descendants(node), node.replies_cursor
            while more is not None and (room := MOST_READ - read - 1 - len(below)) > 0:
                replies = await threads.replies(node.id, cursor=more, budget=min(_BUDGET, room))
                for item in replies.items:
                    below += [item, *_descendants(item)]
                more = replies.next_cursor
            branches.append(Branch(node, below))
            read += 1 + len(below)
        cursor = view.next_cursor
        if cursor is None or read >= MOST_READ:
            return count, branches


def _cut(items: list[T], offset: int, limit: int | None) -> list[T]:
    return items[offset:] if limit is None else items[offset : offset + limit]


def top_level(count: int, branches: list[Branch], offset: int, limit: int | None, nested: int | None) -> IssoThread:
    """The top level as Isso asks for it: `limit` branches from `offset`, each with its first `nested` replies."""
    shown = _cut(branches, offset, limit)
    tops: list[IssoComment] = []
    for branch in shown:
        replies = _cut(branch.below, 0, nested)
        tops.append(
            IssoTopComment(
                **msgspec.structs.asdict(comment(branch.top)),
                total_replies=len(branch.below),
                hidden_replies=len(branch.below) - len(replies),
                replies=[comment(node) for node in replies],
            )
        )
    hidden = max(0, len(branches) - offset - len(shown))
    return IssoThread(id=None, total_replies=count, hidden_replies=hidden, replies=tops)


def below(parent: int, branches: list[Branch], offset: int, limit: int | None) -> IssoThread:
    """The comments below one top-level comment from `offset`, as Isso's "show more" asks for them."""
    found = next((branch.below for branch in branches if branch.top.id == parent), [])
    shown = _cut(found, offset, limit)
    hidden = max(0, len(found) - offset - len(shown))
    return IssoThread(id=parent, total_replies=len(found), hidden_replies=hidden, replies=[comment(n) for n in shown])
