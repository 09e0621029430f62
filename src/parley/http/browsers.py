"""What browsers are told: CORS from the allow-list, no cross-site writes from elsewhere, security headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from litestar.config.cors import CORSConfig
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from parley.http import docs

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RATE_LIMIT_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After"]

EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# JSON is data, never a document: nothing in it may load, run or be framed even if a browser renders it.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


def cors(origins: Iterable[str]) -> CORSConfig | None:
    """CORS for the configured origins only, without credentials: the API uses no cookies, and the headers
    a frontend needs (edit token, author key, idempotency key, a moderator's bearer token) are named one by one."""
    allowed = list(origins)
    if not allowed:
        return None
    return CORSConfig(
        allow_origins=allowed,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Idempotency-Key", "X-Edit-Token", "X-Author-Token", "Authorization"],
        expose_headers=_RATE_LIMIT_HEADERS,
        allow_credentials=False,
        max_age=600,
    )


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
_PAGE_POLICY = docs.PAGE_POLICY.encode()


_CACHE = b"cache-control"
_NO_STORE = b"no-store"
_PRIVATE_PATHS = ("/api/v1/admin", "/metrics")


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
            policy = _PAGE_POLICY
        if lowered not in _REPLACED and not (private and lowered == _CACHE):
            kept.append((name, value))
    kept += _EVERY
    kept.append((_CSP, policy))
    if private:
        kept.append((_CACHE, _NO_STORE))
    message["headers"] = kept


_REPLACED = frozenset(name for name, _ in _EVERY) | {_CSP}
