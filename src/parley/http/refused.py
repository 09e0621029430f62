"""Refused parameters named as the client sent them, in words a form can show.

Litestar reports a parameter it cannot read under the handler's Python name (`queue_state` for `?state=`,
`edit_token` for `X-Edit-Token`) in msgspec's words, and a missing one without a name at all. `renamed`
renames each refusal after the parameter a client sends,
says what it must be from the parameter's declared type and limits, and names missing required ones. It runs
where the error becomes an answer (`errors.py`): Litestar catches a handler's exceptions below any middleware.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar.exceptions import ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.params import HeaderParameter, PathParameter, QueryParameter
from litestar.types import Scope

from parley.http.words import must_be, parameter_type

_MARKERS = {QueryParameter: "query", HeaderParameter: "header", PathParameter: "path"}


class Parameter:
    """One declared parameter: where it is sent, its wire name, whether it must be sent, what it must be."""

    def __init__(self, source: str, name: str, required: bool, kind: Any) -> None:
        self.source, self.name, self.required, self.kind = source, name, required, kind
        self.words = must_be(kind)
        self.many = (
            typing.get_origin(kind) is list
            or typing.get_origin(typing.get_args(kind)[0] if typing.get_args(kind) else None) is list
        )

    def refusal(self, sent: list[str]) -> str | None:
        """What is wrong with the values sent for this parameter, if anything."""
        if not sent:
            return "this parameter is required" if self.required else None
        try:
            msgspec.convert(sent if self.many else sent[-1], self.kind, strict=False)
        except msgspec.ValidationError:
            return self.words
        return None


def _is_list(kind: Any) -> bool:
    while typing.get_origin(kind) is typing.Annotated:
        kind = typing.get_args(kind)[0]
    return typing.get_origin(kind) is list


def parameters(handler: BaseRouteHandler) -> dict[str, Parameter]:
    """A handler's parameters by their Python names."""
    found = {}
    for name, field in handler.parsed_fn_signature.parameters.items():
        marker = field.kwarg_definition
        if not isinstance(marker, QueryParameter | HeaderParameter | PathParameter):
            continue
        source = _MARKERS[type(marker)]
        limits = {
            "ge": marker.ge,
            "gt": marker.gt,
            "le": marker.le,
            "lt": marker.lt,
            "min_length": marker.min_length,
            "max_length": marker.max_length,
            "pattern": marker.pattern,
        }
        required = not field.has_default and not field.is_optional
        found[name] = Parameter(source, marker.name or name, required, parameter_type(field.annotation, limits))
    return found


_known: dict[Any, dict[str, Parameter]] = {}
"""Each handler's parameters, read once: as many entries as the app has handlers."""


def declared(handler: BaseRouteHandler) -> dict[str, Parameter]:
    return _known.get(handler.fn) or _known.setdefault(handler.fn, parameters(handler))


def checked(handler: BaseRouteHandler, scope: Scope) -> list[tuple[str, str, str]]:
    """The refused query and header parameters of a request, judged as Litestar would read them: for a request
    whose body is refused before Litestar reads its parameters, so that one answer names everything."""
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        query.setdefault(key, []).append(value)
    headers: dict[str, list[str]] = {}
    for raw_name, raw_value in scope["headers"]:
        headers.setdefault(raw_name.decode("latin-1").lower(), []).append(raw_value.decode("latin-1"))
    found = []
    for parameter in declared(handler).values():
        if parameter.source == "query":
            problem = parameter.refusal(query.get(parameter.name, []))
        elif parameter.source == "header":
            problem = parameter.refusal(headers.get(parameter.name.lower(), []))
        else:
            continue
        if problem is not None:
            found.append((parameter.name, problem, parameter.source))
    return found


def renamed(refused: ValidationException, handler: BaseRouteHandler, query_string: bytes) -> ValidationException:
    """Litestar's refusal of a request's parameters, renamed as described above (body refusals stay as they are)."""
    # A missing parameter comes with no list at all: one unnamed refusal.
    extra = refused.extra if isinstance(refused.extra, list) else [{"message": refused.detail}]
    renamed_extra = _renamed(extra, declared(handler), query_string)
    return ValidationException(detail=refused.detail, extra=renamed_extra, headers=refused.headers)


def _renamed(extra: list[Any], declared: dict[str, Parameter], query_string: bytes) -> list[Any]:
    renamed, unnamed = [], []
    for item in extra:
        is_parameter = isinstance(item, dict) and item.get("source") != "body"
        parameter = declared.get(item.get("key") or "") if is_parameter else None
        if parameter is not None:
            renamed.append({"key": parameter.name, "message": parameter.words, "source": parameter.source})
        elif is_parameter and not item.get("key"):
            unnamed.append(item)
        else:
            renamed.append(item)
    missing = list(_missing(declared, query_string)) if unnamed else []
    return renamed + (missing or unnamed)


def _missing(declared: dict[str, Parameter], query_string: bytes) -> Iterator[dict[str, str]]:
    """Required query parameters the request does not carry (Litestar names none of them)."""
    sent = {name for name, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)}
    for parameter in declared.values():
        if parameter.source == "query" and parameter.required and parameter.name not in sent:
            yield {"key": parameter.name, "message": "this parameter is required", "source": "query"}
