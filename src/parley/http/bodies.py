"""Request bodies: JSON only, checked strictly against the documented type before Litestar reads them."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
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


def json_bodies(app: ASGIApp) -> ASGIApp:
    """Writes take JSON only, typed as documented.

    A form or text/plain post from another site must not become a comment (415). And a JSON `0` is not `false`:
    Litestar converts bodies leniently, so the body is first checked strictly against the handler's own type.
    A middleware rather than a guard, because Litestar copies the route handler for every guard it runs.
    """

    async def checking(scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if scope["type"] == ScopeType.HTTP and scope["method"] in _WITH_BODY and handler is not None:
            body_type = _body_type(handler)
            if body_type is not None:
                request: Request[Any, Any, Any] = Request(scope, receive)
                # Who may send a body is settled before it is read: no 413, 415 or 422 (which would teach a
                # stranger the schema) before a 401.
                await handler.authorize_connection(request)
                # The request keeps the body it read in the scope, where the handler's request finds it again.
                await _check(request, body_type)
        await app(scope, receive, send)

    return checking


def _body_type(handler: BaseRouteHandler) -> Any:
    """The declared type of a handler's `data`, or None for handlers that take no body."""
    declared = handler.parsed_fn_signature.parameters.get("data")
    return None if declared is None else declared.annotation


async def _check(request: Request[Any, Any, Any], body_type: Any) -> None:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise HTTPException(status_code=415, detail="send the body as application/json")
    raw = await request.body()
    if not raw:
        return
    try:
        msgspec.json.decode(raw, type=body_type, strict=True)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        pass  # the slower reading below says exactly what is wrong, or accepts 5.0 as the integer 5
    else:
        return
    try:
        document = _integral(msgspec.json.decode(raw))
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise ClientException(detail=f"the body is not JSON: {error}") from None
    except RecursionError:
        raise ClientException(detail="the body nests arrays or objects too deeply") from None
    try:
        msgspec.convert(document, body_type, strict=True)
    except msgspec.ValidationError as error:
        found = _WHERE.match(str(error))
        field, message = (found.group("field") or "body", found.group("message")) if found else ("body", str(error))
        raise ValidationException(
            detail=message, extra=[{"key": field, "message": message, "source": "body"}]
        ) from None
