"""Rows read by column name into records: a column's place in a table or a SELECT never matters.

Every connection hands out `sqlite3.Row`s. `record` builds a msgspec Struct from the columns named like its
fields (JSON text columns decoded first), converting SQLite's text and integers to the fields' types; `columns`
writes the SELECT list of a Struct's fields, so that a list and its Struct cannot drift apart.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import msgspec

from parley.domain.records import Comment
from parley.storage import records
from parley.storage.records import S


def columns(kind: type[msgspec.Struct], table: str = "") -> str:
    return records.columns(kind, table)


def record(kind: type[S], row: sqlite3.Row, *, json: tuple[str, ...] = (), **given: Any) -> S:
    """A `kind` from the row's columns of the same names; `json` names text columns holding JSON, and `given`
    supplies fields that are not columns of the row."""

    def decode(name: str, value: Any) -> Any:
        return msgspec.json.decode(value) if name in json else value

    return records.record(kind, row, decode=decode, **given)


COLUMNS = columns(Comment, "c")


def comment(row: sqlite3.Row) -> Comment:
    return record(Comment, row, json=("rules",))
