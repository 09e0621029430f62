"""Who may moderate (bearer tokens) and who may not comment (bans)."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from parley.domain import networks, paging, shapes
from parley.domain.errors import InvalidInput, NotFound
from parley.domain.identity import Hasher, new_token, token_hash
from parley.domain.ports import ReadTx, Store
from parley.domain.records import Ban, BanFilter, Clock, NewBan, NewEvent, Role, Token

# Writing last-used on every request would make each admin read a write; a minute is precise enough.
_TOUCH_EVERY = timedelta(minutes=1)
# A token's name is the actor in the audit log, never one of the actors parley itself writes (`author`, `system`,
# `rule:<name>`), so no one can act in their name.
_RESERVED = frozenset({"author", "system"})
# Tokens are made and revoked on the server's own command line, by whoever administers the machine.
CLI_ACTOR = "admin:cli"


class TokenService:
    """Moderator tokens: issued once, kept only as hashes, revoked at once."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def create(self, name: str, role: Role, *, actor: str = CLI_ACTOR) -> tuple[Token, str]:
        """A new token, returned once in clear; only its hash is kept, and the audit log records who got it."""
        if not shapes.is_moderator_name(name):
            raise InvalidInput("name", "1 to 64 letters, digits, spaces or . _ @ -, starting with a letter or digit")
        if name.casefold() in _RESERVED:
            raise InvalidInput("name", f"{name!r} is an actor parley itself writes in the audit log")
        secret = new_token()
        async with self._store.writing() as tx:
            now = self._clock()
            token = await tx.tokens.add(name=name, role=role, token_hash=token_hash(secret), at=now)
            await tx.audit.append(
                NewEvent(actor=actor, action="token_create", reason=f"{role.value} token {name}", at=now)
            )
        return token, secret

    async def all(self) -> list[Token]:
        async with self._store.reading() as tx:
            return await tx.tokens.all()

    async def revoke(self, name: str, *, actor: str = CLI_ACTOR) -> None:
        """End the active token of that name at once, and audit it."""
        async with self._store.writing() as tx:
            now = self._clock()
            if not await tx.tokens.revoke(name, at=now):
                raise NotFound("active token named", name)
            await tx.audit.append(NewEvent(actor=actor, action="token_revoke", reason=f"token {name}", at=now))

    async def authenticate(self, presented: str) -> Token | None:
        """The active token a bearer string belongs to, looked up by its hash."""
        async with self._store.reading() as tx:
            token = await tx.tokens.by_hash(token_hash(presented))
        if token is None or token.revoked_at is not None:
            return None
        now = self._clock()
        if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
            async with self._store.writing() as tx:
                await tx.tokens.touch(token.id, at=now)
        return token


class BanService:
    """Bans by email or network address, stored hashed, lapsing at their expiry without a job."""

    def __init__(self, store: Store, hasher: Hasher, clock: Clock) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock

    async def ban(
        self,
        *,
        email: str | None,
        address: str | None,
        reason: str | None,
        expires_at: datetime | None,
        actor: str,
        comment_id: int | None = None,
    ) -> Ban:
        """Ban by e-mail, by network (an address covers its client network, a CIDR its block), or the author of
        a comment (their author key and their network, never the e-mail they typed, which anyone can type)."""
        if comment_id is not None and (email or address):
            raise InvalidInput("comment_id", "ban the author of a comment, or an e-mail and network, not both")
        if comment_id is None and not email and not address:
            raise InvalidInput("email", "give an e-mail, a network address, or the comment whose author to ban")
        network, prefix = networks.ban_target(address) if address else (None, None)
        now = self._clock()
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("expires_at", "must be in the future")
        async with self._store.writing() as tx:
            address_hash = None if network is None else self._hasher.address(network)
            author_token_hash = None
            if comment_id is not None:
                comment = await tx.comments.get(comment_id)
                if comment is None:
                    raise NotFound("comment", str(comment_id))
                if not comment.address_hash:
                    raise InvalidInput("comment_id", "the author of this comment was erased")
                address_hash, author_token_hash = comment.address_hash, comment.author_token_hash
            new = NewBan(
                email_hash=self._hasher.email(email) if email else None,
                address_hash=address_hash,
                prefix=prefix,
                author_token_hash=author_token_hash,
                email=self._hasher.seal_text("ban-email", email) if email else None,
                network=None if network is None else self._hasher.seal_text("ban-network", network),
                comment_id=comment_id,
                reason=reason,
                created_by=actor,
                at=now,
                expires_at=expires_at,
            )
            ban = self._shown(await tx.bans.add(new))
            whose = "" if comment_id is None else f" of the author of comment {comment_id}"
            why = f"ban {ban.id}{whose}" + (f": {reason}" if reason else "")
            await tx.audit.append(NewEvent(actor=actor, action="ban", reason=why, comment_id=comment_id, at=now))
        return ban

    async def active(
        self,
        *,
        cursor: str | None,
        limit: int,
        email: str | None = None,
        address: str | None = None,
        comment_id: int | None = None,
    ) -> paging.Page[Ban]:
        """Bans still in force, oldest first; an expired ban drops out by itself. An e-mail lists the bans on it;
        an address, the bans that stop it (its network's, and any CIDR network's it lies in); a network written
        with its prefix, the bans on exactly that network; a comment, the bans of its author made from it."""
        after = None if cursor is None else paging.decode(cursor, "bans").id
        async with self._store.reading(heavy=True) as tx:
            now = self._clock()
            hashes = None if address is None else await self._covering(tx, address, now)
            only = BanFilter(
                email_hash=None if email is None else self._hasher.email(email),
                address_hashes=hashes,
                comment_id=comment_id,
            )
            bans = await tx.bans.active(now=now, after_id=after, limit=limit + 1, only=only)
        page = paging.cut(bans, limit, lambda last: paging.encode("bans", 0, last.id))
        return paging.Page([self._shown(ban) for ban in page.items], page.next_cursor)

    def _shown(self, ban: Ban) -> Ban:
        """The ban with what it names opened for moderators (kept sealed: a stolen database shows neither)."""
        return msgspec.structs.replace(
            ban,
            email=None if ban.email is None else self._hasher.open_text("ban-email", ban.email),
            network=None if ban.network is None else self._hasher.open_text("ban-network", ban.network),
        )

    async def _covering(self, tx: ReadTx, address: str, now: datetime) -> tuple[str, ...]:
        if "/" in address:
            network, _prefix = networks.ban_target(address)
            return (self._hasher.address(network),)
        if networks.parse(address) is None:
            raise InvalidInput("address", "must be an IPv4 or IPv6 address, or a network such as 192.0.2.0/24")
        names = networks.within(address, await tx.bans.prefixes(now=now))
        return tuple(self._hasher.address(name) for name in names)

    async def get(self, ban_id: int) -> Ban:
        async with self._store.reading() as tx:
            ban = await tx.bans.get(ban_id)
        if ban is None:
            raise NotFound("ban", ban_id)
        return self._shown(ban)

    async def lift(self, ban_id: int, actor: str) -> None:
        async with self._store.writing() as tx:
            now = self._clock()
            if not await tx.bans.lift(ban_id, at=now):
                raise NotFound("ban", ban_id)
            await tx.audit.append(NewEvent(actor=actor, action="unban", reason=f"ban {ban_id}", at=now))
