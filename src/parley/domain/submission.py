"""'Add yours': an author submits, edits and deletes a comment, each in one write transaction."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta

import msgspec

from parley.domain import text, tree
from parley.domain.changes import is_visible, move
from parley.domain.errors import (
    Banned,
    CommentsClosed,
    Duplicate,
    Erased,
    Forbidden,
    IdempotencyMismatch,
    NotFound,
    RateLimited,
)
from parley.domain.identity import Client, Hasher, new_token, same_token, token_hash
from parley.domain.policy import Facts, Policy, Verdict, in_force, judge
from parley.domain.ports import Store, Tx
from parley.domain.records import Article, Clock, Comment, NewComment, Status, stamp
from parley.domain.transitions import Action


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """What a reader typed into 'Add yours'."""

    author_name: str
    body: str
    author_email: str | None = None
    author_url: str | None = None
    parent_id: int | None = None
    honeypot: bool = False


class Receipt(msgspec.Struct, kw_only=True):
    """The answer to a submission; the edit token appears here once and is stored only as a hash."""

    comment: tree.CommentNode
    status: Status
    edit_token: str
    edit_expires_at: str


_RECEIPT = msgspec.json.Decoder(Receipt)
REPLAY_WINDOW = timedelta(days=1)
"""How long an Idempotency-Key replays its first answer: retries come within minutes, a day is plenty."""


class SubmissionService:
    """The author's side of a comment: submit, edit within the window, delete."""

    def __init__(self, store: Store, hasher: Hasher, clock: Clock) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock

    async def submit(self, slug: str, draft: Draft, client: Client, idempotency_key: str | None = None) -> Receipt:
        """Store a comment or reply with the status the rules give it; replay the first answer for a known key."""
        # An unknown article is refused before the Markdown is rendered and a write begins: a flood of posts to
        # made-up slugs costs a lookup each. A retry with a key may still be owed its first answer, so it goes on.
        if idempotency_key is None and await self._store.article_version(slug, now=self._clock()) is None:
            raise NotFound("article", slug)
        body_html = await asyncio.to_thread(text.render_comment, draft.body)
        request_hash = hashlib.sha256(msgspec.json.encode((slug, draft))).hexdigest()
        async with self._store.writing() as tx:
            now = self._clock()
            if idempotency_key is not None:
                first = await tx.site.replay(idempotency_key, since=now - REPLAY_WINDOW)
                if first is not None:
                    if first[0] != request_hash:
                        raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
                    if not first[1]:
                        raise Erased("the comment this Idempotency-Key created has been erased")
                    receipt = _RECEIPT.decode(first[1])
                    receipt.edit_token = self._hasher.edit_token(idempotency_key, request_hash)
                    return receipt
            article = await tx.articles.by_slug(slug, now=now)
            if article is None:
                raise NotFound("article", slug)
            policy = await in_force(tx)
            if policy.closes(article, now):
                raise CommentsClosed("comments on this article are closed")
            email_hash = self._hasher.email(draft.author_email) if draft.author_email else None
            verdict = await self._verdict(tx, article, policy, draft, email_hash, client, now)
            parent_id, parent_path, depth = await self._reply_position(tx, article, policy, draft.parent_id)
            author_key = self._hasher.author_key(draft.author_name, draft.author_email, client.address)
            body_hash = hashlib.sha256(draft.body.encode("utf-8", "surrogatepass")).hexdigest()
            if await tx.comments.is_duplicate(article.id, author_key, body_hash):
                raise Duplicate("you already posted this comment on this article")
            edit_token = (
                new_token() if idempotency_key is None else self._hasher.edit_token(idempotency_key, request_hash)
            )
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
                    email_hash=email_hash,
                    author_key=author_key,
                    address_hash=self._hasher.address(client.address),
                    body=draft.body,
                    body_html=body_html,
                    body_hash=body_hash,
                    created_at=now,
                    edit_token_hash=token_hash(edit_token),
                    rules=verdict.rules,
                )
            )
            await tx.audit.append(
                comment_id=comment.id,
                actor="author",
                action="create",
                from_status=None,
                to_status=comment.status,
                reason=_fired(verdict),
                at=now,
            )
            receipt = Receipt(
                comment=tree.author_view(comment),
                status=verdict.shown_status,
                edit_token=edit_token,
                edit_expires_at=stamp(now + timedelta(seconds=policy.edit_window_seconds)),
            )
            if idempotency_key is not None:
                stored = msgspec.structs.replace(receipt, edit_token="")
                await tx.site.remember(
                    idempotency_key,
                    request_hash=request_hash,
                    response=msgspec.json.encode(stored),
                    comment_id=comment.id,
                    at=now,
                    since=now - REPLAY_WINDOW,
                )
            return receipt

    async def _verdict(
        self,
        tx: Tx,
        article: Article,
        policy: Policy,
        draft: Draft,
        email_hash: str | None,
        client: Client,
        now: datetime,
        editing: Comment | None = None,
    ) -> Verdict:
        """Bans, the author's pace, then the policy's rules; an edit of an approved comment keeps its trust."""
        address_hash = self._hasher.address(client.address)
        banned = await tx.bans.matches(email_hash=email_hash, address_hash=address_hash, now=now)
        if banned and not policy.shadow_ban:
            raise Banned("you cannot comment here")
        if email_hash is not None and editing is None:
            since = now - timedelta(seconds=policy.author_rate_window_seconds)
            if await tx.comments.count_since(email_hash, since) >= policy.author_rate_limit:
                raise RateLimited(
                    "too many comments from this author; wait a little", policy.author_rate_window_seconds
                )
        trusted = editing is not None and editing.status is Status.APPROVED
        if not trusted and email_hash is not None:
            trusted = await tx.comments.has_approved(email_hash, draft.author_name)
        return judge(policy, article, draft.body, Facts(trusted=trusted, banned=banned, honeypot=draft.honeypot))

    async def _reply_position(
        self, tx: Tx, article: Article, policy: Policy, parent_id: int | None
    ) -> tuple[int | None, str | None, int]:
        """A reply's parent must be a visible comment of the same article; too deep attaches higher up."""
        if parent_id is None:
            return None, None, 0
        parent = await tx.comments.get(parent_id)
        if parent is None or parent.article_id != article.id or not parent.visible:
            raise NotFound("comment", str(parent_id))
        target = tree.reply_target(parent.id, parent.path, parent.depth, policy.max_depth)
        if target != parent.id:
            ancestor = await tx.comments.get(target)
            if ancestor is None:
                raise NotFound("comment", str(parent_id))
            parent = ancestor
        return parent.id, parent.path, parent.depth + 1

    async def _own(self, tx: Tx, comment_id: int, edit_token: str, now: datetime, policy: Policy) -> Comment:
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
        self, comment_id: int, edit_token: str, body: str, client: Client, *, honeypot: bool = False
    ) -> tree.CommentNode:
        """Replace the text and run the rules again: an edit may send a comment back to the queue, never out."""
        body_html = await asyncio.to_thread(text.render_comment, body)
        body_hash = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
        async with self._store.writing() as tx:
            now = self._clock()
            policy = await in_force(tx)
            comment = await self._own(tx, comment_id, edit_token, now, policy)
            article = await tx.articles.by_id(comment.article_id)
            if await tx.comments.repeats(comment.id, body_hash):
                raise Duplicate("you already posted this text on this article")
            draft = Draft(
                author_name=comment.author_name, author_email=comment.author_email, body=body, honeypot=honeypot
            )
            verdict = await self._verdict(tx, article, policy, draft, comment.email_hash, client, now, comment)
            comment = await tx.comments.set_body(
                comment, body=body, body_html=body_html, body_hash=body_hash, rules=verdict.rules, at=now
            )
            await tx.audit.append(
                comment_id=comment.id,
                actor="author",
                action="edit",
                from_status=comment.status,
                to_status=comment.status,
                reason=_fired(verdict),
                at=now,
            )
            action = _edit_action(comment.status, verdict.status)
            if action is not None:
                actor = f"rule:{verdict.rules[0]}" if verdict.rules else "system"
                comment = await move(tx, comment, action, actor=actor, reason="edited", policy=policy, at=now)
            return tree.author_view(comment)

    async def delete(self, comment_id: int, edit_token: str) -> None:
        """The author takes a comment down; replies under it stay, under a tombstone."""
        async with self._store.writing() as tx:
            now = self._clock()
            policy = await in_force(tx)
            comment = await self._own(tx, comment_id, edit_token, now, policy)
            if comment.status is Status.SPAM:
                return  # a spammer learns nothing: the comment stays where it is
            await move(tx, comment, Action.DELETE, actor="author", reason=None, policy=policy, at=now)


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
