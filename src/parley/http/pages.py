"""Encoded thread pages kept in memory while their article's change counter holds, served with ETags."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from litestar import Response
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from litestar.types import Scope

from parley.domain import paging
from parley.domain.lru import Bounded
from parley.domain.paging import Sort
from parley.domain.threads import ThreadService
from parley.http.fastpath import Answer

_ENCODER = msgspec.json.Encoder()
# Shared caches must not hand one reader's view (with their own pending comment) to another.
_PUBLIC = {"Cache-Control": "no-cache", "Vary": "X-Edit-Token"}
_PRIVATE = {"Cache-Control": "private, no-store", "Vary": "X-Edit-Token"}


PageKey = tuple[str, bytes]
"""A page by its article's slug and the request's query string of known parameters (`http/query.py`)."""

MAX_PAGES = 10_000


class PageCache:
    """Encoded pages, least recently used dropped first, bounded in entries and bytes (keys counted); an entry
    is only served for the article version it was built from."""

    def __init__(self, max_bytes: int, max_entries: int = MAX_PAGES) -> None:
        self.entries: Bounded[PageKey, tuple[int, bytes]] = Bounded(
            max_entries=max_entries, max_bytes=max_bytes, size=_page_size
        )

    def get(self, key: PageKey, version: int) -> bytes | None:
        entry = self.entries.get(key)
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def put(self, key: PageKey, version: int, body: bytes) -> None:
        self.entries.put(key, (version, body))


def _page_size(key: PageKey, entry: tuple[int, bytes]) -> int:
    return len(key[0]) + len(key[1]) + len(entry[1])


def etag(article_id: int, version: int) -> str:
    """Strong ETag for one URL's page: it changes with every change to the article or its thread."""
    return f'"{article_id}.{version}"'


def not_modified(tag: str, if_none_match: str | None) -> bool:
    if not if_none_match:
        return False
    return any(candidate.strip() in (tag, f"W/{tag}", "*") for candidate in if_none_match.split(","))


def _response(body: bytes, status: int, headers: dict[str, str]) -> Response[bytes]:
    return Response(body, status_code=status, media_type="application/json", headers=headers)


class ThreadPages:
    """Thread pages as readers fetch them: encoded once per article version, then served from memory."""

    def __init__(self, threads: ThreadService, cache: PageCache, *, built: Callable[[], None] = lambda: None) -> None:
        self._threads = threads
        self.cache = cache
        self._built = built

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
        """A cached page, a 304 for an unchanged ETag, or, for an author's own view, a private fresh page."""
        if edit_token:
            own_view, _ = await self._threads.page(
                slug, sort=sort, cursor=cursor, limit=limit, budget=budget, edit_token=edit_token
            )
            return _response(_ENCODER.encode(own_view), HTTP_200_OK, _PRIVATE)
        if cursor is not None:
            paging.decode(cursor, sort.value)  # a bad cursor is refused even to a client holding a fresh ETag
        article_id, version = await self._threads.version(slug)
        tag = etag(article_id, version)
        if not_modified(tag, if_none_match):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": tag, **_PUBLIC})
        key = (slug, query)
        body = self.cache.get(key, version)
        if body is None:
            page, version = await self._threads.page(slug, sort=sort, cursor=cursor, limit=limit, budget=budget)
            self._built()
            body = _ENCODER.encode(page)
            self.cache.put(key, version, body)
            tag = etag(article_id, version)
        return _response(body, HTTP_200_OK, {"ETag": tag, **_PUBLIC})

    async def hit(self, scope: Scope) -> Answer | None:
        """A cached answer for a request exactly like one answered before, if its article has not changed since.

        Only the handler fills the cache, after validating the request: the same slug and query string again
        need no second validation. Anything else (a miss, an author's own view, an unknown article) is None.
        """
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"x-edit-token":
                return None
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        slug = scope["path_params"]["slug"]
        found = await self._threads.known_version(slug)
        if found is None:
            return None
        article_id, version = found
        body = self.cache.get((slug, scope["query_string"]), version)
        if body is None:
            return None  # a query not answered at this version may be invalid: the handler reads it first
        tag = etag(article_id, version)
        headers = ((b"etag", tag.encode()), *_RAW_PUBLIC)
        if not_modified(tag, if_none_match):
            return Answer(HTTP_304_NOT_MODIFIED, b"", headers)
        return Answer(HTTP_200_OK, body, headers)


_RAW_PUBLIC = tuple((name.lower().encode(), value.encode()) for name, value in _PUBLIC.items())
