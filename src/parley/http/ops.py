"""Operations: liveness, readiness, one access-log line per request, and JSON-only writes."""

from __future__ import annotations

import logging
import time
from typing import Any

import msgspec
from litestar import Controller, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler
from litestar.params import SkipValidation
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from parley.domain.ports import Store
from parley.http.errors import problems

access_log = logging.getLogger("parley.access")


class Health(msgspec.Struct, frozen=True):
    status: str


class OpsController(Controller):
    tags = ["operations"]

    @get("/healthz")
    async def healthz(self) -> Health:
        """The process is up."""
        return Health("ok")

    @get("/readyz", responses=problems(503))
    async def readyz(self, store: SkipValidation[NamedDependency[Store]]) -> Health:
        """The database answers."""
        if not await store.ping():
            raise HTTPException(status_code=503, detail="the database does not answer")
        return Health("ready")


_JSON = (b"application/json", b"application/problem+json")


def json_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Writes take JSON only: a form or text/plain post from another site must not become a comment."""
    content_type = connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type.encode() not in _JSON and not content_type.endswith("+json"):
        raise HTTPException(status_code=415, detail="send the body as application/json")


def access_logging(app: ASGIApp) -> ASGIApp:
    """One line per request: method, path, status, duration, client."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        method = scope["method"]
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            client = scope.get("client")
            access_log.info(
                '%s "%s %s" %d %.1fms',
                client[0] if client else "-",
                method,
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )

    return middleware
