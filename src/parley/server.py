"""The HTTP server as deployed: uvicorn with httptools, holding the limits a front server such as nginx would.

uvicorn's httptools protocol reads request lines and headers of any size, for as long as a client likes to take,
on as many connections as it opens. Here every connection must finish its request line and headers within
`header_timeout` of its first byte (or of being opened), its body within `body_timeout`, with a request line of
at most 8 KiB and at most 100 header lines of 32 KiB in all (nginx's and Apache's defaults are of this size);
one client network holds at most `per_network` connections of a worker, a worker at most `max_connections`.
Refusals are answered (414, 431, 408, 429) before anything is parsed further, and the connection is closed.
"""

from __future__ import annotations

import asyncio
import http
import ipaddress
from typing import Any

import msgspec
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState
from uvicorn.supervisors import Multiprocess

from parley.domain import networks
from parley.http import live

MAX_REQUEST_LINE = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADERS = 100


class ServerLimits(msgspec.Struct, frozen=True, kw_only=True):
    """The limits of one server worker; sizes are fixed, times and counts come from the settings."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000
    per_network: int = 100
    trusted_proxies: tuple[str, ...] = ()
    """Proxies (addresses or networks) whose many connections carry many clients: no per-network cap."""


class ParleyConfig(uvicorn.Config):
    """uvicorn's configuration, carrying parley's limits to every worker process it starts."""

    def __init__(self, app: Any, *, limits: ServerLimits, **options: Any) -> None:
        super().__init__(app, http=GuardedHttpTools, limit_concurrency=limits.max_connections, **options)
        self.limits = limits
        self.proxies = tuple(ipaddress.ip_network(spec, strict=False) for spec in limits.trusted_proxies)


def serve(config: ParleyConfig) -> None:
    """Run the server as `uvicorn.run` would: one process, or a supervisor of `config.workers` processes."""
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        config.load_app()
        uvicorn.Server(config).run()


DRAIN_SECONDS = 3.0
"""How long a stopping server keeps an idle keep-alive connection for a request already on its way."""


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounded request lines, headers, time and connections per network."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._guard_limits = config.limits if isinstance(config, ParleyConfig) else ServerLimits()
        self._guard_proxies = config.proxies if isinstance(config, ParleyConfig) else ()
        self._guard_network = ""
        self._guard_deadline: asyncio.TimerHandle | None = None
        self._guard_refused = False
        self._guard_draining = False
        self._guard_heading = True  # not inside a body: the bytes that come are a request line and headers
        self._guard_read = 0
        self._guard_url = 0
        self._guard_header_bytes = 0
        self._guard_headers = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        peer = "" if self.client is None else self.client[0]
        self._guard_network = networks.key(peer)
        if self._crowded(peer):
            self._refuse(429, "too many open connections from your network")
            return
        self._arm(self._guard_limits.header_timeout)

    def _crowded(self, peer: str) -> bool:
        """This network already holds its share of the worker's connections (trusted proxies never do)."""
        address = networks.parse(peer)
        if address is not None and any(address in proxy for proxy in self._guard_proxies):
            return False
        mine = sum(1 for other in self.connections if getattr(other, "_guard_network", None) == self._guard_network)
        return mine > self._guard_limits.per_network

    def shutdown(self) -> None:
        # Live streams never finish by themselves: end them now rather than after the grace period.
        live.drain()
        if self.cycle is not None and not self.cycle.response_complete:
            super().shutdown()  # answering: the answer ends the connection
            return
        # Idle between requests: a proxy may be sending the next one on it at this instant, and a POST lost
        # that way is a 502 it may not retry. Keep the connection DRAIN_SECONDS, answering whatever comes with
        # `Connection: close`; a proxy closes its idle connections sooner (deploy/nginx.conf: 2 s).
        self._guard_draining = True
        self.loop.call_later(DRAIN_SECONDS, self._drained)

    def _drained(self) -> None:
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._guard_refused:
            return
        if self._guard_heading:
            self._guard_read += len(data)
        super().data_received(data)
        # httptools keeps an unfinished line in its own buffer; what it keeps is bounded here.
        if not self._guard_refused and self._guard_heading and self._guard_read > MAX_REQUEST_LINE + MAX_HEADER_BYTES:
            if self._guard_headers == 0:
                self._refuse(414, f"the request line is longer than {MAX_REQUEST_LINE} bytes")
            else:
                self._refuse(431, f"the request headers are longer than {MAX_HEADER_BYTES} bytes")

    def on_message_begin(self) -> None:
        if self._guard_refused:
            return
        super().on_message_begin()
        self._guard_heading = True
        self._guard_url = self._guard_header_bytes = self._guard_headers = 0
        if self._guard_deadline is None:
            self._arm(self._guard_limits.header_timeout)

    def on_url(self, url: bytes) -> None:
        if self._guard_refused:
            return
        self._guard_url += len(url)
        if self._guard_url > MAX_REQUEST_LINE:
            self._refuse(414, f"the request line is longer than {MAX_REQUEST_LINE} bytes")
            return
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._guard_refused:
            return
        self._guard_headers += 1
        self._guard_header_bytes += len(name) + len(value) + 4
        if self._guard_headers > MAX_HEADERS:
            self._refuse(431, f"more than {MAX_HEADERS} request headers")
        elif self._guard_header_bytes > MAX_HEADER_BYTES:
            self._refuse(431, f"the request headers are longer than {MAX_HEADER_BYTES} bytes")
        else:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._guard_refused:
            return
        self._guard_heading = False
        self._guard_read = 0
        self._disarm()
        self._arm(self._guard_limits.body_timeout)
        super().on_headers_complete()
        if self._guard_draining and self.cycle is not None:
            self.cycle.keep_alive = False

    def on_body(self, body: bytes) -> None:
        if not self._guard_refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._guard_refused:
            return
        self._disarm()
        self._guard_heading = True
        super().on_message_complete()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._guard_deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._guard_deadline is not None:
            self._guard_deadline.cancel()
            self._guard_deadline = None

    def _expired(self) -> None:
        """A request that took too long: answered 408 unless its answer has begun, and its connection closed."""
        self._guard_deadline = None
        answering = self.cycle is not None and self.cycle.response_started and not self._guard_heading
        if self._guard_heading and self._guard_read == 0 and self._guard_url == 0:
            self._close()  # an idle connection that never began a request: nothing to answer
        elif answering:
            self._close()
        else:
            self._refuse(408, "the request took too long to arrive")

    def _refuse(self, status: int, detail: str) -> None:
        """Answer with a problem document and close: nothing more of this connection is read."""
        self._guard_refused = True
        self._disarm()
        if self.transport.is_closing():
            return
        phrase = http.HTTPStatus(status).phrase
        body = msgspec.json.encode({"status": status, "title": phrase, "detail": detail, "code": _CODES[status]})
        head = (
            f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\nx-content-type-options: nosniff\r\n"
        )
        retry = "retry-after: 10\r\n" if status == 429 else ""
        self.transport.write(f"{head}{retry}\r\n".encode() + body)
        self._close()

    def _close(self) -> None:
        self._guard_refused = True
        if not self.transport.is_closing():
            self.transport.close()


_CODES = {
    408: "request_timeout",
    414: "request_line_too_long",
    429: "too_many_connections",
    431: "headers_too_large",
}
