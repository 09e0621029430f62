"""Settings: the only reader of PARLEY_* environment variables, read when asked, never at import."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec

from parley.domain import shapes

_SEEDS_IN_WHEEL = Path(__file__).parent / "seeds"
_SEEDS_IN_CHECKOUT = Path(__file__).resolve().parents[2] / "seeds"


def default_seeds() -> Path:
    """The seed articles shipped with the package, or those of a source checkout."""
    return _SEEDS_IN_WHEEL if _SEEDS_IN_WHEEL.is_dir() else _SEEDS_IN_CHECKOUT


class SettingsError(ValueError):
    """A PARLEY_* variable that does not parse; the message names it."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    database: str = "parley.db"
    database_url: str = ""
    """postgresql://user@host/db selects PostgreSQL; empty keeps the SQLite file `database`."""
    pool_size: Annotated[int, msgspec.Meta(ge=2, le=100)] = 8
    """PostgreSQL connections per server process."""
    redis_url: str = ""
    """redis://host:port/n: per-address budgets shared by every instance; empty counts them on this machine."""
    public_url: Annotated[str, msgspec.Meta(pattern=r"^(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)?$")] = ""
    """https://news.example.org: where readers reach the site; feed links name it (empty: the request's host)."""
    stream_heartbeat_seconds: Annotated[float, msgspec.Meta(gt=0, le=300)] = 15.0
    """How often an idle live stream sends a comment line, so proxies and browsers keep it open."""
    stream_lifetime_seconds: Annotated[float, msgspec.Meta(gt=0, le=86400)] = 3600.0
    """How long one live stream lasts before it ends and the browser reconnects (resuming where it was), so that
    clients spread again over the instances after a restart or a new instance."""
    max_streams: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 500
    """Live streams one server process holds; past it, 503 (keep it below PARLEY_MAX_CONNECTIONS)."""
    streams_per_address: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 10
    """Live streams one network may hold per server process; past it, 429."""
    stream_poll_seconds: Annotated[float, msgspec.Meta(gt=0, le=10)] = 0.05
    """How often a process with live streams checks the database for commits: the bound on their delay."""
    redis_prefix: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = "parley"
    """The start of every Redis key and channel name: several sites may share one Redis."""
    seeds: str = ""
    """Folder of seed articles; empty means the ones shipped with parley."""
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 8000
    workers: Annotated[int, msgspec.Meta(ge=0, le=64)] = 0
    """Server processes; 0 means one per CPU core (measured best for reads and writes on 2 cores)."""
    readers: Annotated[int, msgspec.Meta(ge=1, le=32)] = 2
    synchronous: str = "FULL"
    """SQLite's PRAGMA synchronous: FULL survives power loss; NORMAL survives a killed process."""
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    page_cache_bytes: Annotated[int, msgspec.Meta(ge=0, le=1024 * 1024 * 1024)] = 32 * 1024 * 1024
    """Memory for encoded thread pages per server process."""
    stale_seconds: Annotated[float, msgspec.Meta(ge=0, le=60)] = 1.0
    """How long after its data changed a remembered public answer may still be served while it is rebuilt;
    0 rebuilds before answering. Authors' own views and moderators' answers are never remembered."""
    secret: str = ""
    """Key for hashing emails and addresses; empty means one kept in the database."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) whose X-Forwarded-For / Forwarded headers we believe."""
    proxy_header: Literal["x-forwarded-for", "forwarded"] = "x-forwarded-for"
    """The one header the trusted proxies write: `x-forwarded-for` or `forwarded`."""
    cors_origins: tuple[str, ...] = ()
    """Origins (scheme://host[:port]) whose pages may call the API from a browser, writes included."""
    writes_per_minute: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 10
    """Comments, edits, deletes and flags one network address may send per minute; 0 turns the limit off."""
    reads_per_minute: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 600
    """Public reads one network address may send per minute; 0 turns the limit off."""
    header_timeout: Annotated[float, msgspec.Meta(gt=0, le=600)] = 10.0
    """Seconds a connection has to send a request line and headers (from its first byte, or from opening)."""
    body_timeout: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 30.0
    """Seconds a request has to send its body once its headers are in."""
    keep_alive_timeout: Annotated[float, msgspec.Meta(gt=0, le=600)] = 5.0
    """Seconds an idle keep-alive connection stays open between requests."""
    max_connections: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 1000
    """Open connections (and requests in progress) per server process; beyond it new requests get 503."""
    connections_per_address: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 100
    """Open connections one client network (an IPv4 address, an IPv6 /64) may hold per server process;
    PARLEY_TRUSTED_PROXIES are exempt."""
    metrics_token: str = ""
    metrics_dir: str = ""
    """Set by `parley serve` for its workers: the folder where each keeps its figures for /metrics to sum."""
    """The bearer token the monitoring system sends for /metrics; admin tokens are accepted too."""
    isso_compat: bool = False
    """Mount the endpoints Isso's embed.min.js calls at /isso/, on parley's articles, rules and moderation."""
    debug: bool = False
    access_log: bool = True
    smtp_host: str = ""
    """The SMTP server e-mail goes through; empty: the site sends no e-mail (no reply notices, no digests, no
    exports by e-mail)."""
    smtp_port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    """`starttls` upgrades a plain connection (port 587), `tls` connects with TLS (port 465)."""
    smtp_from: str = "parley@localhost.localdomain"
    """The From address of every e-mail the site sends."""
    moderator_emails: tuple[str, ...] = ()
    """Who hears when comments enter the moderation queues (counts and a link, never a comment's text)."""
    moderator_digest_minutes: Annotated[float, msgspec.Meta(ge=0, le=10080)] = 0.0
    """At most one moderators' e-mail per this many minutes, counting all that came meanwhile; 0: as they come."""
    export_link_hours: Annotated[float, msgspec.Meta(gt=0, le=720)] = 24.0
    """How long the link to an author's own comments, sent to their address, works."""
    outbox_worker: bool = True
    """Deliver webhooks and e-mail from `parley serve` (one process of the deployment at a time holds the lease);
    false leaves it to `parley worker`."""
    outbox_poll_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 1.0
    """How often the outbox worker looks for new events and due deliveries."""
    outbox_keep_days: Annotated[float, msgspec.Meta(gt=0, le=3650)] = 30.0
    """How long delivered, failed and called-off deliveries and e-mails stay in the log."""
    webhook_timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=60)] = 10.0
    """How long a receiver has to answer one delivery."""
    webhook_attempts: Annotated[int, msgspec.Meta(ge=1, le=30)] = 15
    """Attempts per delivery or e-mail before it is marked failed (redeliver from the admin API); 15 retry for
    13 to 17 hours."""
    webhook_retry_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 5.0
    """The first retry's delay; each later one doubles it (capped at 6 hours), with jitter."""
    webhook_private_targets: bool = False
    """Allow webhook URLs that resolve to loopback, private or link-local addresses (a receiver inside your own
    network); refused by default, so a stolen admin token cannot probe the network parley runs in."""

    def __post_init__(self) -> None:
        if self.database_url and not self.database_url.startswith(("postgresql://", "postgres://")):
            raise SettingsError("PARLEY_DATABASE_URL names a PostgreSQL database: postgresql://user@host:port/name")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("PARLEY_REDIS_URL names a Redis server: redis://host:port/db")
        if self.synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise SettingsError(f"PARLEY_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {self.synchronous!r}")
        for origin in self.cors_origins:
            # "*" is refused: the allow-list also admits writes.
            if not shapes.is_origin(origin):
                raise SettingsError(f"PARLEY_CORS_ORIGINS lists scheme://host[:port] origins, not {origin!r}")
        for address in (*self.moderator_emails, self.smtp_from):
            if not shapes.is_mailbox(address):
                raise SettingsError(
                    f"PARLEY_MODERATOR_EMAILS and PARLEY_SMTP_FROM hold e-mail addresses, not {address!r}"
                )
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(f"PARLEY_TRUSTED_PROXIES lists addresses or networks, not {proxy!r}") from None

    @property
    def site_url(self) -> str:
        """Where links in e-mails and webhooks point: PARLEY_PUBLIC_URL, else this server's own address."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def postgres(self) -> bool:
        return bool(self.database_url)

    @property
    def where(self) -> str:
        """The database in words a log line may carry: a file's absolute path, or the URL without its password."""
        if not self.postgres:
            return os.path.abspath(self.database)
        parts = urlsplit(self.database_url)
        user = f"{parts.username}@" if parts.username else ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{user}{parts.hostname or ''}{port}{parts.path}"

    @property
    def limits_folder(self) -> Path:
        """Where this machine's server processes count per-address write budgets when there is no Redis."""
        if not self.postgres:
            return Path(self.database + "-limits")
        named = hashlib.sha256(self.database_url.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"parley-limits-{named}"

    @property
    def processes(self) -> int:
        # The cores this process may run on: in a container, not the host's.
        return self.workers or len(os.sched_getaffinity(0)) or 1

    @property
    def seeds_path(self) -> Path:
        return Path(self.seeds) if self.seeds else default_seeds()

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from PARLEY_<NAME> variables; keyword overrides (command-line flags) win."""
        fields = {field.name: field for field in msgspec.structs.fields(cls)}
        values: dict[str, Any] = {}
        for name, field in fields.items():
            raw = environ.get(f"PARLEY_{name.upper()}")
            if raw is not None:
                values[name] = _parse(name, raw, field.default)
        values.update({key: value for key, value in overrides.items() if value is not None})
        for name, value in values.items():
            try:
                # Lax conversion reads numbers from text; the field's own constraints still apply.
                msgspec.convert(value, fields[name].type, strict=False)
            except msgspec.ValidationError as error:
                raise SettingsError(f"bad setting PARLEY_{name.upper()}: {error}") from None
        try:
            return msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as error:  # a rule of __post_init__, which names its variable
            raise SettingsError(str(error)) from None


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _parse(name: str, raw: str, default: Any) -> Any:
    """Environment values are text: lists are comma-separated, switches read yes/no words as well."""
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(default, bool):
        if raw.lower() in _TRUE + _FALSE:
            return raw.lower() in _TRUE
        raise SettingsError(f"PARLEY_{name.upper()} must be true or false, not {raw!r}")
    return raw
