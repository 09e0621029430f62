"""Bringing another system's comments in: threads to articles, replies to their parents, states kept, every
body rendered by parley's own renderer; one transaction per thread, and a re-run adds nothing twice."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import msgspec

from parley.domain import networks, shapes, text, tree
from parley.domain.identity import Hasher
from parley.domain.policy import in_force
from parley.domain.records import (
    Article,
    ArticleDraft,
    Author,
    Clock,
    Comment,
    NewComment,
    NewEvent,
    Status,
)

if TYPE_CHECKING:
    from parley.domain.ports import ReadTx, Store, Tx

ANONYMOUS = "Anonymous"
UNKNOWN_NETWORK = "unknown"
"""What an imported comment's network is hashed as when the source kept no readable address."""
NAME_LENGTH = 80
_NAME = re.compile(shapes.NAME)
_URL = re.compile(shapes.URL_OR_NOTHING)
_SLUG_PART = re.compile(r"[^a-z0-9]+")
# What no text of parley's holds (PostgreSQL cannot even store NUL): shown as U+FFFD, and counted.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str, dropped: Counter[str], what: str) -> str:
    cleaned, replaced = _CONTROLS.subn("\ufffd", value)
    if replaced:
        dropped[f"{what} with control characters: each shown as U+FFFD"] += 1
    return cleaned


class ImportedComment(msgspec.Struct, frozen=True, kw_only=True):
    """One comment as the source keeps it; `state` is parley's status for it, or None when the source's is unknown."""

    key: str
    parent_key: str | None
    created_at: datetime
    state: Status | None
    author: str
    email: str
    website: str
    body: str
    address: str
    html: bool = False
    """The body is HTML (Disqus, WordPress), not Markdown (Isso)."""


class ImportedThread(msgspec.Struct, frozen=True, kw_only=True):
    uri: str
    title: str
    comments: list[ImportedComment]


class Report(msgspec.Struct, kw_only=True):
    """What an import did, or (dry run) would do; everything dropped or changed is counted with its reason."""

    source: str
    dry_run: bool
    threads: int = 0
    comments: int = 0
    imported: int = 0
    already_there: int = 0
    states: dict[str, int] = msgspec.field(default_factory=dict)
    orphans: int = 0
    created_articles: list[str] = msgspec.field(default_factory=list)
    unmapped: list[str] = msgspec.field(default_factory=list)
    dropped: dict[str, int] = msgspec.field(default_factory=dict)


class _Step(msgspec.Struct, frozen=True):
    item: ImportedComment
    status: Status
    digest: str
    parent_key: str | None


def _rendered(body: str, *, html: bool) -> str:
    if not body.strip():
        return ""
    return text.render_comment_html(body) if html else text.render_comment(body)


def slug_of(uri: str) -> str:
    """An article's slug as a thread's address suggests it: the last segment of its path."""
    segments = [part for part in urlsplit(uri).path.split("/") if part]
    last = segments[-1] if segments else ""
    last = re.sub(r"\.(html?|php|aspx?)$", "", last.lower())
    return _SLUG_PART.sub("-", last).strip("-")[:120]


class ImportService:
    """Imports threads into articles named by a mapping (URI → slug), or by the URI's last path segment, or
    made for them when asked."""

    def __init__(self, store: Store, hasher: Hasher, clock: Clock) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock

    async def run(
        self,
        source: str,
        threads: Iterable[ImportedThread],
        *,
        mapping: Mapping[str, str],
        create_articles: bool,
        dry_run: bool,
        progress: Callable[[int], None] = lambda _: None,
    ) -> Report:
        report = Report(source=source, dry_run=dry_run)
        states: Counter[str] = Counter()
        dropped: Counter[str] = Counter()
        for thread in threads:
            report.threads += 1
            report.comments += len(thread.comments)
            slug = mapping.get(thread.uri) or slug_of(thread.uri)
            if dry_run:
                async with self._store.reading() as tx:
                    article = await tx.articles.by_slug(slug, now=None) if slug else None
                    if article is not None or (create_articles and slug):
                        await self._plan(tx, source, thread, report, states, dropped)
                        if article is None:
                            report.created_articles.append(slug)
                        continue
            else:
                async with self._store.writing() as wtx:
                    article = await wtx.articles.by_slug(slug, now=None) if slug else None
                    if article is None and create_articles and slug:
                        article = await self._stub(wtx, slug, thread)
                        report.created_articles.append(slug)
                    if article is not None:
                        steps, existing = await self._plan(wtx, source, thread, report, states, dropped)
                        await self._apply(wtx, source, article, thread.uri, steps, existing, dropped)
                        progress(len(thread.comments))
                        continue
            report.unmapped.append(thread.uri)
            dropped["comment of a thread with no article"] += len(thread.comments)
            progress(len(thread.comments))
        report.states = dict(states)
        report.dropped = dict(dropped)
        return report

    async def _stub(self, tx: Tx, slug: str, thread: ImportedThread) -> Article:
        body = f"Comments imported from {thread.uri}."
        draft = ArticleDraft(
            slug=slug,
            title=_CONTROLS.sub("\ufffd", thread.title.strip() or thread.uri)[:300],
            author=Author("imported", "Imported"),
            published_at=min((c.created_at for c in thread.comments), default=self._clock()),
            body=body,
        )
        return await tx.articles.insert(
            draft, body_html=text.render_article(body), reading_minutes=1, now=self._clock()
        )

    async def _plan(
        self,
        tx: ReadTx,
        source: str,
        thread: ImportedThread,
        report: Report,
        states: Counter[str],
        dropped: Counter[str],
    ) -> tuple[list[_Step], dict[str, Comment]]:
        """The thread's comments oldest first, each with the parent it will hang under; those a run before
        imported are found again. A parent that is missing, later or itself leaves its reply at the top."""
        existing: dict[str, Comment] = {}
        known: set[str] = set()
        steps = []
        for item in sorted(thread.comments, key=lambda c: (c.created_at, c.key)):
            digest = self._hasher.imported(source, f"{thread.uri}\0{item.key}")
            found = await tx.comments.by_token_hash(digest)
            if found is not None:
                report.already_there += 1
                existing[item.key] = found
                known.add(item.key)
                continue
            status = item.state
            if status is None:
                dropped["unknown state: held for a moderator"] += 1
                status = Status.PENDING
            parent_key = item.parent_key if item.parent_key in known else None
            if item.parent_key and parent_key is None:
                report.orphans += 1
            steps.append(_Step(item, status, digest, parent_key))
            known.add(item.key)
            states[status.value] += 1
            report.imported += 1
        return steps, existing

    async def _apply(
        self,
        tx: Tx,
        source: str,
        article: Article,
        uri: str,
        steps: list[_Step],
        existing: dict[str, Comment],
        dropped: Counter[str],
    ) -> None:
        max_depth = (await in_force(tx)).max_depth
        placed = dict(existing)
        for step in steps:
            parent = placed.get(step.parent_key) if step.parent_key else None
            placed[step.item.key] = await self._insert(tx, source, article, parent, step, max_depth, dropped)
        if steps:
            reason = f"{source}: {len(steps)} comment(s) from {_CONTROLS.sub(chr(0xFFFD), uri)}"
            await tx.audit.append(NewEvent(actor="admin:cli", action="import", reason=reason, at=self._clock()))

    async def _insert(
        self,
        tx: Tx,
        source: str,
        article: Article,
        parent: Comment | None,
        step: _Step,
        max_depth: int,
        dropped: Counter[str],
    ) -> Comment:
        item = step.item
        if parent is not None:
            target = tree.reply_target(parent.id, parent.path, parent.depth, max_depth)
            if target != parent.id:
                dropped["reply deeper than max_depth: attached higher up"] += 1
                parent = await tx.comments.get(target) or parent
        name = item.author.strip()
        if len(name) > NAME_LENGTH:
            dropped[f"author name over {NAME_LENGTH} characters: cut"] += 1
            name = name[:NAME_LENGTH].strip()
        if not name or not _NAME.match(name):
            if name:
                dropped["author name with control characters: shown as Anonymous"] += 1
            name = ANONYMOUS
        email = item.email.strip() or None
        if email is not None and not shapes.is_email(email):
            dropped["e-mail that is no address: dropped"] += 1
            email = None
        url = item.website.strip() or None
        if url is not None and not url.lower().startswith(("http://", "https://")):
            url = "https://" + url
        if url is not None and (len(url) > 2000 or not _URL.match(url) or not shapes.is_url(url)):
            dropped["website that is no web address: dropped"] += 1
            url = None
        network = networks.key(item.address) if networks.parse(item.address) is not None else UNKNOWN_NETWORK
        body = _clean(item.body, dropped, "body")
        return await tx.comments.insert(
            NewComment(
                article_id=article.id,
                parent_id=None if parent is None else parent.id,
                parent_path=None if parent is None else parent.path,
                depth=0 if parent is None else parent.depth + 1,
                status=step.status,
                visible=step.status is Status.APPROVED,
                author_name=name,
                author_email=email,
                author_url=None if url is None else shapes.normal_url(url),
                email_hash=self._hasher.email(email) if email else None,
                author_key=self._hasher.author_key(name, email, network),
                # Shared by one author's imported comments; no one holds a token for it, so it earns no trust.
                author_token_hash=self._hasher.imported(source, f"author\0{(email or name).casefold()}"),
                address_hash=self._hasher.address(network),
                body=body,
                body_html=_rendered(body, html=item.html),
                body_hash=hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest(),
                created_at=item.created_at,
                edit_token_hash=step.digest,
                rules=(),
                told_status=step.status if step.status in (Status.APPROVED, Status.PENDING) else None,
            )
        )
