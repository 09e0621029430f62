"""What an author reaches from an e-mail: their own comments by a signed link, and one-click unsubscribe."""

from __future__ import annotations

import html
from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from parley.domain import shapes
from parley.domain.authors import AuthorService, Written
from parley.domain.records import Status, stamp
from parley.http.errors import problems
from parley.http.limits import READS, WRITES
from parley.http.schemas import Instant

LinkToken = Annotated[
    str,
    PathParameter(
        min_length=10,
        max_length=200,
        pattern=rf"^[0-9a-f]+\.[0-9]+\.[0-9a-f]+{shapes.END}",
        description="from the e-mail",
    ),
]


class ExportIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=shapes.EMAIL_LENGTH, pattern=shapes.MAILBOX)]


class ExportAccepted(msgspec.Struct, frozen=True):
    detail: str = "if comments were written with this address, a link to them is on its way to it"


class WrittenOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    article: str
    article_title: str
    parent_id: str | None
    status: Status
    author_name: str
    author_url: str | None
    body: str
    created_at: Instant
    edited_at: Instant | None

    @classmethod
    def from_domain(cls, written: Written) -> WrittenOut:
        return cls(
            id=str(written.id),
            article=written.article,
            article_title=written.article_title,
            parent_id=None if written.parent_id is None else str(written.parent_id),
            status=written.status,
            author_name=written.author_name,
            author_url=written.author_url,
            body=written.body,
            created_at=stamp(written.created_at),
            edited_at=None if written.edited_at is None else stamp(written.edited_at),
        )


class AuthorExport(msgspec.Struct, frozen=True):
    """Everything written with one e-mail address, oldest first, as its author may see it; the address itself
    is left out, as from every public answer (its owner knows it: the link came to it)."""

    comments: list[WrittenOut]


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/web/site/site.css"></head>
<body><main class="unsubscribe"><h1>{title}</h1>{body}</main></body></html>
"""


def _page(title: str, body: str) -> Response[str]:
    return Response(_PAGE.format(title=html.escape(title), body=body), media_type=MediaType.HTML)


class MailLinksController(Controller):
    tags = ["authors"]
    opt = READS

    @post("/api/v1/exports", status_code=HTTP_202_ACCEPTED, responses=problems(413, 415, 422, 429, 503), opt=WRITES)
    async def request_export(self, data: JSONBody[ExportIn], authors: NamedDependency[AuthorService]) -> ExportAccepted:
        """Ask for everything written with an e-mail address: a link valid for a day goes to that address. The
        answer is the same whether or not it wrote anything, so it tells no one who comments here."""
        await authors.request_export(data.email)
        return ExportAccepted()

    @get("/api/v1/exports/{token:str}", responses=problems(404, 422, 429))
    async def read_export(self, token: LinkToken, authors: NamedDependency[AuthorService]) -> AuthorExport:
        """The comments the link's address wrote, in any state, with their text and the details given."""
        return AuthorExport([WrittenOut.from_domain(written) for written in await authors.export(token)])

    @get("/api/v1/unsubscribe/{token:str}", responses=problems(404, 422, 429), media_type=MediaType.HTML)
    async def unsubscribe_page(self, token: LinkToken, authors: NamedDependency[AuthorService]) -> Response[str]:
        """A page with one button: a link opened by a mail scanner must not unsubscribe anyone by itself."""
        authors.unsubscribing(token)
        form = (
            "<p>Stop e-mails about replies to your comments on this site?</p>"
            f'<form method="post" action="/api/v1/unsubscribe/{html.escape(token)}">'
            '<button type="submit">Unsubscribe</button></form>'
        )
        return _page("Unsubscribe", form)

    @post(
        "/api/v1/unsubscribe/{token:str}",
        status_code=HTTP_200_OK,
        responses=problems(404, 422, 429),
        media_type=MediaType.HTML,
        opt=WRITES,
    )
    async def unsubscribe(self, token: LinkToken, authors: NamedDependency[AuthorService]) -> Response[str]:
        """RFC 8058's one click (the mail client POSTs `List-Unsubscribe=One-Click`), or the page's button."""
        await authors.unsubscribe(token)
        return _page("Unsubscribed", "<p>You will get no more e-mails about replies to your comments.</p>")
