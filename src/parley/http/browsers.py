"""What browsers are told: CORS from the allow-list, no cross-site writes from elsewhere, security headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from parley.http import docs, site

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RATE_LIMIT_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After"]

EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# JSON is data, never a document: nothing in it may load, run or be framed even if a browser renders it.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS")
# The headers a frontend sends, one by one (credentials only under `with_cookies`: the API uses no cookies).
_HEADERS = ("Content-Type", "Idempotency-Key", "X-Edit-Token", "X-Author-Token", "Authorization")
_PREFLIGHT_SECONDS = 600
_CREDENTIALS = (b"access-control-allow-credentials", b"true")


def cross_origin(origins: Iterable[str], *, with_cookies: tuple[str, ...] = ()) -> Callable[[ASGIApp], ASGIApp]:
    """CORS for the allowed origins: their pages may call the API, writes included; every answer says it varies
    by `Origin` beside whatever else it varies by; a preflight the list refuses is a 403 problem document.
    Under the paths `with_cookies` (the Isso mount, whose script sends credentials) they may do so with cookies."""
    allowed = frozenset(origin.lower() for origin in origins)

    def middleware(app: ASGIApp) -> ASGIApp:
        if not allowed:
            return app

        async def crossing(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            headers = Headers.from_scope(scope)
            origin = headers.get("origin")
            cookies = (scope["path"].rstrip("/") + "/").startswith(with_cookies)  # routing drops a final slash
            if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
                await _preflight(origin, origin.lower() in allowed, headers, send, cookies)
                return
            shared = origin is not None and origin.lower() in allowed
            await app(scope, receive, _telling_origin(send, origin if shared else None, cookies))

        return crossing

    return middleware


def _telling_origin(send: Send, origin: str | None, cookies: bool = False) -> Send:
    # Isso's script reads its cookie flag and sets its clock by the server's Date.
    exposed = [*_RATE_LIMIT_HEADERS, *(["X-Set-Cookie", "Date"] if cookies else [])]
    extra = (
        []
        if origin is None
        else [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-expose-headers", ", ".join(exposed).encode()),
            *([_CREDENTIALS] if cookies else []),
        ]
    )

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*vary(message.get("headers") or (), "Origin"), *extra]
        await send(message)

    return sending


async def _preflight(origin: str, origin_allowed: bool, headers: Headers, send: Send, cookies: bool) -> None:
    method = headers.get("access-control-request-method", "").upper()
    asked = {name.strip().lower() for name in headers.get("access-control-request-headers", "").split(",")}
    known = {name.lower() for name in _HEADERS} | {""}
    refused = [
        what
        for what, bad in (
            ("origin", not origin_allowed),
            ("method", method not in _METHODS),
            ("headers", not asked <= known),
        )
        if bad
    ]
    if refused:
        detail = f"a page from this origin may not make this request (refused: {', '.join(refused)})"
        body = msgspec.json.encode(
            {
                "status": 403,
                "title": "Forbidden",
                "detail": detail,
                "code": "cross_origin_refused",
                "type": "about:blank",
            }
        )
        await _answer(send, 403, [(b"content-type", b"application/problem+json")], body)
        return
    answer = [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-methods", ", ".join(_METHODS).encode()),
        (b"access-control-allow-headers", ", ".join(_HEADERS).encode()),
        (b"access-control-max-age", str(_PREFLIGHT_SECONDS).encode()),
        *([_CREDENTIALS] if cookies else []),
    ]
    await _answer(send, 204, answer, b"")


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    sized = vary([*headers, (b"content-length", b"%d" % len(body))], "Origin")
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": sized}
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(start)
    await send(end)


def vary(headers: Iterable[tuple[bytes, bytes]], *names: str) -> list[tuple[bytes, bytes]]:
    """The headers with `names` merged into one `Vary`, keeping what it already named (never replaced)."""
    kept, named = [], []
    for name, value in headers:
        if name.lower() == b"vary":
            named += [part.strip() for part in value.decode("latin-1").split(",") if part.strip()]
        else:
            kept.append((name, value))
    seen = {part.lower() for part in named}
    named += [name for name in names if name.lower() not in seen]
    return [*kept, (b"vary", ", ".join(named).encode("latin-1"))]


def same_site_writes(origins: Iterable[str]) -> Callable[[ASGIApp], ASGIApp]:
    """A write a browser marks cross-site must come from an allowed origin: another site's page must not be
    able to make its readers' browsers post, edit or flag here.

    A middleware rather than a guard: Litestar copies the route handler for every guard call, on every
    request, reads included; this looks at two headers of writes only.
    """
    allowed = frozenset(origin.lower() for origin in origins)

    def middleware(app: ASGIApp) -> ASGIApp:
        async def refusing_cross_site(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP and scope["method"] not in _SAFE_METHODS:
                headers = Headers.from_scope(scope)
                cross_site = headers.get("sec-fetch-site", "").lower() == "cross-site"
                if cross_site and headers.get("origin", "").lower().rstrip("/") not in allowed:
                    raise PermissionDeniedException(detail="writes from pages of another site are refused")
            await app(scope, receive, send)

        return refusing_cross_site

    return middleware


_EVERY = [(name.lower().encode(), value.encode()) for name, value in EVERY_RESPONSE.items()]
_CSP = b"content-security-policy"
_DATA_POLICY = DATA_POLICY.encode()
_DOCS_POLICY = docs.PAGE_POLICY.encode()
_SITE_POLICY = site.PAGE_POLICY.encode()


_CACHE = b"cache-control"
_NO_STORE = b"no-store"
_PRIVATE_PATHS = ("/api/v1/admin", "/admin", "/metrics", "/api/v1/exports", "/api/v1/unsubscribe")


def _never_stored(scope: Scope) -> bool:
    """Answers no cache may keep: admin answers (authors' e-mails), metrics, and the answers to writes
    (a receipt carries the author's tokens)."""
    return scope.get("method", "GET") not in _SAFE_METHODS or scope["path"].startswith(_PRIVATE_PATHS)


async def security_headers(message: Message, scope: Scope) -> None:
    """Set on every response, errors included (a before-send hook sees what routing never reached)."""
    if message["type"] != "http.response.start":
        return
    policy = _DATA_POLICY
    private = _never_stored(scope)
    kept = []
    for name, value in message.get("headers") or ():
        lowered = name.lower()
        if lowered == b"content-type" and value.startswith(b"text/html"):
            policy = _DOCS_POLICY if scope["path"].startswith("/schema") else _SITE_POLICY
        if lowered not in _REPLACED and not (private and lowered == _CACHE):
            kept.append((name, value))
    kept += _EVERY
    kept.append((_CSP, policy))
    if private:
        kept.append((_CACHE, _NO_STORE))
    message["headers"] = kept


_REPLACED = frozenset(name for name, _ in _EVERY) | {_CSP}
