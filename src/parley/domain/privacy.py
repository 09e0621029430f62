"""An author's erasure: every comment posted with one email anonymised in place, the threads keeping their shape."""

from __future__ import annotations

from parley.domain import shapes
from parley.domain.changes import move
from parley.domain.errors import InvalidInput
from parley.domain.identity import Hasher
from parley.domain.policy import in_force
from parley.domain.ports import Store
from parley.domain.records import Clock, NewEvent
from parley.domain.transitions import Action


class PrivacyService:
    """An author's right to be forgotten: their comments and flags erased, the thread's shape kept."""

    def __init__(self, store: Store, hasher: Hasher, clock: Clock) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock

    async def purge(self, email: str, *, actor: str) -> int:
        """Remove and anonymise every comment of this email, drop the flags on them and the stored first
        answers that repeat them, and audit it with a count; returns how many comments there were.

        Each comment moves to `removed` through the state machine, so counts stay right and a comment with
        visible replies stays as a tombstone; a purged comment can never be restored."""
        if not shapes.is_email(email):
            raise InvalidInput("email", "must be an email address")
        email_hash = self._hasher.email(email)
        async with self._store.writing() as tx:
            now = self._clock()
            policy = await in_force(tx)
            comments = await tx.comments.by_email_hash(email_hash)
            for comment in comments:
                await tx.flags.delete_for(comment.id)
                removed = await move(tx, comment, Action.PURGE, actor=actor, reason=None, policy=policy, at=now)
                await tx.comments.anonymise(removed)
            await tx.site.erase_answers([comment.id for comment in comments])
            # A ban on the address keeps holding by its hash; the address itself is erased from it too.
            await tx.bans.forget_email(email_hash)
            # E-mails still waiting for the address are called off, and sent ones keep no trace of it.
            await tx.outbound.forget_mail(email_hash)
            # The event counts what was erased and never says whose it was.
            erased = f"{len(comments)} comment(s) of one author anonymised"
            await tx.audit.append(NewEvent(actor=actor, action="purge", reason=erased, at=now))
        return len(comments)
