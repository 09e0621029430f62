"""Cheap reads for the hottest paths: inline unique-index lookups, remembered until the database changes.

Run on the event loop, not a reader thread: a lookup takes microseconds, less than any hop to a thread, and
WAL readers never wait for the writer. `PRAGMA data_version` changes when any other connection (this
process's writer, another worker's) commits, so answers are remembered exactly as long as they are true.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

import msgspec

from parley.domain.records import stamp

_MEMORY_LIMIT = 100_000  # remembered answers; unknown slugs asked for by anyone must not grow this forever


class Glance:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._seen = -1
        self._versions: dict[str, tuple[int, int, str]] = {}
        self._counts: dict[str, tuple[int, str] | None] = {}

    def change_counter(self) -> int:
        """SQLite's data_version: it changes when any other connection commits (this one only reads)."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _fresh(self) -> None:
        """Forget everything remembered if anyone committed since the last look."""
        seen = self.change_counter()
        if seen != self._seen or len(self._versions) + len(self._counts) > _MEMORY_LIMIT:
            self._seen = seen
            self._versions.clear()
            self._counts.clear()

    _VERSION = "SELECT id, version, published_at FROM articles WHERE slug = :slug"

    def article_version(self, slug: str, now: datetime) -> tuple[int, int] | None:
        self._fresh()
        found = self._versions.get(slug)
        if found is None:
            row = self._conn.execute(self._VERSION, {"slug": slug}).fetchone()
            if row is None:
                return None
            found = self._versions[slug] = (int(row[0]), int(row[1]), str(row[2]))
        article_id, version, published_at = found
        # Publication comes with time, not with a commit: compared on every look.
        return (article_id, version) if published_at <= stamp(now) else None

    _COUNTS = """
    SELECT slug, comment_count, published_at FROM articles WHERE slug IN (SELECT value FROM json_each(:slugs))
    """

    def comment_counts(self, slugs: Sequence[str], now: datetime) -> dict[str, int]:
        self._fresh()
        missing = [slug for slug in slugs if slug not in self._counts]
        if missing:
            self._counts.update(dict.fromkeys(missing))
            encoded = msgspec.json.encode(missing).decode()
            for slug, count, published_at in self._conn.execute(self._COUNTS, {"slugs": encoded}):
                self._counts[slug] = (int(count), str(published_at))
        moment = stamp(now)
        return {slug: found[0] for slug in slugs if (found := self._counts[slug]) is not None and found[1] <= moment}

    def close(self) -> None:
        self._conn.close()
