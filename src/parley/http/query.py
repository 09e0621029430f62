"""Query strings reduced to the parameters a route declares, before anything reads or remembers them.

Every later reader sees the same short, canonical query: Litestar's parsers (which remember up to 1,024 parsed
query strings each, keyed by the raw bytes), the rate limiter, and the caches of answers. Unknown parameters are
dropped, as they would be ignored anyway (`?_=1700000000` cache busters included); a parameter that takes one
value keeps the last one sent, as Litestar would read it; a list keeps one value more than it may have, so that
Litestar still refuses it; the rest are written in name order.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, quote, urlencode

from litestar.enums import ScopeType
from litestar.handlers import BaseRouteHandler
from litestar.params import QueryParameter
from litestar.types import ASGIApp, Receive, Scope, Send

Declared = dict[str, int]
"""A route's query parameters by the name a client sends: how many values each may carry (1 for a single)."""


def declared(handler: BaseRouteHandler) -> Declared:
    """The query parameters a handler reads, with their limits."""
    found: Declared = {}
    for name, parameter in handler.parsed_fn_signature.parameters.items():
        marker = parameter.kwarg_definition
        if isinstance(marker, QueryParameter):
            many = parameter.is_non_string_sequence
            found[marker.name or name] = (marker.max_length or 1000) + 1 if many else 1
    return found


def canonical(raw: bytes, known: Declared) -> bytes:
    """The query string with only the known parameters, in one spelling."""
    singles: dict[str, str] = {}
    lists: list[tuple[str, str]] = []
    counted: dict[str, int] = {}
    # Read as Litestar reads it: the bytes as Latin-1, then percent escapes as UTF-8.
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        most = known.get(name)
        if most is None:
            continue
        if most == 1:
            singles[name] = value
        elif counted.get(name, 0) < most:
            counted[name] = counted.get(name, 0) + 1
            lists.append((name, value))
    return urlencode([*sorted(singles.items()), *lists], quote_via=quote).encode("ascii")


class Declarations:
    """Each route's declared query parameters, read from its signature once: as many entries as handlers."""

    def __init__(self) -> None:
        self._found: dict[Callable[..., object], Declared] = {}

    def __call__(self, handler: BaseRouteHandler) -> Declared:
        found = self._found.get(handler.fn)
        if found is None:
            found = self._found[handler.fn] = declared(handler)
        return found


def known_parameters() -> Callable[[ASGIApp], ASGIApp]:
    """Middleware replacing a request's query string by its canonical form for the route it reached."""
    cached = Declarations()

    def middleware(app: ASGIApp) -> ASGIApp:
        async def reducing(scope: Scope, receive: Receive, send: Send) -> None:
            handler = scope.get("route_handler")
            if scope["type"] == ScopeType.HTTP and handler is not None:
                raw = scope["query_string"]
                if raw:
                    scope["query_string"] = canonical(raw, cached(handler))
            await app(scope, receive, send)

        return reducing

    return middleware
