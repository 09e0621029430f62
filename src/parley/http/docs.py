"""The API docs page at /schema: Swagger UI, pinned and integrity-checked, with no inline script,
so that a strict Content-Security-Policy holds on the one HTML page parley serves."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get
from litestar.openapi.plugins import OpenAPIRenderPlugin

SWAGGER_UI = "5.18.2"
CDN = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI}/"
# SHA-384 of each file as npm publishes swagger-ui-dist 5.18.2: a CDN that served other bytes is refused.
INTEGRITY = {
    "swagger-ui.css": "sha384-rcbEi6xgdPk0iWkAQzT2F3FeBJXdG+ydrawGlfHAFIZG7wU6aKbQaRewysYpmrlW",
    "swagger-ui-bundle.js": "sha384-NXtFPpN61oWCuN4D42K6Zd5Rt2+uxeIT36R7kpXBuY9tLnZorzrJ4ykpqwJfgjpZ",
    "swagger-ui-standalone-preset.js": "sha384-qr68CD0cvHa88PmVu7e1a58Ego4qvKtcvcLdS2a8Mo5zILI01gyIV9jVwJk7X2NU",
}
PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' {CDN}",
        # Swagger UI writes <style> elements as it renders (swagger-api/swagger-ui#10655); styles cannot run code.
        f"style-src {CDN} 'unsafe-inline'",
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
    if tag == "link":
        return f'<link rel="stylesheet" href="{CDN}{name}" integrity="{INTEGRITY[name]}" crossorigin="anonymous">'
    return f'<script src="{CDN}{name}" integrity="{INTEGRITY[name]}" crossorigin="anonymous"></script>'


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
        handler = get(
            "/swagger-init.js",
            name=_INIT_NAME,
            media_type="text/javascript",
            include_in_schema=False,
            sync_to_thread=False,
        )
        router.register(handler(_init_script))
