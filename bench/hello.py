"""The ceilings: what the framework and server cost per request, served with the same settings as parley.

`/hello` answers a small JSON object. `/page` answers the bytes of the file named by BENCH_PAGE (the
runner saves parley's T200 page there): the most a read path that serves a cached, already encoded
page could reach on this framework and server.
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar, MediaType, Response, get


@get("/hello", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"hello": "world"}


def create_app() -> Litestar:
    handlers = [hello]
    page_file = os.environ.get("BENCH_PAGE")
    if page_file:
        page = Path(page_file).read_bytes()

        @get("/page", sync_to_thread=False)
        def cached_page() -> Response[bytes]:
            return Response(content=page, media_type=MediaType.JSON)

        handlers.append(cached_page)
    return Litestar(route_handlers=handlers)
