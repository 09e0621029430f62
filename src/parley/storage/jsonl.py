"""A whole site as JSON lines (`parley export --format jsonl`), and read back as a source for `parley copy`'s
machinery (`parley import parley`): every table, every column, nothing lost.

Line 1 names the format and each table's columns; then one line per row (`{"t": table, "r": [values]}`, in the
neutral form, instants as RFC 3339 text and bytes as `{"b64": …}`); the last line holds each table's row count
and checksum, which the import checks the target against.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from parley.domain.records import stamp
from parley.storage.copying import TABLES, CopyError, Row, Side, row_hash

FORMAT = "parley-export/1"
_SUM = 2**128


def _out(value: Any) -> Any:
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, bytes | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _in(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name.endswith("_at"):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    return value


async def export(source: Side, path: str, *, batch: int, progress: Callable[[int], None]) -> dict[str, int]:
    """Every table of `source` (read in one snapshot) into `path`, written beside it and renamed when whole."""
    partial = Path(path + ".partial")
    counts: dict[str, int] = {}
    sums: dict[str, str] = {}
    encoder = msgspec.json.Encoder()
    async with source.snapshot():
        columns = {table: await source.columns(table) for table in TABLES}
        out = await asyncio.to_thread(partial.open, "wb")
        try:
            await asyncio.to_thread(out.write, encoder.encode({"format": FORMAT, "columns": columns}) + b"\n")
            for table in TABLES:
                total, count = 0, 0
                async for rows in source.rows(table, columns[table], batch):
                    lines = b"".join(
                        encoder.encode({"t": table, "r": [_out(value) for value in row]}) + b"\n" for row in rows
                    )
                    await asyncio.to_thread(out.write, lines)
                    total = (total + sum(map(row_hash, rows))) % _SUM
                    count += len(rows)
                    progress(len(rows))
                counts[table], sums[table] = count, f"{total:032x}"
            await asyncio.to_thread(out.write, encoder.encode({"counts": counts, "sums": sums}) + b"\n")
            await asyncio.to_thread(_sync, out)
        finally:
            out.close()
    await asyncio.to_thread(partial.replace, path)
    return counts


def _sync(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


def _take(lines: BinaryIO, table: str, batch: int) -> list[list[Any]]:
    """The next `batch` rows of `table` from an open export (fewer at its end)."""
    found = []
    # Each row line starts with its table's name (the encoder keeps key order): no need to decode the others.
    prefix = b'{"t":' + msgspec.json.encode(table) + b","
    for line in lines:
        if line.startswith(prefix):
            found.append(msgspec.json.decode(line)["r"])
            if len(found) >= batch:
                break
    return found


class JsonlSide:
    """An export file as the source of a copy: its tables read back in the neutral form."""

    def __init__(self, path: str) -> None:
        self.where = path
        self._real = os.path.realpath(path)
        try:
            with open(path, "rb") as lines:
                first = msgspec.json.decode(lines.readline() or b"{}")
                last = b""
                for line in lines:
                    last = line
            footer = msgspec.json.decode(last or b"{}")
        except msgspec.DecodeError:
            raise CopyError(f"{path} is not a parley export ({FORMAT})") from None
        if not isinstance(first, dict) or first.get("format") != FORMAT:
            raise CopyError(f"{path} is not a parley export ({FORMAT})")
        if not isinstance(footer, dict) or "counts" not in footer:
            raise CopyError(f"{path} ends before its last line: the export is incomplete")
        self._columns: dict[str, list[str]] = first["columns"]
        self.counts: dict[str, int] = footer["counts"]
        self.sums: dict[str, str] = footer["sums"]

    async def columns(self, table: str) -> list[str]:
        return list(self._columns.get(table, []))

    async def count(self, table: str) -> int:
        return int(self.counts.get(table, 0))

    async def rows(self, table: str, columns: Sequence[str], batch: int) -> AsyncIterator[list[Row]]:
        order = self._columns[table]
        at = [order.index(name) for name in columns]
        lines = await asyncio.to_thread(Path(self.where).open, "rb")
        try:
            await asyncio.to_thread(lines.readline)
            while found := await asyncio.to_thread(_take, lines, table, batch):
                yield [tuple(_in(order[i], values[i]) for i in at) for values in found]
        finally:
            lines.close()

    async def write(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        raise CopyError("an export file is only read")

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        yield

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        raise CopyError("an export file is only read")
        yield  # pragma: no cover

    async def identity(self) -> tuple[object, ...]:
        return ("jsonl", self._real)

    async def close(self) -> None:
        return None
