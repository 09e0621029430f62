"""Isso's SQLite database (the schema of Isso 0.12 to 0.14) read as threads of comments to import, unchanged."""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from parley.domain.importing import ImportedComment, ImportedThread
from parley.domain.records import Status

# Isso's `mode`: 1 accepted, 2 waiting for a moderator, 4 deleted (kept as a tombstone while it has replies).
_STATES = {1: Status.APPROVED, 2: Status.PENDING, 4: Status.REMOVED}

_THREADS = "SELECT id, uri, title FROM threads ORDER BY id"
_COMMENTS = """
SELECT tid, id, parent, created, mode, remote_addr, text, author, email, website
  FROM comments ORDER BY tid, id
"""


def read(path: str) -> tuple[list[ImportedThread], Counter[str]]:
    """Every thread with its comments, and what could not be read (comments of no thread, impossible dates)."""
    dropped: Counter[str] = Counter()
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        threads = {row["id"]: (row["uri"] or "", row["title"] or "") for row in conn.execute(_THREADS)}
        comments: dict[int, list[ImportedComment]] = {tid: [] for tid in threads}
        for row in conn.execute(_COMMENTS):
            if row["tid"] not in threads:
                dropped["comment of no thread: dropped"] += 1
                continue
            created = row["created"]
            if not isinstance(created, int | float) or not math.isfinite(created) or not 0 < created < 253402300800:
                dropped["comment with an impossible date: dropped"] += 1
                continue
            comments[row["tid"]].append(
                ImportedComment(
                    key=str(row["id"]),
                    parent_key=None if row["parent"] is None else str(row["parent"]),
                    created_at=datetime.fromtimestamp(created, UTC),
                    state=_STATES.get(row["mode"]),
                    author=row["author"] or "",
                    email=row["email"] or "",
                    website=row["website"] or "",
                    body=row["text"] or "",
                    address=row["remote_addr"] or "",
                )
            )
    found = [ImportedThread(uri=threads[tid][0], title=threads[tid][1], comments=comments[tid]) for tid in threads]
    return found, dropped
