"""Opening the store a deployment's settings name, the key its keyed hashes use, and the services the settings
shape: for the app and the CLI.

Apart from the app so that `parley serve`'s supervisor, which opens the store once to seed it, never imports the
web framework its workers run.
"""

from __future__ import annotations

import hashlib

from parley.domain.identity import Hasher
from parley.domain.notices import MailConfig
from parley.domain.outbox import Schedule
from parley.domain.ports import Store
from parley.domain.records import Clock
from parley.services import Services
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


def services_for(store: Store, hasher: Hasher, clock: Clock, settings: Settings) -> Services:
    """The services with what the settings say about e-mail, retries and the site's address."""
    mail = MailConfig(
        enabled=bool(settings.smtp_host),
        site_url=settings.site_url,
        moderators=settings.moderator_emails,
        digest_minutes=settings.moderator_digest_minutes,
        export_link_hours=settings.export_link_hours,
    )
    schedule = Schedule(attempts=settings.webhook_attempts, base_seconds=settings.webhook_retry_seconds)
    return Services(store, hasher, clock, mail=mail, schedule=schedule, site_url=settings.site_url)
