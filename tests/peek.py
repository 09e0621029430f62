"""Facts read from a SQLite database behind the Store's back: what tests check and no use case needs."""

from __future__ import annotations

import sqlite3


def flags_on(database: str, comment_id: str | int) -> list[tuple[str, str | None]]:
    """The reason and note of every flag kept on a comment, oldest first."""
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT reason, note FROM flags WHERE comment_id = ? ORDER BY id", (int(comment_id),))
        return [(reason, note) for reason, note in rows]
