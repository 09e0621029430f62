"""The API docs page at /schema: Swagger UI served from the package itself (no network needed), pinned and
integrity-checked, with no inline script, so that a strict Content-Security-Policy holds on the one HTML page
parley serves; and problem details for any other path under /schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.enums import ScopeType
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send

SWAGGER_UI = "5.18.2"
ASSETS = Path(__file__).with_name("swagger_ui")
"""swagger-ui-dist's files as npm publishes them, with their licence (swagger_ui/README.md)."""
ASSETS_PATH = f"/schema/assets/{SWAGGER_UI}"
# SHA-384 of each file as npm publishes swagger-ui-dist 5.18.2: the browser refuses other bytes.
INTEGRITY = {
    "swagger-ui.css": "sha384-rcbEi6xgdPk0iWkAQzT2F3FeBJXdG+ydrawGlfHAFIZG7wU6aKbQaRewysYpmrlW",
    "swagger-ui-bundle.js": "sha384-NXtFPpN61oWCuN4D42K6Zd5Rt2+uxeIT36R7kpXBuY9tLnZorzrJ4ykpqwJfgjpZ",
    "swagger-ui-standalone-preset.js": "sha384-qr68CD0cvHa88PmVu7e1a58Ego4qvKtcvcLdS2a8Mo5zILI01gyIV9jVwJk7X2NU",
}
PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        # Swagger UI writes <style> elements as it renders (swagger-api/swagger-ui#10655); styles cannot run code.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",  # its icons are data: SVGs in its stylesheet
        "connect-src 'self'",  # the OpenAPI document and "Try it out" go to this server only
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_INIT_NAME = "parley-swagger-init"
_INIT = """\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.url,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout"
  });
});
"""


def _asset(name: str, tag: str) -> str:
    where = f"{ASSETS_PATH}/{name}"
    if tag == "link":
        return f'<link rel="stylesheet" href="{where}" integrity="{INTEGRITY[name]}">'
    return f'<script src="{where}" integrity="{INTEGRITY[name]}"></script>'


def _init_script() -> str:
    """The page's start-up code, served from here because the page's policy forbids inline scripts."""
    return _INIT


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI for the OpenAPI document, shown at /schema and /schema/swagger."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        document = self.get_openapi_json_route(request)
        init = request.app.route_reverse(_INIT_NAME)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{openapi_schema["info"]["title"]} API</title>
{_asset("swagger-ui.css", "link")}
</head>
<body>
<div id="swagger-ui" data-url="{document}"></div>
{_asset("swagger-ui-bundle.js", "script")}
{_asset("swagger-ui-standalone-preset.js", "script")}
<script src="{init}"></script>
</body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        router.register(
            create_static_files_router(
                path=ASSETS_PATH.removeprefix(router.path),
                directories=[ASSETS],
                name="parley-swagger-assets",
                # The path names the version: a file under it never changes.
                cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True, immutable=True),
            )
        )
        handler = get(
            "/swagger-init.js",
            name=_INIT_NAME,
            media_type="text/javascript",
            include_in_schema=False,
            sync_to_thread=False,
        )
        router.register(handler(_init_script))


_NOT_FOUND = msgspec.json.encode(
    {"status": 404, "title": "Not Found", "detail": "no such resource", "code": "not_found", "type": "about:blank"}
)


def unknown_pages_as_problems(app: ASGIApp) -> ASGIApp:
    """Middleware: a path under /schema that no docs page answers gets problem details, as every other unknown
    path does, instead of the HTML page Litestar's docs controller writes for it."""

    async def answering(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not scope["path"].startswith("/schema/"):
            await app(scope, receive, send)
            return
        replaced = False

        async def sending(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 404:
                kind = dict(message.get("headers") or ()).get(b"content-type", b"")
                replaced = kind.startswith(b"text/html")
            if not replaced:
                await send(message)
            elif message["type"] == "http.response.start":
                headers = [(b"content-type", b"application/problem+json"), (b"content-length", b"%d" % len(_NOT_FOUND))]
                await send({"type": "http.response.start", "status": 404, "headers": headers})
                await send({"type": "http.response.body", "body": _NOT_FOUND, "more_body": False})

        await app(scope, receive, sending)

    return answering
