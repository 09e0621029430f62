"""An author's own data by e-mail: everything they wrote, through a signed link only that address receives,
and their way out of reply notices."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from parley.domain import notices, shapes
from parley.domain.errors import InvalidInput, NotFound, Unavailable
from parley.domain.identity import Hasher
from parley.domain.notices import MailConfig
from parley.domain.ports import Store
from parley.domain.records import Clock, Status


class Written(msgspec.Struct, frozen=True, kw_only=True):
    """One comment in an author's export, as its author may see it."""

    id: int
    article: str
    article_title: str
    parent_id: int | None
    status: Status
    author_name: str
    author_url: str | None
    body: str
    created_at: datetime
    edited_at: datetime | None


class AuthorService:
    def __init__(self, store: Store, hasher: Hasher, clock: Clock, mail: MailConfig) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock
        self._mail = mail

    async def request_export(self, email: str) -> None:
        """Queue the link to this address's comments, if it wrote any and had none sent recently. The caller
        learns nothing either way: the answer is the same, and only the address's owner reads the e-mail."""
        if not self._mail.enabled:
            raise Unavailable("this site sends no e-mail, so exports by e-mail are not offered")
        email = email.strip()
        if not shapes.is_mailbox(email):
            raise InvalidInput("email", "must be one plain e-mail address (name@example.org)")
        email_hash = self._hasher.email(email)
        # The same work for every address: whether it wrote anything is looked up when the e-mail is about to
        # be sent (no comments: it is called off), so neither the answer nor its timing tells.
        async with self._store.writing() as tx:
            now = self._clock()
            since = now - timedelta(minutes=self._mail.export_every_minutes)
            if await tx.outbound.mailed_since(email_hash, "export", since):
                return
            await tx.outbound.enqueue(notices.export_letter(email, email_hash, self._hasher, self._mail, now))

    async def export(self, token: str) -> list[Written]:
        """Every comment written with the address a valid, unexpired export link names, oldest first."""
        named = self._hasher.signed("export", token, now=int(self._clock().timestamp()))
        if named is None or len(named) != 96:
            raise NotFound("export link", "(invalid or expired; ask for a new one)")
        email_hash, mailbox = named[:64], named[64:]
        async with self._store.reading(heavy=True) as tx:
            written = []
            titles: dict[int, tuple[str, str]] = {}
            for comment in await tx.comments.by_email_hash(email_hash):
                if not comment.author_email or self._hasher.mailbox(comment.author_email)[:32] != mailbox:
                    continue  # the same address to the moderation rules, another mailbox: not theirs
                if comment.article_id not in titles:
                    article = await tx.articles.by_id(comment.article_id)
                    titles[comment.article_id] = (article.slug, article.title)
                slug, title = titles[comment.article_id]
                written.append(
                    Written(
                        id=comment.id,
                        article=slug,
                        article_title=title,
                        parent_id=comment.parent_id,
                        status=comment.as_told,
                        author_name=comment.author_name,
                        author_url=comment.author_url,
                        body=comment.body,
                        created_at=comment.created_at,
                        edited_at=comment.edited_at,
                    )
                )
            return written

    def unsubscribing(self, token: str) -> str:
        """The address hash an unsubscribe link names, or NotFound: links never expire, but cannot be forged."""
        email_hash = self._hasher.signed("unsubscribe", token, now=0)
        if email_hash is None:
            raise NotFound("unsubscribe link", "(not valid)")
        return email_hash

    async def unsubscribe(self, token: str) -> None:
        """No more reply notices to this address, from any comment, now or later (RFC 8058's one click)."""
        email_hash = self.unsubscribing(token)
        async with self._store.writing() as tx:
            await tx.outbound.opt_out(email_hash, at=self._clock())
