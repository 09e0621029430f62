"""Online backups of the SQLite file: one consistent copy, taken while the service goes on writing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def backup(database: str | Path, target: str | Path) -> int:
    """Copy `database` to `target` with SQLite's online backup API; returns the copy's size in bytes.

    The copy is written beside `target` and renamed over it only once it passes `PRAGMA integrity_check`,
    so a failed backup never leaves a half file where the last good one was."""
    source_path = Path(database).resolve()
    if not source_path.is_file():
        raise FileNotFoundError(f"no database at {source_path}")
    target_path = Path(target).resolve()
    partial = target_path.with_name(f".{target_path.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"{source_path.as_uri()}?mode=rw", uri=True)  # never creates a database
    try:
        source.execute("PRAGMA busy_timeout = 5000")
        copy = sqlite3.connect(partial)
        try:
            # All pages in one step: the copy is read inside one read transaction, a snapshot of committed
            # data that the service's writer (WAL) neither waits for nor changes under us.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
            copy.row_factory = sqlite3.Row
            verdict = copy.execute("PRAGMA integrity_check").fetchone()["integrity_check"]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"the copy failed its integrity check: {verdict}")
        finally:
            copy.close()
        os.replace(partial, target_path)
        _sync_folder(target_path.parent)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return target_path.stat().st_size


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable, not only the file's contents."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
