"""The OpenAPI document: wire types described by msgspec itself, the library that enforces them."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import OpenAPI

REF_TEMPLATE = "#/components/schemas/{name}"


def _handlers(controllers: Iterable[type]) -> Iterator[HTTPRouteHandler]:
    for controller in controllers:
        seen: set[str] = set()
        for owner in controller.__mro__:
            for name, value in vars(owner).items():
                if isinstance(value, HTTPRouteHandler) and name not in seen:
                    seen.add(name)
                    yield value


def _strip(annotation: Any) -> Any:
    """The type inside `Annotated[...]` markers such as `JSONBody`."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def wire_types(controllers: Iterable[type]) -> tuple[Any, ...]:
    """Every request body, response body and documented error body the handlers of these controllers use."""
    found: dict[Any, None] = {}
    for handler in _handlers(controllers):
        hints = typing.get_type_hints(handler.fn, include_extras=True)
        for key in ("data", "return"):
            if key in hints:
                found[_strip(hints[key])] = None
        for spec in (handler.responses or {}).values():
            found[spec.data_container] = None
    return tuple(kind for kind in found if _describable(kind))


def _describable(kind: Any) -> bool:
    try:
        msgspec.json.schema(kind)
    except (TypeError, ValueError):
        return False
    return True


def _extras(types: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Rules a struct's fields cannot say on their own (`schema_extra`), by component name."""
    extras: dict[str, dict[str, Any]] = {}
    pending = list(types)
    while pending:
        info = msgspec.inspect.type_info(pending.pop())
        if isinstance(info, msgspec.inspect.StructType):
            extra = getattr(info.cls, "schema_extra", None)
            if isinstance(extra, dict):
                extras[info.cls.__name__] = extra
            pending.extend(
                field.type.cls for field in info.fields if isinstance(field.type, msgspec.inspect.StructType)
            )
    return extras


EXAMPLES = Path(__file__).with_name("examples.json")
"""Each operation's example request and answer, recorded from the real app by scripts/openapi_examples.py."""


def load_examples() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = msgspec.json.decode(EXAMPLES.read_bytes())
    return found


def _exemplified(operation: dict[str, Any], example: dict[str, Any]) -> None:
    """An operation's JSON request body and its success answer, each with its recorded example."""
    if "request" in example:
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            body["example"] = example["request"]
    if "response" in example:
        for status, answer in sorted(operation.get("responses", {}).items()):
            content = answer.get("content", {}).get("application/json") if status.startswith("2") else None
            if content is not None:
                content["example"] = example["response"]
                break


def _items_counted(schema: dict[str, Any]) -> None:
    """Litestar writes a list parameter's length limits as `minLength`/`maxLength`, which JSON Schema reads only
    on strings; on an array they are `minItems`/`maxItems`."""
    if schema.get("type") == "array":
        for text, array in (("minLength", "minItems"), ("maxLength", "maxItems")):
            if text in schema:
                schema[array] = schema.pop(text)


class _ExactDocument(OpenAPI):
    """Litestar's document with its component schemas replaced by msgspec's exact ones."""

    wire: tuple[Any, ...] = ()

    def to_schema(self) -> dict[str, Any]:
        document = super().to_schema()
        _schemas, components = msgspec.json.schema_components(self.wire, ref_template=REF_TEMPLATE)
        for name, extra in _extras(self.wire).items():
            components[name] = {**components[name], **extra}
        document.setdefault("components", {}).setdefault("schemas", {}).update(components)
        examples = load_examples()
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict):
                    continue
                for parameter in operation.get("parameters", []):
                    _items_counted(parameter.get("schema", {}))
                _exemplified(operation, examples.get(f"{method.upper()} {path}", {}))
        return document


@dataclass
class ExactOpenAPIConfig(OpenAPIConfig):
    """OpenAPIConfig whose document describes `wire` types exactly as msgspec validates and encodes them.

    Litestar's generator drops what msgspec enforces: closed objects (`forbid_unknown_fields`) and the limits on
    list items. A schema looser than the validator invites requests the server then refuses.
    """

    wire: tuple[Any, ...] = ()

    def to_openapi_schema(self) -> OpenAPI:
        base = super().to_openapi_schema()
        document = _ExactDocument(**{field.name: getattr(base, field.name) for field in fields(base)})
        document.wire = self.wire
        return document
