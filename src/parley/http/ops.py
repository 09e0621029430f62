"""Operations: liveness, readiness, metrics, and one access-log line per request."""

from __future__ import annotations

import logging
import time

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.params import SkipValidation
from litestar.plugins.prometheus import PrometheusController
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from parley.domain.identity import Hasher
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


class MetricsController(PrometheusController):
    """Prometheus text exposition, documented as the text it is rather than as JSON."""

    tags = ["operations"]

    @get(media_type="text/plain", summary="Metrics")
    async def get(self) -> Response[bytes]:
        """Request counts and durations per route, in the Prometheus text format."""
        answer: Response[bytes] = await PrometheusController.get.fn(self)
        return answer


def access_logging(app: ASGIApp) -> ASGIApp:
    """One line per request: client, method, path, status, duration.

    The client is the start of the keyed hash parley keeps of its address (enough to follow one client
    through a log), never the address itself: addresses are kept only as keyed hashes, logs included.
    """

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
            access_log.info(
                '%s "%s %s" %d %.1fms',
                _who(scope),
                method,
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )

    return middleware


def _who(scope: Scope) -> str:
    client = scope.get("client")
    services = getattr(scope["litestar_app"].state, "services", None)
    if client is None or services is None:
        return "-"
    hasher: Hasher = services.hasher
    return "client:" + hasher.address(client[0])[:12]
