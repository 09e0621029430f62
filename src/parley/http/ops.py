"""Operations: liveness, readiness, one access-log line per request, and JSON-only writes."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.params import SkipValidation
from litestar.plugins.prometheus import PrometheusController
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


class MetricsController(PrometheusController):
    """Prometheus text exposition, documented as the text it is rather than as JSON."""

    tags = ["operations"]

    @get(media_type="text/plain", summary="Metrics")
    async def get(self) -> Response[bytes]:
        """Request counts and durations per route, in the Prometheus text format."""
        answer: Response[bytes] = await PrometheusController.get.fn(self)
        return answer


_JSON = (b"application/json", b"application/problem+json")
# msgspec's account of a refused value: "Expected `bool`, got `int` - at `$.comments_open`".
_WHERE = re.compile(r"^(?P<message>.*) - at `\$\.?(?P<field>[^`]*)`$", re.DOTALL)


def _integral(value: Any) -> Any:
    """JSON has numbers, not ints and floats: 5.0 is the integer 5, as JSON Schema's `integer` says."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    return value


async def json_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Writes take JSON only, typed as documented.

    A form or text/plain post from another site must not become a comment (415). And a JSON `0` is not `false`:
    Litestar converts bodies leniently, so the body is first checked strictly against the handler's own type.
    """
    content_type = connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type.encode() not in _JSON and not content_type.endswith("+json"):
        raise HTTPException(status_code=415, detail="send the body as application/json")
    body = handler.parsed_fn_signature.parameters.get("data")
    if body is None or not isinstance(connection, Request):
        return
    raw = await connection.body()
    if not raw:
        return
    try:
        document = _integral(msgspec.json.decode(raw))
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise ClientException(detail=f"the body is not JSON: {error}") from None
    except RecursionError:
        raise ClientException(detail="the body nests arrays or objects too deeply") from None
    try:
        msgspec.convert(document, body.annotation, strict=True)
    except msgspec.ValidationError as error:
        found = _WHERE.match(str(error))
        field, message = (found.group("field") or "body", found.group("message")) if found else ("body", str(error))
        raise ValidationException(
            detail=message, extra=[{"key": field, "message": message, "source": "body"}]
        ) from None


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
