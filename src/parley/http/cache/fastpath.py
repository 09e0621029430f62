"""Answers served from memory before Litestar parses a request: for reads repeated far more often than data changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

CACHED = "cached_answers"
"""Route `opt` key naming the cache that may answer the route's requests before its parameters are parsed."""


class Answer(msgspec.Struct, frozen=True):
    """A complete answer: status, body, and headers besides content-type and content-length."""

    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]


class Remembers(Protocol):
    async def hit(self, scope: Scope) -> Answer | None:
        """The answer the handler gave an identical request, if nothing it depends on changed since; else None.

        Only handlers fill these caches, after validating their request: the same request again needs no
        second validation, and anything new goes to the handler.
        """


def serving_cached(caches: Callable[[Scope, str], Remembers]) -> Callable[[ASGIApp], ASGIApp]:
    """Middleware answering from a route's cache when it can. It runs inside the other middleware, so metrics,
    rate limits, cross-site rules and security headers apply to remembered answers as to any other."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            handler = scope.get("route_handler")
            name = None if handler is None or scope["type"] != ScopeType.HTTP else handler.opt.get(CACHED)
            answer = None if name is None else await caches(scope, name).hit(scope)
            if answer is None:
                await app(scope, receive, send)
                return
            headers = [*answer.headers, (b"content-length", str(len(answer.body)).encode())]
            if answer.body:
                headers.append((b"content-type", b"application/json"))
            start: HTTPResponseStartEvent = {"type": "http.response.start", "status": answer.status, "headers": headers}
            await send(start)
            await send({"type": "http.response.body", "body": answer.body, "more_body": False})

        return serve

    return middleware
