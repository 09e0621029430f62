"""Isso wire compatibility at /isso/: the endpoints Isso's own embed.min.js calls, on parley's articles, rules and
moderation (PARLEY_ISSO_COMPAT).

Isso's `uri` names the article whose slug is the URI's last path segment, as `parley import isso` maps threads;
an unknown one is 404, and no article is ever made from a reader's request. The author's cookie carries the
comment's edit token: HttpOnly, SameSite=Strict, under /isso/ only, for the edit window; the cookie Isso's
script reads (`X-Set-Cookie`) says only that there is one.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from parley.domain import shapes, text
from parley.domain.errors import Forbidden, InvalidInput, NotFound
from parley.domain.importing import slug_of
from parley.domain.paging import MAX_ID
from parley.domain.records import Status
from parley.domain.submission import SubmissionService
from parley.domain.threads import MAX_COUNT_SLUGS, ThreadService
from parley.http.deps import ParleyRequest, parts_of
from parley.http.isso_wire import (
    CONFIG,
    DELETED,
    MOST_READ,
    SHOWN,
    SORTS,
    WAITING,
    IssoComment,
    IssoConfig,
    IssoEdit,
    IssoNew,
    IssoText,
    IssoThread,
    below,
    comment,
    top_level,
    walk,
)
from parley.http.limits import READS, WRITES
from parley.http.params import IdPath

MOUNT = "/isso"
COOKIE_PATH = MOUNT + "/"
"""Where the author's cookie goes, and where allowed pages may read answers with it (http/browsers.py)."""

Uri = Annotated[str, QueryParameter(min_length=1, max_length=1000, pattern=shapes.LINE, description="the page's path")]
IssoSort = Annotated[Literal["", "oldest", "newest", "upvotes"], QueryParameter()]
Parent = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
Offset = Annotated[int, QueryParameter(ge=0, le=MOST_READ)]
Limit = Annotated[int | None, QueryParameter(ge=0, le=MOST_READ)]
Plain = Annotated[int, QueryParameter(ge=0, le=1)]
Uris = list[Annotated[str, msgspec.Meta(max_length=1000, pattern=shapes.LINE)]]


def article_of(uri: str) -> str:
    """The slug of the article a page's path names: its last segment (`/2026/storm-warning.html` → `storm-warning`)."""
    slug = slug_of(uri)
    if not shapes.is_slug(slug):
        raise NotFound("article", uri)
    return slug


def cookie_name(comment_id: int) -> str:
    return f"parley-edit-{comment_id}"


def _token(request: ParleyRequest, comment_id: int) -> str:
    """The edit token the author's cookie for this comment carries; without one, nothing may change."""
    token = request.cookies.get(cookie_name(comment_id), "")
    if not token or len(token) > 200:
        raise Forbidden("only the author may change a comment, from the browser that posted it, in its edit window")
    return token


def _cookies(request: ParleyRequest, comment_id: int, token: str, seconds: int) -> tuple[Cookie, str]:
    """The author's cookie (the edit token, out of scripts' reach) and the flag Isso's script keeps beside it."""
    secure = request.url.scheme == "https" or parts_of(request).public_url.startswith("https://")
    kept = Cookie(
        key=cookie_name(comment_id),
        value=token,
        max_age=seconds,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    flag = f"isso-{comment_id}={'1' if seconds else ''}; Max-Age={seconds}; Path=/; SameSite=Lax"
    return kept, flag


class IssoController(Controller):
    path = MOUNT
    include_in_schema = False

    @get("/", opt=READS)
    async def thread(
        self,
        uri: Uri,
        threads: NamedDependency[ThreadService],
        sort: IssoSort = "",
        parent: Parent = None,
        offset: Offset = 0,
        limit: Limit = None,
        nested_limit: Limit = None,
    ) -> IssoThread:
        """Isso's `GET /?uri=`: the visible thread, each top-level comment with the comments below it."""
        count, branches = await walk(threads, article_of(uri), SORTS[sort])
        if parent is None:
            return top_level(count, branches, offset, limit, nested_limit)
        return below(parent, branches, offset, limit)

    @post("/new", opt=WRITES)
    async def new(
        self,
        request: ParleyRequest,
        uri: Uri,
        data: JSONBody[IssoNew],
        submissions: NamedDependency[SubmissionService],
    ) -> Response[IssoComment]:
        """'Add yours' through Isso's postbox: parley's rules decide; a comment that waits is Isso's mode 2 (202)."""
        submitted = await submissions.submit(article_of(uri), data.to_draft(), request.visitor)
        node, shown = submitted.comment, submitted.status is Status.APPROVED
        window = submitted.edit_expires_at - datetime.fromisoformat(node.created_at)
        kept, flag = _cookies(request, node.id, submitted.edit_token, max(0, int(window.total_seconds())))
        return Response(
            comment(node, SHOWN if shown else WAITING),
            status_code=HTTP_201_CREATED if shown else HTTP_202_ACCEPTED,
            cookies=[kept],
            headers={"X-Set-Cookie": flag},
        )

    @get("/id/{comment_id:int}", opt=READS)
    async def view(
        self,
        request: ParleyRequest,
        comment_id: IdPath,
        submissions: NamedDependency[SubmissionService],
        plain: Plain = 0,
    ) -> Response[IssoComment]:
        """The author's own comment, to edit it: with `plain=1` its Markdown as they wrote it."""
        own = await submissions.own(comment_id, _token(request, comment_id))
        answer = comment(own.node)
        if plain:
            answer.text = own.body
        return Response(answer, headers={"Cache-Control": "private, no-store"})

    @put("/id/{comment_id:int}", opt=WRITES)
    async def edit(
        self,
        request: ParleyRequest,
        comment_id: IdPath,
        data: JSONBody[IssoEdit],
        submissions: NamedDependency[SubmissionService],
    ) -> IssoComment:
        """The author's edit, judged as a new comment would be: one that must wait answers mode 2."""
        return comment(await submissions.edit(comment_id, _token(request, comment_id), data.text, request.visitor))

    @delete("/id/{comment_id:int}", status_code=200, opt=WRITES)
    async def remove(
        self,
        request: ParleyRequest,
        comment_id: IdPath,
        submissions: NamedDependency[SubmissionService],
    ) -> Response[bytes]:
        """The author's delete: `null` when the comment is gone, else the tombstone its replies stay under."""
        token = _token(request, comment_id)
        own = await submissions.own(comment_id, token)
        await submissions.delete(comment_id, token)
        tombstone = msgspec.structs.replace(own.node, author=None, body_html=None, status=Status.REMOVED)
        kept = comment(tombstone, DELETED) if own.node.reply_count else None
        gone, flag = _cookies(request, comment_id, "", 0)
        return Response(
            msgspec.json.encode(kept), media_type="application/json", cookies=[gone], headers={"X-Set-Cookie": flag}
        )

    @post("/count", status_code=200, opt=READS)
    async def count(self, data: JSONBody[Uris], threads: NamedDependency[ThreadService]) -> list[int]:
        """Visible-comment counts for Isso's comment links, in the order of the page paths sent (unknown: 0)."""
        if len(data) > MAX_COUNT_SLUGS:
            raise InvalidInput("body", f"at most {MAX_COUNT_SLUGS} page paths in one request")
        slugs = [slug_of(uri) for uri in data]
        counts = await threads.counts(slugs)
        return [counts[slug] for slug in slugs]

    @post("/preview", status_code=200, opt=READS)
    async def preview(self, data: JSONBody[IssoText]) -> IssoText:
        """The postbox's preview: the text rendered and sanitized as a comment would be, stored nowhere."""
        return IssoText(await asyncio.to_thread(text.render_comment, data.text))

    @get("/config", opt=READS)
    async def config(self) -> IssoConfig:
        """The client settings parley supports: a name required, no votes, notifications, gravatars or feed."""
        return CONFIG
