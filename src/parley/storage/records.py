"""Rows read by column name into records, for every backend: a column's place in a table or a SELECT never
matters. `record` builds a msgspec Struct from the columns named like its fields; `columns` writes the SELECT
list of a Struct's fields, so that a list and its Struct cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import msgspec

S = TypeVar("S", bound=msgspec.Struct)


class Row(Protocol):
    """What both drivers' rows offer: `sqlite3.Row` and `asyncpg.Record`."""

    def keys(self) -> Any: ...
    def __getitem__(self, key: str, /) -> Any: ...


def columns(kind: type[msgspec.Struct], table: str = "") -> str:
    """`a.x, a.y, ...`: the columns named like the Struct's fields, in the Struct's order."""
    prefix = f"{table}." if table else ""
    return ", ".join(f"{prefix}{name}" for name in kind.__struct_fields__)


def record(kind: type[S], row: Row, *, decode: Callable[[str, Any], Any] | None = None, **given: Any) -> S:
    """A `kind` from the row's columns of the same names, converted to the fields' types; `decode` turns a stored
    value into the field's form (JSON text, say) first, and `given` supplies fields that are not columns."""
    values: dict[str, Any] = dict(given)
    names = set(row.keys())
    for name in kind.__struct_fields__:
        if name in values or name not in names:
            continue
        value = row[name]
        values[name] = decode(name, value) if decode is not None and value is not None else value
    return msgspec.convert(values, kind, strict=False)
