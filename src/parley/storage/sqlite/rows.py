"""Rows read by column name into records: a column's place in a table or a SELECT never matters.

Every connection hands out `sqlite3.Row`s. `record` builds a msgspec Struct from the columns named like its
fields (JSON text columns decoded first), converting SQLite's text and integers to the fields' types; `columns`
writes the SELECT list of a Struct's fields, so that a list and its Struct cannot drift apart.
"""

from __future__ import annotations

import sqlite3
from typing import Any, TypeVar

import msgspec

from parley.domain.records import Comment

S = TypeVar("S", bound=msgspec.Struct)


def columns(kind: type[msgspec.Struct], table: str = "") -> str:
    """`a.x, a.y, ...`: the columns named like the Struct's fields, in the Struct's order."""
    prefix = f"{table}." if table else ""
    return ", ".join(f"{prefix}{name}" for name in kind.__struct_fields__)


def record(kind: type[S], row: sqlite3.Row, *, json: tuple[str, ...] = (), **given: Any) -> S:
    """A `kind` from the row's columns of the same names; `json` names text columns holding JSON, and `given`
    supplies fields that are not columns of the row."""
    values: dict[str, Any] = dict(given)
    names = row.keys()
    for name in kind.__struct_fields__:
        if name in values or name not in names:
            continue
        value = row[name]
        values[name] = msgspec.json.decode(value) if name in json and value is not None else value
    return msgspec.convert(values, kind, strict=False)


COLUMNS = columns(Comment, "c")


def comment(row: sqlite3.Row) -> Comment:
    return record(Comment, row, json=("rules",))
