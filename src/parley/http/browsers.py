"""What browsers are told: CORS from the allow-list, no cross-site writes from elsewhere, security headers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar.config.cors import CORSConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard, Message, Scope

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
    a frontend needs (edit token, idempotency key, a moderator's bearer token) are named one by one."""
    allowed = list(origins)
    if not allowed:
        return None
    return CORSConfig(
        allow_origins=allowed,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Idempotency-Key", "X-Edit-Token", "Authorization"],
        expose_headers=_RATE_LIMIT_HEADERS,
        allow_credentials=False,
        max_age=600,
    )


def same_site_writes(origins: Iterable[str]) -> Guard:
    """A write a browser marks cross-site must come from an allowed origin: another site's page must not be
    able to make its readers' browsers post, edit or flag here."""
    allowed = frozenset(origin.lower() for origin in origins)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method", "GET") in _SAFE_METHODS:
            return
        if connection.headers.get("sec-fetch-site", "").lower() != "cross-site":
            return
        if connection.headers.get("origin", "").lower().rstrip("/") not in allowed:
            raise PermissionDeniedException(detail="writes from pages of another site are refused")

    return guard


async def security_headers(message: Message, scope: Scope) -> None:
    """Set on every response, errors included (a before-send hook sees what routing never reached)."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in EVERY_RESPONSE.items():
        headers[name] = value
    is_page = headers.get("content-type", "").startswith("text/html")
    headers["Content-Security-Policy"] = docs.PAGE_POLICY if is_page else DATA_POLICY
