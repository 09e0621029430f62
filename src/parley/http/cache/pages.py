"""Thread pages as readers fetch them: keyed by the validated request, encoded once per article version."""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec
from litestar import Response
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from litestar.types import Scope

from parley.domain import paging
from parley.domain.lru import Bounded
from parley.domain.paging import Sort
from parley.domain.threads import ThreadService
from parley.http.cache.answers import STALE_FOR, Answers, Entry
from parley.http.cache.fastpath import Answer
from parley.http.schemas import ThreadPage

_ENCODER = msgspec.json.Encoder()
# Shared caches must not hand one reader's view (with their own pending comment) to another.
_PUBLIC = {"Cache-Control": "no-cache", "Vary": "X-Edit-Token"}
_PRIVATE = {"Cache-Control": "private, no-store", "Vary": "X-Edit-Token"}
_RAW_PUBLIC = tuple((name.lower().encode(), value.encode()) for name, value in _PUBLIC.items())
MAX_PAGES = 10_000


class PageRequest(msgspec.Struct, frozen=True):
    """Everything a public thread page depends on besides the data: the key of a remembered page."""

    slug: str
    sort: Sort
    cursor: str | None
    limit: int
    budget: int


def etag(article_id: int, version: int) -> str:
    """Strong ETag for one URL's page: it changes with every change to the article or its thread."""
    return f'"{article_id}.{version}"'


def not_modified(article_id: int, version: int, if_none_match: str | None) -> bool:
    """The client holds this version of the page, or a later one than the one about to be served."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/").strip('"')
        if tag == "*":
            return True
        held_article, _, held_version = tag.partition(".")
        if held_article == str(article_id) and held_version.isdigit() and int(held_version) >= version:
            return True
    return False


def _response(body: bytes, status: int, headers: dict[str, str]) -> Response[bytes]:
    return Response(body, status_code=status, media_type="application/json", headers=headers)


class ThreadPages:
    """Public thread pages from memory; an author's own view, private and fresh, from the database each time."""

    def __init__(
        self,
        threads: ThreadService,
        *,
        max_bytes: int,
        stale_for: float = STALE_FOR,
        clock: Callable[[], float] = time.monotonic,
        built: Callable[[], None] = lambda: None,
    ) -> None:
        self._threads = threads
        self.answers: Answers[PageRequest] = Answers(
            self._build,
            max_entries=MAX_PAGES,
            max_bytes=max_bytes,
            size=lambda request: len(request.slug) + len(request.cursor or ""),
            stale_for=stale_for,
            clock=clock,
            built=built,
        )
        # The same request as sent (slug and query string of known parameters), once the handler has validated it.
        self.aliases: Bounded[tuple[str, bytes], PageRequest] = Bounded(
            max_entries=MAX_PAGES, max_bytes=max(max_bytes // 16, 1), size=lambda raw, _: 2 * len(raw[0]) + len(raw[1])
        )

    async def _build(self, request: PageRequest) -> tuple[int, bytes]:
        page, version = await self._threads.page(
            request.slug, sort=request.sort, cursor=request.cursor, limit=request.limit, budget=request.budget
        )
        return version, _ENCODER.encode(ThreadPage.of(page))

    async def read(
        self,
        slug: str,
        query: bytes,
        *,
        sort: Sort,
        cursor: str | None,
        limit: int,
        budget: int,
        edit_token: str | None,
        if_none_match: str | None,
    ) -> Response[bytes]:
        """A remembered page (or a 304), or for an author's own view a private page read now."""
        if edit_token:
            own_view, _ = await self._threads.page(
                slug, sort=sort, cursor=cursor, limit=limit, budget=budget, edit_token=edit_token
            )
            return _response(_ENCODER.encode(ThreadPage.of(own_view)), HTTP_200_OK, _PRIVATE)
        if cursor is not None:
            paging.decode(cursor, sort.value)  # a bad cursor is refused even to a client holding a fresh ETag
        article_id, version = await self._threads.version(slug)
        request = PageRequest(slug, sort, cursor, limit, budget)
        self.aliases.put((slug, query), request)
        entry = await self.answers.get(request, version)
        tag = etag(article_id, entry.version)
        if not_modified(article_id, entry.version, if_none_match):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": tag, **_PUBLIC})
        return _response(entry.body, HTTP_200_OK, {"ETag": tag, **_PUBLIC})

    async def hit(self, scope: Scope) -> Answer | None:
        """The remembered answer to a request the handler has already validated once, if it may be served now;
        None sends the request to the handler (a new request, an author's own view, an answer too old)."""
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"x-edit-token":
                return None
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        slug = scope["path_params"]["slug"]
        request = self.aliases.get((slug, scope["query_string"]))
        found = None if request is None else await self._threads.known_version(slug)
        if request is None or found is None:
            return None
        article_id, version = found
        entry = self.answers.current(request, version)
        return None if entry is None else _answer(article_id, entry, if_none_match)


def _answer(article_id: int, entry: Entry, if_none_match: str | None) -> Answer:
    headers = ((b"etag", etag(article_id, entry.version).encode()), *_RAW_PUBLIC)
    if not_modified(article_id, entry.version, if_none_match):
        return Answer(HTTP_304_NOT_MODIFIED, b"", headers)
    return Answer(HTTP_200_OK, entry.body, headers)
