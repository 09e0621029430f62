"""Instants across the whole datetime range: fixed-width stamps and cursors that page through any year."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.domain import paging
from parley.domain.errors import InvalidInput
from parley.domain.records import stamp


@pytest.mark.parametrize("year", [1, 99, 780, 1999, 9999])
def test_a_stamp_has_the_same_width_in_every_year_and_reads_back(year: int) -> None:
    moment = datetime(year, 4, 22, 22, 48, 22, 302191, tzinfo=UTC)
    text = stamp(moment)
    assert len(text) == len("2026-01-02T03:04:05.000000Z")
    assert datetime.fromisoformat(text) == moment


@pytest.mark.parametrize("moment", [datetime.min, datetime(780, 1, 1), datetime.max])
def test_a_cursor_can_name_any_instant(moment: datetime) -> None:
    key = paging.micros(moment.replace(tzinfo=UTC))
    assert paging.decode(paging.encode("articles", key, 7), "articles") == paging.Position("articles", key, 7)


def test_a_cursor_past_the_last_instant_is_refused() -> None:
    key = paging.micros(datetime.max.replace(tzinfo=UTC)) + 1
    with pytest.raises(InvalidInput):
        paging.decode(paging.encode("articles", key, 7), "articles")
