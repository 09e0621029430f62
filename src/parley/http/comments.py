"""Public comment endpoints: a thread, 'Add yours', the author's edit and delete, flags and counts."""

from __future__ import annotations

from typing import cast

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from parley.domain.errors import Forbidden
from parley.domain.paging import Sort
from parley.domain.submission import SubmissionService
from parley.domain.threads import ThreadService
from parley.http.cache.counts import CountAnswers
from parley.http.cache.fastpath import CACHED
from parley.http.cache.pages import ThreadPages
from parley.http.deps import ParleyRequest
from parley.http.errors import problems
from parley.http.limits import READS, WRITES
from parley.http.params import (
    MAX_COMMENTS,
    AuthorToken,
    CountSlugs,
    Cursor,
    EditToken,
    IdempotencyKey,
    IdPath,
    IfNoneMatch,
    MaxComments,
    SlugPath,
    ThreadSort,
    TopLevelLimit,
)
from parley.http.schemas import (
    CommentEdit,
    CommentIn,
    CommentNode,
    Counts,
    Flagged,
    FlagIn,
    Receipt,
    ReplyPage,
    ThreadPage,
)


class ThreadController(Controller):
    path = "/api/v1/articles/{slug:str}/comments"
    tags = ["comments"]
    opt = READS

    @get(
        responses={**problems(404, 422, 429), 304: ResponseSpec(None, description="the page has not changed")},
        response_headers=[
            ResponseHeader(name="ETag", description="changes with every change to the thread", documentation_only=True)
        ],
        opt={CACHED: "pages"},
    )
    async def read_thread(
        self,
        request: ParleyRequest,
        slug: SlugPath,
        pages: NamedDependency[ThreadPages],
        edit_token: EditToken = None,
        if_none_match: IfNoneMatch = None,
        sort: ThreadSort = Sort.OLDEST,
        limit: TopLevelLimit = 50,
        cursor: Cursor = None,
        max_comments: MaxComments = MAX_COMMENTS,
    ) -> Response[ThreadPage]:
        """The visible thread as a tree; a removed comment with visible replies stays as a tombstone.

        A page holds up to `limit` top-level comments with their replies, and at most `max_comments` comments
        in all: top-level comments whose replies would not fit start the next page. A first top-level comment
        with more replies than fit shows the first of them and a `replies_cursor` for the rest.
        """
        response = await pages.read(
            slug,
            request.scope["query_string"],
            sort=sort,
            cursor=cursor,
            limit=limit,
            budget=max_comments,
            edit_token=edit_token,
            if_none_match=if_none_match,
        )
        return cast("Response[ThreadPage]", response)

    @post(
        status_code=HTTP_201_CREATED,
        responses=problems(403, 404, 409, 413, 415, 422, 429),
        opt=WRITES,
    )
    async def add_yours(
        self,
        slug: SlugPath,
        data: JSONBody[CommentIn],
        submissions: NamedDependency[SubmissionService],
        request: ParleyRequest,
        idempotency_key: IdempotencyKey = None,
        author_token: AuthorToken = None,
    ) -> Receipt:
        """'Add yours': store a comment or reply; its status says whether it waits for a moderator.

        The receipt's `author_token` is the author's key: a frontend keeps it and sends it back as
        `X-Author-Token` with the author's later comments and edits. Once a moderator has approved one comment
        posted with it, comments under the same name with it are a returning author's.
        """
        submitted = await submissions.submit(slug, data.to_draft(), request.visitor, idempotency_key, author_token)
        return Receipt.of(submitted)


class CommentController(Controller):
    path = "/api/v1/comments/{comment_id:int}"
    tags = ["comments"]
    opt = READS

    @get(responses=problems(404, 422, 429))
    async def get_comment(
        self, comment_id: IdPath, threads: NamedDependency[ThreadService], edit_token: EditToken = None
    ) -> Response[CommentNode]:
        """One visible comment (its replies are in the thread). With the comment's own `X-Edit-Token`, its author
        sees it while it waits for a moderator too, as the thread shows it to them."""
        node = CommentNode.of(await threads.one(comment_id, edit_token=edit_token))
        private = {"Cache-Control": "private, no-store"} if edit_token else {}
        return Response(node, headers={"Vary": "X-Edit-Token", **private})

    @get("/replies", responses=problems(404, 422, 429))
    async def more_replies(
        self,
        comment_id: IdPath,
        threads: NamedDependency[ThreadService],
        cursor: Cursor = None,
        max_comments: MaxComments = MAX_COMMENTS,
    ) -> ReplyPage:
        """The replies below a comment in thread order, page by page: where a thread page's `replies_cursor` leads."""
        return ReplyPage.of(await threads.replies(comment_id, cursor=cursor, budget=max_comments))

    @patch(responses=problems(403, 404, 409, 413, 415, 422, 429), opt=WRITES)
    async def edit_comment(
        self,
        comment_id: IdPath,
        data: JSONBody[CommentEdit],
        submissions: NamedDependency[SubmissionService],
        request: ParleyRequest,
        edit_token: EditToken = None,
        author_token: AuthorToken = None,
    ) -> CommentNode:
        """The author's edit, inside the edit window while comments are open; judged like a new comment, so an edit
        that would wait for a moderator takes the comment out of view until one decides."""
        edited = await submissions.edit(
            comment_id,
            _required(edit_token),
            data.body,
            request.visitor,
            author_token=author_token,
            honeypot=bool(data.honeypot),
        )
        return CommentNode.of(edited)

    @delete(status_code=HTTP_204_NO_CONTENT, responses=problems(403, 404, 422, 429), opt=WRITES)
    async def delete_comment(
        self,
        comment_id: IdPath,
        submissions: NamedDependency[SubmissionService],
        edit_token: EditToken = None,
    ) -> None:
        """The author's delete, inside the edit window; replies stay under a tombstone."""
        await submissions.delete(comment_id, _required(edit_token))

    @post(
        "/flags",
        status_code=HTTP_202_ACCEPTED,
        responses=problems(403, 404, 413, 415, 422, 429),
        opt=WRITES,
    )
    async def flag_comment(
        self,
        comment_id: IdPath,
        data: JSONBody[FlagIn],
        threads: NamedDependency[ThreadService],
        request: ParleyRequest,
    ) -> Flagged:
        """Any reader reports a comment; each reader counts once."""
        await threads.flag(comment_id, data.reason, data.note, request.visitor)
        return Flagged()


def _required(edit_token: str | None) -> str:
    if not edit_token:
        raise Forbidden("send the comment's edit token in the X-Edit-Token header")
    return edit_token


class CountsController(Controller):
    path = "/api/v1/counts"
    tags = ["comments"]
    opt = READS

    @get(responses=problems(422, 429), opt={CACHED: "counts"})
    async def counts(
        self,
        request: ParleyRequest,
        counts: NamedDependency[CountAnswers],
        slug: CountSlugs,
    ) -> Response[Counts]:
        """Visible-comment counts for up to 100 articles in one call."""
        body = await counts.read(request.scope["query_string"], slug)
        return cast("Response[Counts]", Response(body, media_type="application/json"))
