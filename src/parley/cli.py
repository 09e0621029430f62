"""The `parley` command: serve, worker, migrate, seed, backup, purge, token; each failure is one line, exit 1 or 2."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import click
import msgspec

from parley.copy_cli import copy_command, export_command, import_parley
from parley.domain.access import CLI_ACTOR, TokenService
from parley.domain.articles import ArticleService
from parley.domain.errors import DomainError
from parley.domain.identity import Hasher
from parley.domain.ports import Store
from parley.domain.privacy import PrivacyService
from parley.domain.records import Role, utcnow
from parley.import_cli import import_group
from parley.opening import hashing_key, open_store, services_for
from parley.outbound import worker
from parley.seeding import SeedError, load
from parley.settings import Settings, SettingsError
from parley.storage.copying import CopyError
from parley.storage.postgres.database import schema_version
from parley.storage.sqlite.backup import backup
from parley.storage.sqlite.database import checkpoint, migrate

if TYPE_CHECKING:
    from litestar import Litestar

T = TypeVar("T")

database_option = click.option(
    "--database",
    "database",
    type=str,
    default=None,
    help="SQLite file, or a postgresql:// URL (default PARLEY_DATABASE_URL, else PARLEY_DATABASE or ./parley.db).",
)


class NoDatabase(Exception):
    """A command that works on an existing database was pointed at a file that is not there."""


def settings_from(**overrides: Any) -> Settings:
    """The environment's settings; `--database` names a SQLite file or, as a postgresql:// URL, a PostgreSQL one."""
    named = overrides.get("database")
    if isinstance(named, str) and named.startswith(("postgresql://", "postgres://")):
        overrides["database"], overrides["database_url"] = None, named
    elif named is not None:
        overrides["database_url"] = ""
    return Settings.from_env(os.environ, **overrides)


def using(settings: Settings, *, create: bool = False) -> Settings:
    """Say on stderr which database a command opens; refuse a missing one unless the command makes it."""
    where = settings.where
    if not create and not settings.postgres and not os.path.exists(where):
        raise NoDatabase(
            f"no database at {where}: run this where the service runs, pass --database or PARLEY_DATABASE, "
            "or create one with `parley migrate` (or `parley serve`)"
        )
    click.echo(f"parley: database {where}", err=True)
    return settings


async def store_version(settings: Settings) -> int:
    """The schema version of the PostgreSQL database the settings name (opening the store migrated it)."""
    return await schema_version(settings.database_url)


def run(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open the store, do one piece of work, close it."""

    async def main() -> T:
        store = await open_store(settings)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(main())


async def seed_store(store: Store, settings: Settings, *, only_if_empty: bool) -> int:
    """Load the seed articles; on first start only when the database has no article yet."""
    articles = ArticleService(store, utcnow)
    if only_if_empty and await articles.total():
        return 0
    return await articles.seed(load(settings.seeds_path))


@click.group()
def cli() -> None:
    """parley: an async comment backend for news sites."""


@cli.command()
@click.option("--host", type=str, default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.option("--workers", type=int, default=None, help="Server processes (default PARLEY_WORKERS, or one per core).")
@database_option
def serve(host: str | None, port: int | None, workers: int | None, database: str | None) -> None:
    """Start the service; a new database is migrated and loaded with the seed articles first."""
    from parley.server import ParleyConfig, ServerLimits, serve

    settings = using(settings_from(host=host, port=port, workers=workers, database=database), create=True)
    run(settings, lambda store: seed_store(store, settings, only_if_empty=True))
    figures = tempfile.mkdtemp(prefix="parley-metrics-") if settings.processes > 1 else ""
    if figures:
        # Each worker keeps its metrics in files of one fresh folder, and /metrics sums them; prometheus-client
        # reads where from PROMETHEUS_MULTIPROC_DIR as a worker process imports it: its one way to be told.
        os.environ.update(PROMETHEUS_MULTIPROC_DIR=figures)
        settings = msgspec.structs.replace(settings, metrics_dir=figures)
    limits = ServerLimits(
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_connections=settings.max_connections,
        per_network=settings.connections_per_address,
        trusted_proxies=settings.trusted_proxies,
    )
    config = ParleyConfig(
        # The resolved settings travel to each worker inside the configuration uvicorn hands it.
        functools.partial(app_for, settings),
        limits=limits,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.processes,
        timeout_keep_alive=settings.keep_alive_timeout,
        proxy_headers=False,  # parley itself decides which proxies to believe (PARLEY_TRUSTED_PROXIES)
        access_log=False,  # parley writes its own one-line access log
        server_header=False,
        log_level="info",
        timeout_graceful_shutdown=10,
    )
    try:
        serve(config)
    finally:
        if figures:
            shutil.rmtree(figures, ignore_errors=True)


def app_for(settings: Settings) -> Litestar:
    """The application a server worker runs."""
    from parley.app import create_app  # only in workers: the supervisor never loads the web framework

    return create_app(settings)


def app_from_env() -> Litestar:
    """The application configured from PARLEY_* variables, for other ASGI servers (`granian --factory`)."""
    return app_for(settings_from())


@cli.command("migrate")
@database_option
def migrate_command(database: str | None) -> None:
    """Create the database or bring its schema up to date."""
    settings = using(settings_from(database=database), create=True)
    version = run(settings, lambda store: store_version(settings)) if settings.postgres else migrate(settings.database)
    click.echo(f"{settings.where}: schema version {version}")


@cli.command()
@database_option
def seed(database: str | None) -> None:
    """Load the seed articles that are not there yet; running it twice changes nothing."""
    settings = using(settings_from(database=database), create=True)
    added = run(settings, lambda store: seed_store(store, settings, only_if_empty=False))
    click.echo(f"{settings.where}: {added} seed article(s) added")


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@database_option
def backup_command(path: str, database: str | None) -> None:
    """Copy the database to PATH while the service runs (SQLite's online backup); PATH is replaced."""
    settings = using(settings_from(database=database))
    if settings.postgres:
        raise click.ClickException("back up a PostgreSQL database with its own tools: pg_dump, or a base backup")
    size = backup(settings.database, path)
    click.echo(f"{settings.database}: backed up to {path} ({size} bytes, integrity ok)")


@cli.command()
@click.option("--email", type=str, required=True, help="The email the author's comments were posted with.")
@database_option
def purge(email: str, database: str | None) -> None:
    """Anonymise every comment posted with this email; replies keep their place under tombstones."""
    settings = using(settings_from(database=database))

    async def work(store: Store) -> int:
        hasher = Hasher(await hashing_key(store, settings))
        return await PrivacyService(store, hasher, utcnow).purge(email, actor=CLI_ACTOR)

    count = run(settings, work)
    emptied = settings.postgres or checkpoint(settings.database)
    click.echo(f"{settings.where}: {count} comment(s) anonymised; the audit log records the purge")
    if not emptied:
        click.echo("note: the running service still reads old pages; they leave the WAL at its next checkpoint")


@cli.command("worker")
@database_option
def worker_command(database: str | None) -> None:
    """Deliver webhooks and e-mail from the outbox until stopped; run with PARLEY_OUTBOX_WORKER=false servers.
    One process of a deployment holds the outbox's lease at a time: a second one waits as a standby."""
    settings = using(settings_from(database=database))

    async def work(store: Store) -> None:
        hasher = Hasher(await hashing_key(store, settings))
        services = services_for(store, hasher, utcnow, settings)
        await services.dispatcher.begin()
        webhooks, mail = worker.senders(settings)
        running = worker.Worker(
            services.dispatcher,
            utcnow,
            webhooks=webhooks,
            mail=mail,
            poll_seconds=settings.outbox_poll_seconds,
            keep_days=settings.outbox_keep_days,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for stopping in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stopping, stop.set)
        click.echo(f"parley worker {running.holder}: delivering webhooks and e-mail", err=True)
        await running.run(stop)

    run(settings, work)


@cli.group()
def token() -> None:
    """Moderator and admin tokens."""


@token.command("create")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--name", type=str, required=True, help="Who holds it; audit events name them.")
@database_option
def token_create(role: str, name: str, database: str | None) -> None:
    """Print a new token once, alone on the last line; only its hash is stored."""
    settings = using(settings_from(database=database))
    made, secret = run(settings, lambda store: TokenService(store, utcnow).create(name, Role(role)))
    click.echo(f"created {made.role.value} token {made.name!r}; it is shown once, keep it now:")
    click.echo(secret)


@token.command("list")
@database_option
def token_list(database: str | None) -> None:
    """Name, role, created and last-used times of every token; never the token itself."""
    settings = using(settings_from(database=database))
    tokens = run(settings, lambda store: TokenService(store, utcnow).all())
    click.echo(f"{'NAME':24} {'ROLE':9} {'CREATED':20} {'LAST USED':20} REVOKED")
    for item in tokens:
        used = item.last_used_at.strftime("%Y-%m-%d %H:%M:%S") if item.last_used_at else "never"
        revoked = item.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if item.revoked_at else "-"
        click.echo(f"{item.name:24} {item.role.value:9} {item.created_at:%Y-%m-%d %H:%M:%S} {used:20} {revoked}")


@token.command("revoke")
@click.argument("name")
@database_option
def token_revoke(name: str, database: str | None) -> None:
    """End a token at once."""
    settings = using(settings_from(database=database))
    run(settings, lambda store: TokenService(store, utcnow).revoke(name))
    click.echo(f"revoked token {name!r}")


cli.add_command(copy_command)
cli.add_command(export_command)
cli.add_command(import_group)
import_group.add_command(import_parley)


def main(argv: list[str] | None = None) -> int:
    """Run the command; turn every expected failure into one line on stderr and exit status 1 or 2."""
    try:
        cli.main(args=argv, prog_name="parley", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("parley: aborted", err=True)
        return 1
    except click.ClickException as error:
        _fail(error.format_message())
        return 2
    except (
        SettingsError,
        SeedError,
        DomainError,
        NoDatabase,
        CopyError,
        sqlite3.Error,
        asyncpg.PostgresError,
        OSError,
    ) as error:
        _fail(error.detail if isinstance(error, DomainError) else str(error))
        return 1
    return 0


def _fail(message: str) -> None:
    # One line, whatever the message: click lists choices on lines of their own.
    click.echo(f"parley: error: {' '.join(message.split())}", err=True)


if __name__ == "__main__":
    sys.exit(main())
