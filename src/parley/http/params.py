"""Every path, query and header parameter the controllers take, each bounded so no unchecked input goes further."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter, PathParameter, QueryParameter

from parley.domain import shapes
from parley.domain.moderation import QueueState
from parley.domain.paging import MAX_ID, Sort
from parley.domain.threads import DEFAULT_BUDGET

SlugPath = Annotated[
    str, PathParameter(min_length=1, max_length=200, pattern=shapes.LINE, description="the article's slug")
]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]

Cursor = Annotated[
    str | None, QueryParameter(max_length=200, pattern=shapes.LINE, description="the `next_cursor` of the page before")
]
ArticleLimit = Annotated[int, QueryParameter(ge=1, le=100)]
AdminLimit = Annotated[int, QueryParameter(ge=1, le=200)]
TopLevelLimit = Annotated[int, QueryParameter(ge=1, le=100, description="top-level comments per page")]
MaxComments = Annotated[int, QueryParameter(ge=1, le=500, description="most comments in one page, replies included")]
MAX_COMMENTS = DEFAULT_BUDGET
ThreadSort = Annotated[Sort, QueryParameter()]
QueueName = Annotated[QueueState, QueryParameter(name="state")]
AuthorFilter = Annotated[
    str | None, QueryParameter(max_length=200, pattern=shapes.LINE, description="an author's slug")
]
TagFilter = Annotated[str | None, QueryParameter(max_length=100, pattern=shapes.LINE)]
ArticleFilter = Annotated[
    str | None, QueryParameter(max_length=200, pattern=shapes.LINE, description="an article's slug")
]
ActorFilter = Annotated[
    str | None,
    QueryParameter(
        max_length=200, pattern=shapes.LINE, description="a moderator's name, `author`, `system` or `rule:<name>`"
    ),
]
ActionFilter = Annotated[str | None, QueryParameter(max_length=50, pattern=shapes.LINE)]
CommentFilter = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="one comment's events")]
BanEmail = Annotated[
    str | None, QueryParameter(name="email", max_length=254, pattern=shapes.LINE, description="bans on this e-mail")
]
BanAddress = Annotated[
    str | None,
    QueryParameter(
        name="address",
        max_length=64,
        pattern=shapes.ADDRESS,
        description="bans that stop this address (its network's, and wider ones it lies in); with a prefix "
        "(192.0.2.0/24), bans on exactly that network",
    ),
]
BanComment = Annotated[
    int | None, QueryParameter(name="comment_id", ge=1, le=MAX_ID, description="bans made from this comment")
]
CountSlugs = Annotated[list[str], QueryParameter(min_length=1, max_length=100)]

EditToken = Annotated[
    str | None,
    HeaderParameter(name="X-Edit-Token", max_length=200, description="the edit token returned by 'Add yours'"),
]
AuthorToken = Annotated[
    str | None,
    HeaderParameter(
        name="X-Author-Token",
        max_length=200,
        description="the author key an earlier receipt returned: who the author is to the returning-author rule",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", min_length=1, max_length=200, description="retry safely: the first answer is replayed"
    ),
]
IfNoneMatch = Annotated[str | None, HeaderParameter(name="If-None-Match", max_length=1000)]
LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        max_length=20,
        description="the `id` of the last event received: the stream resumes after it (browsers send it on "
        "reconnect); an id this stream never gave out is ignored, and the stream starts from now",
    ),
]
