"""The ceiling: a hello-world Litestar handler, served with the same server settings as parley."""

from __future__ import annotations

from litestar import Litestar, get


@get("/hello", sync_to_thread=False)
def hello() -> dict[str, str]:
    """A small JSON answer and nothing else: what the framework and server cost per request."""
    return {"hello": "world"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[hello])
