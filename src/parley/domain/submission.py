"""'Add yours': an author submits, edits and deletes a comment, each in one write transaction."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import datetime, timedelta

import msgspec

from parley.domain import networks, text, tree
from parley.domain.changes import is_visible, move
from parley.domain.errors import (
    Banned,
    CommentsClosed,
    Duplicate,
    Erased,
    Forbidden,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    ParentWaiting,
    RateLimited,
)
from parley.domain.identity import Client, Hasher, new_token, same_token, token_hash
from parley.domain.policy import Facts, Policy, Verdict, in_force, judge
from parley.domain.ports import ReadTx, Store, Tx
from parley.domain.records import Article, Clock, Comment, FirstAnswer, NewComment, NewEvent, Status
from parley.domain.transitions import Action


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """What a reader typed into 'Add yours'."""

    author_name: str
    body: str
    author_email: str | None = None
    author_url: str | None = None
    parent_id: int | None = None
    honeypot: bool = False
    notify_replies: bool = False
    """E-mail the author when a reply to this comment is approved (needs `author_email`)."""


class Submitted(msgspec.Struct, kw_only=True):
    """What a submission answers: the comment as its author sees it, the status they are told, and its two
    tokens (stored only as hashes, or sealed for a replay)."""

    comment: tree.Node
    status: Status
    edit_token: str
    edit_expires_at: datetime
    author_token: str


class Own(msgspec.Struct, frozen=True, kw_only=True):
    """An author's own comment as they see it, with the text they wrote: what they edit."""

    node: tree.Node
    body: str


class KeptComment(msgspec.Struct, frozen=True):
    """A replayed answer's comment as kept: its own shape, so a change to `tree.Node` cannot break old records."""

    id: int
    parent_id: int | None
    depth: int
    author_name: str | None
    author_url: str | None
    body_html: str | None
    created_at: str
    edited_at: str | None
    status: Status
    reply_count: int


class KeptReceipt(msgspec.Struct, frozen=True, tag="receipt/1", tag_field="kind"):
    """A first answer as kept for replays, tokens apart; the tag names its version, and a new shape gets a new tag
    (decoded beside this one) rather than changing it."""

    comment: KeptComment
    status: Status
    edit_expires_at: datetime

    @classmethod
    def of(cls, receipt: Submitted) -> KeptReceipt:
        node = receipt.comment
        name, url = (None, None) if node.author is None else (node.author.name, node.author.url)
        kept = KeptComment(
            node.id,
            node.parent_id,
            node.depth,
            name,
            url,
            node.body_html,
            node.created_at,
            node.edited_at,
            node.status,
            node.reply_count,
        )
        return cls(kept, receipt.status, receipt.edit_expires_at)

    def submitted(self, edit_token: str, author_token: str) -> Submitted:
        kept = self.comment
        author = None if kept.author_name is None else tree.Byline(kept.author_name, kept.author_url)
        node = tree.Node(
            id=kept.id,
            parent_id=kept.parent_id,
            depth=kept.depth,
            author=author,
            body_html=kept.body_html,
            created_at=kept.created_at,
            edited_at=kept.edited_at,
            status=kept.status,
            replies=[],
            reply_count=kept.reply_count,
        )
        return Submitted(
            comment=node,
            status=self.status,
            edit_token=edit_token,
            edit_expires_at=self.edit_expires_at,
            author_token=author_token,
        )


_KEPT = msgspec.json.Decoder(KeptReceipt)
REPLAY_WINDOW = timedelta(days=1)
"""How long an Idempotency-Key replays its first answer: retries come within minutes, a day is plenty."""


class Author(msgspec.Struct, frozen=True, kw_only=True):
    """Who is posting, as the rules see them: their author key, and the key duplicates and pace count by."""

    token: str
    token_hash: str
    known: bool
    """The key came with the request and some comment carries it: the author is who that key says."""
    key: str


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    """One submission as the rules judge it and the store keeps it."""

    article: Article
    policy: Policy
    draft: Draft
    body_html: str
    author: Author
    client: Client
    now: datetime


class SubmissionService:
    """The author's side of a comment: submit, edit within the window, delete."""

    def __init__(self, store: Store, hasher: Hasher, clock: Clock) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock

    async def submit(
        self,
        slug: str,
        draft: Draft,
        client: Client,
        idempotency_key: str | None = None,
        author_token: str | None = None,
    ) -> Submitted:
        """Store a comment or reply with the status the rules give it; replay the first answer for a known key."""
        # An unknown article is refused before the Markdown is rendered and a write begins: a flood of posts to
        # made-up slugs costs a lookup each. A retry with a key may still be owed its first answer, so it goes on.
        if not text.shows_something(draft.author_name):
            raise InvalidInput("author_name", "must contain a letter, digit or symbol that shows")
        if idempotency_key is None and await self._store.article_version(slug, now=self._clock()) is None:
            raise NotFound("article", slug)
        _require_visible_body(draft.body)
        body_html = await asyncio.to_thread(text.render_comment, draft.body)
        request_hash = hashlib.sha256(msgspec.json.encode((slug, draft))).hexdigest()
        scope = None
        if idempotency_key is not None:
            presented = token_hash(author_token) if author_token else None
            scope = self._hasher.idempotency_scope(idempotency_key, client.network, presented)
        async with self._store.writing() as tx:
            now = self._clock()
            if scope is not None and (replayed := await self._replay(tx, scope, request_hash, now)) is not None:
                return replayed
            article, policy = await self._open_article(tx, slug, now)
            author = await self._author(tx, draft, client, author_token)
            attempt = Attempt(
                article=article, policy=policy, draft=draft, body_html=body_html, author=author, client=client, now=now
            )
            receipt = await self._store_comment(tx, attempt, await self._judge(tx, attempt))
            if scope is not None:
                await self._remember(tx, scope, request_hash, receipt, now)
            return receipt

    async def _replay(self, tx: ReadTx, scope: str, request_hash: str, now: datetime) -> Submitted | None:
        """The first answer this client was given for this key, tokens included; None if there was none."""
        first = await tx.site.replay(scope, since=now - REPLAY_WINDOW)
        if first is None:
            return None
        if first.request_hash != request_hash:
            raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
        if not first.response or first.comment_id is None:
            raise Erased("the comment this Idempotency-Key created has been erased")
        edit, _, author = self._hasher.seal(scope, first.comment_id, first.sealed).decode("ascii").partition("\0")
        return _KEPT.decode(first.response).submitted(edit, author)

    async def _remember(self, tx: Tx, scope: str, request_hash: str, receipt: Submitted, now: datetime) -> None:
        """Keep the first answer for this client's retries, its tokens sealed."""
        comment_id = receipt.comment.id
        secrets = f"{receipt.edit_token}\0{receipt.author_token}".encode("ascii")
        kept = msgspec.json.encode(KeptReceipt.of(receipt))
        first = FirstAnswer(request_hash, kept, self._hasher.seal(scope, comment_id, secrets), comment_id)
        await tx.site.remember(scope, first, at=now, since=now - REPLAY_WINDOW)

    async def _open_article(self, tx: ReadTx, slug: str, now: datetime) -> tuple[Article, Policy]:
        article = await tx.articles.by_slug(slug, now=now)
        if article is None:
            raise NotFound("article", slug)
        policy = await in_force(tx)
        if policy.closes(article, now):
            raise CommentsClosed("comments on this article are closed")
        return article, policy

    async def _author(self, tx: ReadTx, draft: Draft, client: Client, author_token: str | None) -> Author:
        """The author key the request presents, if some comment carries it; else a new one for this author."""
        if author_token:
            presented = token_hash(author_token)
            if await tx.comments.knows_author(presented):
                return Author(token=author_token, token_hash=presented, known=True, key=presented)
        fresh = new_token()
        key = self._hasher.author_key(draft.author_name, draft.author_email, client.network)
        return Author(token=fresh, token_hash=token_hash(fresh), known=False, key=key)

    async def _banned(
        self, tx: ReadTx, email_hash: str | None, client: Client, author_token_hash: str | None, now: datetime
    ) -> bool:
        """A ban in force on the e-mail, the author key, or any network the client's address lies in."""
        prefixes = await tx.bans.prefixes(now=now)
        hashes = [self._hasher.address(name) for name in networks.within(client.address, prefixes)]
        return await tx.bans.matches(
            email_hash=email_hash, address_hashes=hashes, author_token_hash=author_token_hash, now=now
        )

    async def _judge(self, tx: ReadTx, attempt: Attempt) -> Verdict:
        """Bans, the author's pace, then the policy's rules over what readers would see."""
        draft, author, policy = attempt.draft, attempt.author, attempt.policy
        email_hash = self._hasher.email(draft.author_email) if draft.author_email else None
        known = author.token_hash if author.known else None
        banned = await self._banned(tx, email_hash, attempt.client, known, attempt.now)
        if banned and not policy.shadow_ban:
            raise Banned("you cannot comment here")
        since = attempt.now - timedelta(seconds=policy.author_rate_window_seconds)
        if await tx.comments.count_since(author.key, since) >= policy.author_rate_limit:
            raise RateLimited("too many comments from this author; wait a little", policy.author_rate_window_seconds)
        trusted = author.known and await tx.comments.has_approved(author.token_hash, draft.author_name)
        shown = text.shown(attempt.body_html, draft.author_name, draft.author_url or "")
        facts = Facts(trusted=trusted, banned=banned, honeypot=draft.honeypot)
        return judge(policy, attempt.article, shown, facts)

    async def _store_comment(self, tx: Tx, attempt: Attempt, verdict: Verdict) -> Submitted:
        """Insert the comment where it belongs and audit it; the receipt carries its two tokens."""
        article, policy, draft, author, now = (
            attempt.article,
            attempt.policy,
            attempt.draft,
            attempt.author,
            attempt.now,
        )
        parent_id, parent_path, depth = await self._reply_position(tx, article, policy, draft.parent_id, author)
        body_hash = hashlib.sha256(draft.body.encode("utf-8", "surrogatepass")).hexdigest()
        if await tx.comments.is_duplicate(article.id, author.key, body_hash):
            raise Duplicate("you already posted this comment on this article")
        edit_token = new_token()
        comment = await tx.comments.insert(
            NewComment(
                article_id=article.id,
                parent_id=parent_id,
                parent_path=parent_path,
                depth=depth,
                status=verdict.status,
                visible=is_visible(verdict.status, False, policy),
                author_name=draft.author_name,
                author_email=draft.author_email,
                author_url=draft.author_url,
                email_hash=self._hasher.email(draft.author_email) if draft.author_email else None,
                author_key=author.key,
                author_token_hash=author.token_hash,
                address_hash=self._hasher.address(attempt.client.network),
                body=draft.body,
                body_html=attempt.body_html,
                body_hash=body_hash,
                created_at=now,
                edit_token_hash=token_hash(edit_token),
                rules=verdict.rules,
                told_status=verdict.told,
            )
        )
        created = NewEvent(
            actor="author",
            action="create",
            reason=_fired(verdict),
            comment_id=comment.id,
            to_status=comment.status,
            at=now,
        )
        await tx.audit.append(created)
        if draft.notify_replies and draft.author_email:
            await tx.outbound.watch(comment.id, at=now)
        return Submitted(
            comment=tree.author_view(comment),
            status=verdict.told,
            edit_token=edit_token,
            edit_expires_at=now + timedelta(seconds=policy.edit_window_seconds),
            author_token=author.token,
        )

    async def _reply_position(
        self, tx: ReadTx, article: Article, policy: Policy, parent_id: int | None, author: Author
    ) -> tuple[int | None, str | None, int]:
        """A reply's parent must be a visible comment of the same article; too deep attaches higher up, and only
        to a comment readers can see. Its own author, replying to it while it waits, is told so."""
        if parent_id is None:
            return None, None, 0
        parent = await tx.comments.get(parent_id)
        if parent is None or parent.article_id != article.id:
            raise NotFound("comment", str(parent_id))
        if not parent.visible:
            own = author.known and parent.author_token_hash == author.token_hash
            if own and parent.as_told is Status.PENDING:
                raise ParentWaiting(parent.id)
            raise NotFound("comment", str(parent_id))
        target = tree.reply_target(parent.id, parent.path, parent.depth, policy.max_depth)
        if target != parent.id:
            ancestor = await tx.comments.get(target)
            if ancestor is None or not ancestor.visible:
                raise NotFound("comment", str(parent_id))
            parent = ancestor
        return parent.id, parent.path, parent.depth + 1

    async def _own(self, tx: ReadTx, comment_id: int, edit_token: str, now: datetime, policy: Policy) -> Comment:
        """The author's comment, if the token is its own and the edit window is still open."""
        comment = await tx.comments.get(comment_id)
        if comment is None:
            raise NotFound("comment", str(comment_id))
        if not same_token(edit_token, comment.edit_token_hash):
            raise Forbidden("this edit token does not belong to this comment")
        if now - comment.created_at > timedelta(seconds=policy.edit_window_seconds):
            raise Forbidden("the edit window of this comment has passed")
        if comment.status in (Status.REJECTED, Status.REMOVED):
            raise Forbidden(f"this comment was {comment.status.value} and can no longer be changed")
        return comment

    async def edit(
        self,
        comment_id: int,
        edit_token: str,
        body: str,
        client: Client,
        *,
        author_token: str | None = None,
        honeypot: bool = False,
    ) -> tree.Node:
        """An edit is judged as a new comment would be, on the same article, by the same author: an edit that a
        new comment's rules would hold takes the comment out of view and back to the queue, never out of it."""
        _require_visible_body(body)
        body_html = await asyncio.to_thread(text.render_comment, body)
        body_hash = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
        async with self._store.writing() as tx:
            now = self._clock()
            policy = await in_force(tx)
            comment = await self._own(tx, comment_id, edit_token, now, policy)
            article = await tx.articles.by_id(comment.article_id)
            if policy.closes(article, now):
                raise CommentsClosed("comments on this article are closed")
            if await tx.comments.repeats(comment.id, body_hash):
                raise Duplicate("you already posted this text on this article")
            verdict = await self._judge_edit(
                tx, article, policy, comment, body_html, client, now, author_token=author_token, honeypot=honeypot
            )
            comment = await tx.comments.set_body(
                comment,
                body=body,
                body_html=body_html,
                body_hash=body_hash,
                rules=verdict.rules,
                told_status=verdict.told,
                at=now,
            )
            await tx.audit.append(NewEvent.about(comment, "author", "edit", comment.status, _fired(verdict), now))
            action = _edit_action(comment.status, verdict.status)
            if action is not None:
                actor = f"rule:{verdict.rules[0]}" if verdict.rules else "system"
                comment = await move(tx, comment, action, actor=actor, reason="edited", policy=policy, at=now)
            return tree.author_view(comment)

    async def _judge_edit(
        self,
        tx: ReadTx,
        article: Article,
        policy: Policy,
        comment: Comment,
        body_html: str,
        client: Client,
        now: datetime,
        *,
        author_token: str | None,
        honeypot: bool,
    ) -> Verdict:
        """The rules of a new comment; trusted only if the request holds the author key the comment was posted
        with and that key is a returning author's. The comment's own approval vouches for its old text only."""
        banned = await self._banned(tx, comment.email_hash, client, comment.author_token_hash, now)
        if banned and not policy.shadow_ban:
            raise Banned("you cannot comment here")
        held = comment.author_token_hash
        same = bool(author_token and held and hmac.compare_digest(token_hash(author_token), held))
        trusted = same and held is not None and await tx.comments.has_approved(held, comment.author_name)
        shown = text.shown(body_html, comment.author_name, comment.author_url or "")
        return judge(policy, article, shown, Facts(trusted=trusted, banned=banned, honeypot=honeypot))

    async def delete(self, comment_id: int, edit_token: str) -> None:
        """The author takes a comment down; replies under it stay, under a tombstone."""
        async with self._store.writing() as tx:
            now = self._clock()
            policy = await in_force(tx)
            comment = await self._own(tx, comment_id, edit_token, now, policy)
            await move(tx, comment, Action.DELETE, actor="author", reason=None, policy=policy, at=now)

    async def own(self, comment_id: int, edit_token: str) -> Own:
        """The author's own comment with the Markdown they wrote, while its token and edit window still hold."""
        async with self._store.reading() as tx:
            now = self._clock()
            comment = await self._own(tx, comment_id, edit_token, now, await in_force(tx))
        return Own(node=tree.author_view(comment), body=comment.body)


def _require_visible_body(body: str) -> None:
    """A comment must be written in characters that show: zero-width and blank ones alone are no comment."""
    if not text.shows_something(body):
        raise InvalidInput("body", "must contain a letter, digit or symbol that shows")


def _fired(verdict: Verdict) -> str | None:
    """The rules that decided a text, as the audit log names them."""
    return ", ".join(f"rule:{rule}" for rule in verdict.rules) or None


def _edit_action(current: Status, judged: Status) -> Action | None:
    """Edits only ever move a comment toward review: approved to pending or spam, pending to spam."""
    if judged is Status.SPAM and current in (Status.PENDING, Status.APPROVED):
        return Action.SPAM
    if judged is Status.PENDING and current is Status.APPROVED:
        return Action.HOLD
    return None
