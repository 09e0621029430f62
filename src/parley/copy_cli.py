"""`parley copy --from … --to …`: moving a site between SQLite and PostgreSQL (or between two of either)."""

from __future__ import annotations

import asyncio
import sys

import click

from parley.opening import open_store
from parley.settings import Settings
from parley.storage import jsonl
from parley.storage.copying import CopyError
from parley.storage.moving import (
    TableCheck,
    address,
    copy_site,
    open_side,
    open_source,
    remove_sqlite,
    same_file,
    target_is,
    totals,
)


@click.command("copy")
@click.option("--from", "source", required=True, help="The site's database now: postgresql://… or sqlite:///path.")
@click.option("--to", "target", required=True, help="Where it moves: postgresql://… or sqlite:///path.")
@click.option("--replace", is_flag=True, help="Empty a target that already holds a site (a SQLite file is removed).")
@click.option("--batch", type=click.IntRange(1, 100_000), default=1000, show_default=True, help="Rows per batch.")
def copy_command(source: str, target: str, replace: bool, batch: int) -> None:
    """Copy every table, keeping every id, hash and audit event; then compare row counts and checksums.

    Stop the service (or accept that comments written during the copy stay behind) and point it at the target
    afterwards. The source is only read, and must hold a site at the current schema (`parley migrate` it first);
    the target is made or brought to the current schema.
    """
    origin, destination = address(source), address(target)
    if same_file(origin, destination):
        raise CopyError("the source and the target are the same database")
    checks = asyncio.run(_copy(origin, destination, batch=batch, replace=replace))
    width = max(len(check.table) for check in checks)
    for check in checks:
        mark = "ok" if check.ok else "MISMATCH"
        click.echo(
            f"{check.table:<{width}}  {check.source_rows:>9} → {check.target_rows:<9}  {check.target_sum}  {mark}"
        )
    if not all(check.ok for check in checks):
        raise CopyError("the target does not match the source; it keeps what was copied, for inspection")
    click.echo(f"copied {sum(check.source_rows for check in checks)} rows; every table checks out")


async def _copy(origin: Settings, destination: Settings, *, batch: int, replace: bool) -> list[TableCheck]:
    click.echo(f"parley: database {origin.where} (source)", err=True)
    source = await open_source(origin)
    try:
        # Nothing is removed or emptied before the source is known to be a site, and another database.
        if await target_is(source, destination):
            raise CopyError("the source and the target are the same database")
        if replace and not destination.postgres:
            remove_sqlite(destination.database)
        click.echo(f"parley: database {destination.where} (target)", err=True)
        await (await open_store(destination)).close()  # made, or brought to the current schema
        target = await open_side(destination)
    except BaseException:
        await source.close()
        raise
    try:
        stderr = sys.stderr
        with click.progressbar(length=await totals(source), label="copying", file=stderr) as bar:
            return await copy_site(source, target, batch=batch, replace=replace, progress=bar.update)
    finally:
        await source.close()
        await target.close()


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "kind", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--database", "database", type=str, default=None, help="SQLite file, or a postgresql:// URL.")
@click.option("--batch", type=click.IntRange(1, 100_000), default=1000, show_default=True, help="Rows per batch.")
def export_command(path: str, kind: str, database: str | None, batch: int) -> None:
    """Write the whole site, every table and column, as JSON lines (re-imported by `parley import parley`)."""
    from parley.cli import settings_from, using  # (the command line this command joins)

    settings = using(settings_from(database=database))

    async def work() -> dict[str, int]:
        source = await open_source(settings)
        try:
            with click.progressbar(length=await totals(source), label="exporting", file=sys.stderr) as bar:
                return await jsonl.export(source, path, batch=batch, progress=bar.update)
        finally:
            await source.close()

    counts = asyncio.run(work())
    click.echo(f"exported {sum(counts.values())} rows of {len(counts)} tables to {path}")


@click.command("parley")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace", is_flag=True, help="Empty a database that already holds a site first.")
@click.option("--database", "database", type=str, default=None, help="SQLite file, or a postgresql:// URL.")
@click.option("--batch", type=click.IntRange(1, 100_000), default=1000, show_default=True, help="Rows per batch.")
def import_parley(path: str, replace: bool, database: str | None, batch: int) -> None:
    """Import a `parley export` file whole: every id, hash and audit event, then each table checked."""
    from parley.cli import settings_from, using

    destination = using(settings_from(database=database), create=True)
    source = jsonl.JsonlSide(path)
    if replace and not destination.postgres:
        remove_sqlite(destination.database)
    checks = asyncio.run(_into(source, destination, batch=batch, replace=replace))
    for check in checks:
        expected = (source.counts.get(check.table, 0), source.sums.get(check.table))
        if (check.target_rows, check.target_sum) != expected or not check.ok:
            raise CopyError(f"{check.table} does not match the export after the import")
    click.echo(f"imported {sum(check.target_rows for check in checks)} rows; every table matches the export")


async def _into(source: jsonl.JsonlSide, destination: Settings, *, batch: int, replace: bool) -> list[TableCheck]:
    await (await open_store(destination)).close()  # made, or brought to the current schema
    target = await open_side(destination)
    try:
        with click.progressbar(length=await totals(source), label="importing", file=sys.stderr) as bar:
            return await copy_site(source, target, batch=batch, replace=replace, progress=bar.update)
    finally:
        await target.close()
