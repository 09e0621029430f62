"""What operators see of every request: one access-log line and the metrics, both as the answer really went out.

Both are taken at the application's own entry point, outside routing and every middleware, so an unknown path,
a method nobody handles, a refusal raised by a middleware (429, 403, 413, 415) and a 500 are each logged and
counted with the status the client received.
"""

from __future__ import annotations

import logging

from litestar.connection import ASGIConnection
from litestar.types import HTTPScope, Scope
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from parley.domain.identity import Hasher
from parley.http.client import Proxies, resolve

access_log = logging.getLogger("parley.access")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LOGGED_PATH = 300
"""Characters of a path an access-log line keeps: enough to read, never a whole flood's URL."""


def printable(text: str, limit: int = _LOGGED_PATH) -> str:
    """Text safe on one log line of a terminal: controls and other unprintables escaped, length bounded."""
    shown = "".join(
        c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text[:limit]
    )
    return shown + ("..." if len(text) > limit else "")


class Observer:
    """The access log and the request metrics of one application, in a registry of its own."""

    def __init__(self, *, access_log: bool, proxies: Proxies, metrics_token: str = "", shared_dir: str = "") -> None:
        self.log = access_log
        self.proxies = proxies
        self.metrics_token = metrics_token
        self.shared_dir = shared_dir
        """Where every server process of one `parley serve` keeps its figures (prometheus-client's multiprocess
        mode); empty for a server of one process."""
        self.hasher: Hasher | None = None
        """Set once the store is open; until then a client is logged as `-`."""
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "parley_requests",
            "Requests answered, by route and status sent",
            ("method", "path", "status"),
            registry=self.registry,
        )
        self.seconds = Histogram(
            "parley_request_duration_seconds", "Time to answer, by route", ("method", "path"), registry=self.registry
        )
        self.builds = Counter(
            "parley_answer_builds",
            "Remembered answers built from the database, by kind",
            ("kind",),
            registry=self.registry,
        )

    def built(self, kind: str) -> None:
        """One remembered answer of this kind was built from the database (a cache miss or a refresh)."""
        self.builds.labels(kind).inc()

    def exposition(self) -> bytes:
        """The figures in Prometheus' text format: summed over every server process when there are several."""
        if not self.shared_dir:
            return generate_latest(self.registry)
        every = CollectorRegistry()
        MultiProcessCollector(every, path=self.shared_dir)  # type: ignore[no-untyped-call]
        return generate_latest(every)

    def record(self, scope: HTTPScope, status: int, seconds: float) -> None:
        """Count one answered request under its route's template (bounded labels), and log it if asked."""
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = scope.get("path_template") if scope.get("route_handler") is not None else None
        path = route if isinstance(route, str) else "unmatched"
        self.requests.labels(method, path, str(status)).inc()
        self.seconds.labels(method, path).observe(seconds)
        if self.log:
            access_log.info(
                '%s "%s %s" %d %.1fms',
                self._who(scope),
                printable(scope["method"], 16),
                printable(scope["path"]),
                status,
                seconds * 1000,
            )

    def _who(self, scope: Scope) -> str:
        """The start of the keyed hash of the client's network: enough to follow one client, never its address."""
        if self.hasher is None or scope.get("client") is None:
            return "-"
        return "client:" + self.hasher.address(resolve(ASGIConnection(scope), self.proxies).network)[:12]
