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

    def mailbox(self, email: str) -> str:
        """One mailbox, for what only its owner may do (read their export, stop their e-mails): lower case only,
        so `faß.de` and `fass.de`, which `casefold` makes one for the moderation rules, stay two."""
        return self._mac("mailbox", email.strip().lower())

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

    def imported(self, source: str, key: str) -> str:
        """The edit-token digest an imported comment carries: found again by a re-run (so nothing is imported
        twice), yet no token anyone could present hashes to it (it is keyed, not a digest of a token)."""
        return self._mac("import", f"{source}\0{key}")

    def idempotency_scope(self, key: str, network: str, author_token_hash: str | None) -> str:
        """Where an Idempotency-Key is kept: per client (network and author key), so no one else can replay it."""
        return self._mac("idempotency", f"{network}\0{author_token_hash or ''}\0{key}")

    def sign(self, purpose: str, value: str, *, expires: int = 0) -> str:
        """A link token naming `value` for one purpose, until the Unix time `expires` (0: no end)."""
        return f"{value}.{expires}.{self._mac(f'link-{purpose}', f'{value}.{expires}')[:32]}"

    def signed(self, purpose: str, token: str, *, now: int) -> str | None:
        """The value a token from `sign` names; None if it was altered, made for another purpose, or expired."""
        value, _, rest = token.rpartition(".")
        value, _, expires = value.rpartition(".")
        if not expires.isdigit() or len(expires) > 12:
            return None
        expected = self._mac(f"link-{purpose}", f"{value}.{expires}")[:32]
        if not hmac.compare_digest(rest.encode(), expected.encode()):
            return None
        return value if int(expires) == 0 or int(expires) > now else None

    def _pad(self, label: str, size: int) -> bytes:
        """`size` bytes that only the server's key makes from `label`; a label is never used for two texts."""
        pad = b""
        counter = 0
        while len(pad) < size:
            pad += hmac.new(self._key, f"{label}\0{counter}".encode(), hashlib.sha256).digest()
            counter += 1
        return pad

    def seal(self, scope: str, comment_id: int, secret: bytes) -> bytes:
        """Seal (or open again: the same operation) secrets kept for a replay, with a pad made from the server's
        key, the client's scope and the comment: a stolen database yields no token."""
        pad = self._pad(f"seal\0{scope}\0{comment_id}", len(secret))
        return bytes(a ^ b for a, b in zip(secret, pad, strict=False))

    def seal_text(self, kind: str, text: str) -> str:
        """Text a moderator must read again (what a ban names) kept so that a stolen database does not show it:
        under a fresh nonce, with a pad only the server's key makes."""
        nonce = secrets.token_hex(16)
        data = text.encode("utf-8", "surrogatepass")
        sealed = bytes(a ^ b for a, b in zip(data, self._pad(f"text\0{kind}\0{nonce}", len(data)), strict=False))
        return f"{nonce}.{sealed.hex()}.{self._mac(f'text-tag-{kind}', nonce + text)[:16]}"

    def open_text(self, kind: str, kept: str) -> str | None:
        """The text `seal_text` sealed; None if it was sealed under another key, altered, or is not sealed text."""
        nonce, _, rest = kept.partition(".")
        sealed_hex, _, tag = rest.partition(".")
        try:
            sealed = bytes.fromhex(sealed_hex)
            pad = self._pad(f"text\0{kind}\0{nonce}", len(sealed))
            text = bytes(a ^ b for a, b in zip(sealed, pad, strict=False)).decode("utf-8", "surrogatepass")
        except ValueError:
            return None
        expected = self._mac(f"text-tag-{kind}", nonce + text)[:16]
        return text if hmac.compare_digest(tag, expected) else None
