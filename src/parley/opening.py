"""Opening the store a deployment's settings name, and the key its keyed hashes use: for the app and the CLI.

Apart from the app so that `parley serve`'s supervisor, which opens the store once to seed it, never imports the
web framework its workers run.
"""

from __future__ import annotations

import hashlib

from parley.domain.ports import Store
from parley.settings import Settings
from parley.storage.postgres.database import PgStore
from parley.storage.sqlite.database import SqliteStore


async def open_store(settings: Settings) -> Store:
    """The store the settings name, migrated and open: PostgreSQL for PARLEY_DATABASE_URL, else SQLite."""
    if settings.postgres:
        return await PgStore(settings.database_url, pool_size=settings.pool_size).open()
    return await SqliteStore(settings.database, readers=settings.readers, synchronous=settings.synchronous).open()


async def hashing_key(store: Store, settings: Settings) -> bytes:
    """PARLEY_SECRET if set, else a key made at the first start and kept in the database."""
    if settings.secret:
        return hashlib.sha256(settings.secret.encode()).digest()
    async with store.writing() as tx:
        return await tx.site.secret()
