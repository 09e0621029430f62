"""Request bodies: JSON only, checked strictly against the documented type before Litestar reads them."""

from __future__ import annotations

import types
import typing
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from parley.http import refused
from parley.http.words import must_be

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
MAX_REFUSALS = 20
"""Refused fields named in one answer: enough for any form, and an answer no bigger than a hostile body."""


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
                await _check(request, handler, body_type)
        await app(scope, receive, send)

    return checking


def _body_type(handler: BaseRouteHandler) -> Any:
    """The declared type of a handler's `data`, or None for handlers that take no body."""
    declared = handler.parsed_fn_signature.parameters.get("data")
    return None if declared is None else declared.annotation


async def _check(request: Request[Any, Any, Any], handler: BaseRouteHandler, body_type: Any) -> None:
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
    refusals = refused_fields(document, body_type) if _struct_in(body_type) else [("body", must_be(body_type))]
    fields = [(field, message, "body") for field, message in refusals]
    if fields:
        # Litestar reads the parameters only after this: name theirs too, so that one answer says everything.
        found = [*refused.checked(handler, request.scope), *fields][:MAX_REFUSALS]
        raise ValidationException(
            detail="; ".join(f"{field}: {message}" for field, message, _ in found),
            extra=[{"key": field, "message": message, "source": source} for field, message, source in found],
        )


def refused_fields(document: Any, body_type: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Every field of `document` that `body_type` refuses, each judged on its own, in the type's field order.

    Fields are converted one at a time so that each refusal names its field and says, from the field's own type,
    what it must be; a rule across fields (a Struct's `__post_init__`) is judged once every field is right, and
    belongs to the body.
    """
    if not isinstance(document, dict):
        return [(prefix.rstrip(".") or "body", "must be an object")]
    fields = {field.encode_name: field for field in msgspec.structs.fields(body_type)}
    found: list[tuple[str, str]] = []
    for name, field in fields.items():
        if name not in document:
            if field.required:
                found.append((prefix + name, "this field is required"))
            continue
        value, inner = document[name], _struct_in(field.type)
        if inner is not None and isinstance(value, dict):
            found += refused_fields(value, inner, f"{prefix}{name}.")
            continue
        try:
            msgspec.convert(value, field.type, strict=True)
        except msgspec.ValidationError:
            found.append((prefix + name, must_be(field.type)))
    if body_type.__struct_config__.forbid_unknown_fields:
        found += [(prefix + name, "there is no such field") for name in document if name not in fields]
    if not found:
        try:
            msgspec.convert(document, body_type, strict=True)
        except msgspec.ValidationError as error:
            found.append((prefix.rstrip(".") or "body", str(error)))
    return found


def _struct_in(kind: Any) -> Any:
    """The Struct type a field holds, alone or beside None or UNSET; None for any other type."""
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return kind
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        held = [arg for arg in typing.get_args(kind) if isinstance(arg, type) and issubclass(arg, msgspec.Struct)]
        return held[0] if len(held) == 1 else None
    return None
