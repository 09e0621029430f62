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

from parley.domain.lru import Bounded
from parley.domain.records import stamp

# Remembered answers: slugs anyone may ask for, known or made up, so bounded in entries and in bytes.
_MAX_ENTRIES = 20_000
_MAX_BYTES = 8 * 1024 * 1024


def _size(slug: str, _answer: object) -> int:
    return len(slug) + 64


class Glance:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._seen = -1
        self.versions: Bounded[str, tuple[int, int, str]] = Bounded(
            max_entries=_MAX_ENTRIES, max_bytes=_MAX_BYTES, size=_size
        )
        self.counts: Bounded[str, tuple[int, str] | None] = Bounded(
            max_entries=_MAX_ENTRIES, max_bytes=_MAX_BYTES, size=_size
        )

    def change_counter(self) -> int:
        """SQLite's data_version: it changes when any other connection commits (this one only reads)."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()["data_version"])

    def _fresh(self) -> None:
        """Forget everything remembered if anyone committed since the last look."""
        seen = self.change_counter()
        if seen != self._seen:
            self._seen = seen
            self.versions.clear()
            self.counts.clear()

    _VERSION = "SELECT id, version, published_at FROM articles WHERE slug = :slug"

    def article_version(self, slug: str, now: datetime) -> tuple[int, int] | None:
        self._fresh()
        found = self.versions.get(slug)
        if found is None:
            row = self._conn.execute(self._VERSION, {"slug": slug}).fetchone()
            if row is None:
                return None
            found = (int(row["id"]), int(row["version"]), str(row["published_at"]))
            self.versions.put(slug, found)
        article_id, version, published_at = found
        # Publication comes with time, not with a commit: compared on every look.
        return (article_id, version) if published_at <= stamp(now) else None

    _COUNTS = """
    SELECT slug, comment_count, published_at FROM articles WHERE slug IN (SELECT value FROM json_each(:slugs))
    """

    def comment_counts(self, slugs: Sequence[str], now: datetime) -> dict[str, int]:
        self._fresh()
        known: dict[str, tuple[int, str] | None] = {}
        missing = []
        for slug in slugs:
            if slug in self.counts:
                known[slug] = self.counts.get(slug)
            else:
                missing.append(slug)
        if missing:
            found: dict[str, tuple[int, str] | None] = dict.fromkeys(missing)
            encoded = msgspec.json.encode(missing).decode()
            for row in self._conn.execute(self._COUNTS, {"slugs": encoded}):
                found[row["slug"]] = (int(row["comment_count"]), str(row["published_at"]))
            for slug, answer in found.items():
                self.counts.put(slug, answer)
            known.update(found)
        moment = stamp(now)
        shown = {}
        for slug in slugs:
            answer = known.get(slug)
            if answer is not None:
                count, published_at = answer
                if published_at <= moment:
                    shown[slug] = count
        return shown

    def close(self) -> None:
        self._conn.close()
