"""What a refused value should have been, in words a form can show, read from the type that refused it."""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Any

import msgspec
from msgspec import inspect

from parley.domain import shapes
from parley.domain.paging import MAX_ID

# The shapes a pattern stands for, as a form would say them after "must be".
PATTERNS = {
    shapes.ID: "an id: digits, not starting with 0",
    shapes.SLUG: "lower-case letters and digits, in words joined by single hyphens",
    shapes.NAME: "a name that shows (not only spaces or invisible characters), without control characters",
    shapes.BODY: "text that shows (not only spaces or invisible characters), without control characters",
    shapes.EMAIL: "a valid e-mail address",
    shapes.EMAIL_OR_NOTHING: "a valid e-mail address (or empty)",
    shapes.URL_OR_NOTHING: "a web address that starts with http:// or https:// (or empty)",
    shapes.ADDRESS: "an IPv4 or IPv6 address, or a network such as 192.0.2.0/24",
}


def must_be(kind: Any) -> str:
    """'must be …' for a value of this annotation (Annotated constraints included)."""
    return "must be " + _expected(_info(kind))


@functools.lru_cache(maxsize=256)  # one entry per declared type: the app's own annotations, a fixed set
def _info(kind: Any) -> inspect.Type:
    return inspect.type_info(kind)


def parameter_type(annotation: Any, constraints: dict[str, Any]) -> Any:
    """A parameter's annotation with the limits its marker declares, as one type `must_be` can read."""
    kind = _without_none(annotation)
    given = {name: value for name, value in constraints.items() if value is not None}
    return Annotated[kind, msgspec.Meta(**given)] if given else kind


def _without_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _expected(kind: inspect.Type) -> str:
    if isinstance(kind, inspect.Metadata):
        return _expected(kind.type)
    if isinstance(kind, inspect.UnionType):
        return " or ".join(_expected(each) for each in kind.types if not isinstance(each, inspect.NoneType))
    if isinstance(kind, inspect.StrType):
        return _text(kind)
    if isinstance(kind, inspect.BoolType):
        return "true or false"
    if isinstance(kind, inspect.IntType):
        # Ids travel as strings of digits on the wire, whatever type reads them from a path or query.
        return PATTERNS[shapes.ID] if (kind.ge, kind.le) == (1, MAX_ID) else "a whole number" + _range(kind)
    if isinstance(kind, inspect.FloatType):
        return "a number" + _range(kind)
    if isinstance(kind, inspect.EnumType | inspect.LiteralType):
        values = [member.value for member in kind.cls] if isinstance(kind, inspect.EnumType) else kind.values
        return "one of " + ", ".join(str(value) for value in values)
    if isinstance(kind, inspect.ListType | inspect.VarTupleType | inspect.SetType):
        return f"a list{_count(kind.min_length, kind.max_length, 'item')} of which each is {_expected(kind.item_type)}"
    if isinstance(kind, inspect.DateTimeType):
        return "a date and time with its offset, such as 2026-01-15T12:00:00Z"
    if isinstance(kind, inspect.StructType | inspect.DictType):
        return "an object"
    return "a valid value"


def _text(kind: inspect.StrType) -> str:
    shape = PATTERNS.get(kind.pattern or "")
    if shape is None:
        return "text" + _count(kind.min_length, kind.max_length, "character")
    length = _count(kind.min_length, kind.max_length, "character").removeprefix(" of")
    return f"{shape},{length} long" if length else shape


def _count(least: int | None, most: int | None, unit: str) -> str:
    if least and most:
        return f" of {least} to {most} {unit}s"
    if most is not None:
        return f" of at most {most} {unit}s"
    if least:
        return f" of at least {least} {unit}{'s' if least > 1 else ''}"
    return ""


def _range(kind: inspect.IntType | inspect.FloatType) -> str:
    low = kind.ge if kind.ge is not None else (None if kind.gt is None else f"above {kind.gt}")
    high = kind.le if kind.le is not None else (None if kind.lt is None else f"below {kind.lt}")
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    return ""
