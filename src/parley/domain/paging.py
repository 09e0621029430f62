"""Pages of a list: opaque cursors (a page's last sort key, checked on the way back in) and the cut after a page."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

import msgspec

from parley.domain.errors import InvalidInput

T = TypeVar("T")
MAX_ID = 2**53 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """A time as whole microseconds since 1970, exact (no float on the way)."""
    return (moment - _EPOCH) // _MICRO


def from_micros(value: int) -> datetime:
    return _EPOCH + value * _MICRO


class Sort(StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    TOP = "top"


class Position(msgspec.Struct, frozen=True, array_like=True):
    """Where the previous page ended: its kind, a numeric key (score or time) and an id."""

    kind: str
    key: int
    id: int


def encode(kind: str, key: int, item_id: int) -> str:
    raw = msgspec.json.encode(Position(kind, key, item_id))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


_DECODER = msgspec.json.Decoder(Position)


# A key is a score or a time in microseconds: any instant a datetime can hold.
_KEYS = range(micros(datetime.min.replace(tzinfo=UTC)), micros(datetime.max.replace(tzinfo=UTC)) + 1)


def decode(cursor: str, kind: str) -> Position:
    """The position a cursor names, or InvalidInput if it was not made by `encode` for this kind of list."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = _DECODER.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidInput("cursor", "not a cursor this list gave out") from None
    if position.kind != kind or not (0 <= position.id <= MAX_ID) or position.key not in _KEYS:
        raise InvalidInput("cursor", "not a cursor this list gave out")
    return position


class Page(msgspec.Struct, Generic[T], frozen=True):
    """Some items of a list, and the cursor that asks for the ones after them (None after the last)."""

    items: list[T]
    next_cursor: str | None


def cut(fetched: Sequence[T], limit: int, after: Callable[[T], str]) -> Page[T]:
    """The page in `fetched`, a read of `limit + 1` items: one more than the page means a next page, whose cursor
    `after` makes from the page's last item."""
    if len(fetched) <= limit:
        return Page(list(fetched), None)
    items = list(fetched[:limit])
    return Page(items, after(items[-1]))
