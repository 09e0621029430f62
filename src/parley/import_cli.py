"""`parley import isso FILE`: another comment system's history brought in, with a report of what it did."""

from __future__ import annotations

import asyncio
import csv
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import ParseError

import click
from defusedxml import DefusedXmlException

from parley.domain.identity import Hasher
from parley.domain.importing import ImportedThread, ImportService, Report
from parley.domain.records import utcnow
from parley.opening import hashing_key, open_store
from parley.settings import Settings
from parley.storage import exports, isso


def _mapping(path: str | None) -> dict[str, str]:
    """`uri,slug` rows (a header row `uri,slug` is skipped)."""
    if path is None:
        return {}
    found: dict[str, str] = {}
    with Path(path).open(newline="", encoding="utf-8") as rows:
        for number, row in enumerate(csv.reader(rows), 1):
            if len(row) != 2:
                raise click.ClickException(f"{path} line {number}: expected `uri,slug`")
            if (row[0].strip(), row[1].strip()) != ("uri", "slug"):
                found[row[0].strip()] = row[1].strip()
    return found


def _print(report: Report) -> None:
    verb = "would import" if report.dry_run else "imported"
    click.echo(f"{report.source}: {report.threads} thread(s), {report.comments} comment(s)")
    click.echo(f"  {verb}: {report.imported}; already there from an earlier run: {report.already_there}")
    for state, count in sorted(report.states.items()):
        click.echo(f"    {state}: {count}")
    click.echo(f"  replies whose parent is missing, started a thread: {report.orphans}")
    if report.created_articles:
        click.echo(f"  articles {'to create' if report.dry_run else 'created'}: {len(report.created_articles)}")
    if report.unmapped:
        click.echo(f"  threads with no article ({len(report.unmapped)}; --map or --create-articles):")
        for uri in report.unmapped[:20]:
            click.echo(f"    {uri}")
    for reason, count in sorted(report.dropped.items()):
        click.echo(f"  {reason}: {count}")


READERS: dict[str, Callable[[str], tuple[list[ImportedThread], Counter[str]]]] = {
    "isso": isso.read,
    "disqus": exports.disqus,
    "wordpress": exports.wordpress,
}


def run_import(source: str, settings: Settings, path: str, mapping: str | None, create: bool, dry_run: bool) -> Report:
    try:
        threads, unread = READERS[source](path)
    except (ParseError, DefusedXmlException, sqlite3.DatabaseError) as error:
        raise click.ClickException(f"{path} is not a readable {source} export: {error}") from None

    async def work() -> Report:
        store = await open_store(settings)
        try:
            service = ImportService(store, Hasher(await hashing_key(store, settings)), utcnow)
            total = sum(len(thread.comments) for thread in threads)
            with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
                report = await service.run(
                    source,
                    threads,
                    mapping=_mapping(mapping),
                    create_articles=create,
                    dry_run=dry_run,
                    progress=bar.update,
                )
        finally:
            await store.close()
        for reason, count in unread.items():
            report.dropped[reason] = report.dropped.get(reason, 0) + count
        return report

    return asyncio.run(work())


@click.group("import")
def import_group() -> None:
    """Bring in the comments of another comment system."""


def _command(source: str, what: str) -> click.Command:
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--map", "mapping", type=click.Path(exists=True, dir_okay=False), help="CSV of `uri,slug` rows.")
    @click.option("--create-articles", is_flag=True, help="Make an article for each thread no article matches.")
    @click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
    @click.option("--database", "database", type=str, default=None, help="SQLite file, or a postgresql:// URL.")
    def command(path: str, mapping: str | None, create_articles: bool, dry_run: bool, database: str | None) -> None:
        from parley.cli import settings_from, using  # (the command line this group joins)

        settings = using(settings_from(database=database))
        _print(run_import(source, settings, path, mapping, create_articles, dry_run))

    command.__doc__ = f"Import {what}: threads by URI, replies under their parents, states and times kept."
    return click.command(source)(command)


for _source, _what in (
    ("isso", "an Isso database (its SQLite file)"),
    ("disqus", "a Disqus export (XML)"),
    ("wordpress", "a WordPress export (WXR)"),
):
    import_group.add_command(_command(_source, _what))
