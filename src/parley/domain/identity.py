"""Who is asking: secret tokens stored as hashes, and keyed hashes of emails, addresses and readers."""

from __future__ import annotations

import base64
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

    def edit_token(self, idempotency_key: str, request_hash: str) -> str:
        """The edit token of an idempotent submission, derivable again to replay the first answer."""
        msg = f"edit\0{idempotency_key}\0{request_hash}".encode("utf-8", "surrogatepass")
        digest = hmac.new(self._key, msg, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def author_key(self, name: str, email: str | None, address: str) -> str:
        """One author for duplicate detection: by email when given, else by name at one address."""
        if email:
            return self.email(email)
        return self._mac("author", f"{name.strip().casefold()}\0{address}")
