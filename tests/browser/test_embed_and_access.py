"""The widget pasted into another site's page (another origin, a strict CSP), and an accessibility scan of the
article page and of the console with axe-core."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Callable, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from parley.http.site import WEB
from tests.browser.conftest import SEED, Site, Visitor, start_site
from tests.browser.test_reader_and_moderator import add_yours, sign_in
from tests.harness.server import HOST, free_port

Shot = Callable[[Page, str], None]


class NewsSite:
    """Another site on another port: one page that pastes the widget, under a CSP that trusts only parley."""

    def __init__(self, port: int, parley: str) -> None:
        self.url = f"http://{HOST}:{port}"
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Elsewhere News</title>'
            f'<link rel="stylesheet" href="{parley}/embed/parley.css"></head><body><main>'
            "<h1>A story on another site</h1><p>Its comments come from parley.</p>"
            f'<div data-parley-article="{SEED}"></div>'
            f'<script src="{parley}/embed/parley.js" defer></script></main></body></html>'
        ).encode()
        policy = f"default-src 'none'; script-src {parley}; style-src {parley}; connect-src {parley}; img-src data:"

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", policy)
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer((HOST, port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, NewsSite]]:
    """parley, allowing the news site's origin, and the news site."""
    port = free_port()
    server, token = start_site(tmp_path_factory.mktemp("embed"), PARLEY_CORS_ORIGINS=f"http://{HOST}:{port}")
    news = NewsSite(port, server.url)
    try:
        yield Site(server, token), news
    finally:
        news.close()
        server.stop()


def test_the_widget_works_on_another_sites_page_under_its_strict_policy(
    embedded: tuple[Site, NewsSite], visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    _site, news = embedded
    reader = visitors("hana")
    page = reader.page
    page.goto(news.url)
    expect(page.locator(".parley-count")).to_have_text("There are no comments")
    add_yours(page, "Hana", "Posted from another site.")
    expect(page.locator(".parley-waiting")).to_be_visible()
    shot(page, "embedded")
    assert reader.errors == []


def test_the_article_page_has_no_serious_accessibility_violations(
    site: Site, visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    page = visitors("ida").page
    page.goto(f"{site.url}/")
    expect(page.locator(".parley-count")).not_to_have_text("Loading comments…")
    page.get_by_role("button", name="Add yours").click()
    page.get_by_role("button", name="Post comment").click()  # empty: the scan sees every refusal shown too
    expect(page.locator(".parley-error:not([hidden])").first).to_be_visible()
    assert serious(page) == []
    shot(page, "article-scanned")


def test_the_console_has_no_serious_accessibility_violations(
    site: Site, visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    reader = visitors("jo").page
    reader.goto(f"{site.url}/")
    add_yours(reader, "Jo", "One for the queue.")
    expect(reader.locator(".parley-waiting")).to_be_visible()
    page = visitors("kim").page
    page.goto(f"{site.url}/admin/")
    assert serious(page) == []  # the sign-in form
    sign_in(page, site)
    expect(page.locator(".item").first).to_be_visible()
    assert serious(page) == []
    for view in ("Bans", "Audit log", "Policy"):
        page.get_by_role("button", name=view).click()
        expect(page.locator(".view form, .view ol, .view ul").first).to_be_visible()
        assert serious(page) == [], view
    shot(page, "console-scanned")


def serious(page: Page) -> list[str]:
    """axe-core's violations of impact serious or critical: rule, impact and the first element, one per line."""
    found = Axe().run(page).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): {violation['nodes'][0]['html'][:120]}"
        for violation in found
        if violation["impact"] in ("serious", "critical")
    ]


def test_the_widget_is_small() -> None:
    """The README states the gzipped size; this keeps it under the 15 KB the widget aims for."""
    script = (WEB / "embed" / "parley.js").read_bytes()
    style = (WEB / "embed" / "parley.css").read_bytes()
    assert len(gzip.compress(script, 9)) + len(gzip.compress(style, 9)) < 15 * 1024
