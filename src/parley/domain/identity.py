"""Who is asking: secret tokens stored as hashes, and keyed hashes of emails, addresses and readers."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import msgspec

from parley.domain import networks


def new_token() -> str:
    """A random bearer or edit token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens carry their own entropy, so a plain SHA-256 is what we store and look up."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_token(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return hmac.compare_digest(token_hash(token), stored_hash)


class Client(msgspec.Struct, frozen=True):
    """A request's origin as the HTTP edge resolved it (proxy headers only from trusted proxies)."""

    address: str

    @property
    def network(self) -> str:
        """The network the rules count this client by: its IPv4 address or its IPv6 /64."""
        return networks.key(self.address)


class Hasher:
    """Keyed hashes, so a leaked database reveals no email or network address by brute force alone."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, kind: str, value: str) -> str:
        msg = f"{kind}\0{value}".encode("utf-8", "surrogatepass")
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    def email(self, email: str) -> str:
        return self._mac("email", email.strip().casefold())

    def address(self, address: str) -> str:
        """A network address or a network's one spelling (`networks.key`): what budgets, bans and logs keep."""
        return self._mac("address", address)

    def reader(self, client: Client) -> str:
        """One reader for flag counting: a network counts once, whatever browser or address within it it uses."""
        return self._mac("reader", client.network)

    def author_key(self, name: str, email: str | None, network: str) -> str:
        """An author without an author key, for duplicates and pace: their e-mail (else name) at one network,
        so that a stranger typing someone's e-mail elsewhere is someone else."""
        return self._mac("author", f"{(email or name).strip().casefold()}\0{network}")

    def idempotency_scope(self, key: str, network: str, author_token_hash: str | None) -> str:
        """Where an Idempotency-Key is kept: per client (network and author key), so no one else can replay it."""
        return self._mac("idempotency", f"{network}\0{author_token_hash or ''}\0{key}")

    def seal(self, scope: str, comment_id: int, secret: bytes) -> bytes:
        """Seal (or open again: the same operation) secrets kept for a replay, with a pad made from the server's
        key, the client's scope and the comment: a stolen database yields no token."""
        pad = b""
        counter = 0
        while len(pad) < len(secret):
            message = f"seal\0{scope}\0{comment_id}\0{counter}".encode()
            pad += hmac.new(self._key, message, hashlib.sha256).digest()
            counter += 1
        return bytes(a ^ b for a, b in zip(secret, pad, strict=False))
