"""Isso's own, unchanged embed.min.js on a news page of another origin, talking to parley's /isso/ mount."""

from __future__ import annotations

import http.server
import importlib.metadata
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SEED, Site, Visitor, start_site
from tests.harness.server import HOST, free_port

Shot = Callable[[Page, str], None]


def shipped(name: str) -> bytes:
    """A file of the `isso` distribution from PyPI (the dev extra), exactly as Isso ships it. Found through the
    distribution's record, never imported: importing Isso's server would configure this process's logging."""
    found = next(item for item in importlib.metadata.files("isso") or () if item.as_posix() == name)
    return Path(str(found.locate())).read_bytes()


class IssoNewsSite:
    """A newsroom's page that keeps Isso's snippet, its script and style served by the newsroom itself."""

    def __init__(self, port: int, parley: str) -> None:
        self.url = f"http://{HOST}:{port}"
        self.article = f"{self.url}/2026/11/{SEED}.html"
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Elsewhere News</title></head>'
            "<body><main><h1>A story on a site that used Isso</h1><p>Its comments now come from parley.</p>"
            '<section id="isso-thread"></section>'
            f'<script data-isso="{parley}/isso/" data-isso-css-url="/css/isso.css" src="/js/embed.min.js"></script>'
            "</main></body></html>"
        ).encode()
        files = {
            "/js/embed.min.js": ("text/javascript", shipped("isso/js/embed.min.js")),
            "/css/isso.css": ("text/css", shipped("isso/css/isso.css")),
        }

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                kind, body = files.get(self.path, ("text/html; charset=utf-8", page))
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer((HOST, port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def isso_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, IssoNewsSite]]:
    """parley with the Isso mount on, allowing the news site's origin; and the news site."""
    port = free_port()
    server, token = start_site(
        tmp_path_factory.mktemp("isso"), PARLEY_ISSO_COMPAT="true", PARLEY_CORS_ORIGINS=f"http://{HOST}:{port}"
    )
    news = IssoNewsSite(port, server.url)
    try:
        yield Site(server, token), news
    finally:
        news.close()
        server.stop()


def test_a_comment_posted_through_issos_widget_waits_is_approved_in_parley_and_shown_by_the_widget(
    isso_site: tuple[Site, IssoNewsSite], visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    site, news = isso_site
    reader = visitors("hana")
    page = reader.page
    page.goto(news.article)
    expect(page.locator(".isso-thread-heading")).to_have_text("No Comments Yet")
    page.get_by_label("Name").fill("Hana")
    page.locator(".isso-postbox .isso-textarea").fill("Posted through *Isso's* own widget.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".isso-postbox .isso-preview .isso-text em")).to_have_text("Isso's")
    page.locator(".isso-postbox input[type=submit]").click()
    mine = page.locator("#isso-root .isso-comment")
    expect(mine.locator(".isso-note")).to_have_text("Comment in queue for moderation.")
    expect(mine.locator(".isso-text em")).to_have_text("Isso's")
    shot(page, "posted-waiting")

    # The author's edit goes through the cookie parley set on the post, from the news site's origin.
    mine.locator("a.isso-edit").click()
    editing = mine.locator(".isso-text-wrapper textarea")
    expect(editing).to_have_value("Posted through *Isso's* own widget.")
    editing.fill("Posted, then corrected, through *Isso's* own widget.")
    mine.locator("a.isso-edit").click()
    expect(mine.locator(".isso-text")).to_have_text("Posted, then corrected, through Isso's own widget.")
    comment_id = (mine.get_attribute("id") or "").removeprefix("isso-")

    other = visitors("ivo").page
    other.goto(news.article)
    expect(other.locator(".isso-thread-heading")).to_have_text("No Comments Yet")

    desk = {"Authorization": f"Bearer {site.token}"}
    approved = httpx.post(
        f"{site.url}/api/v1/admin/comments/{comment_id}/moderate", json={"action": "approve"}, headers=desk
    )
    assert approved.status_code == 200, approved.text

    other.reload()
    shown = other.locator("#isso-root .isso-comment")
    expect(other.locator(".isso-thread-heading")).to_have_text("One Comment")
    expect(shown.locator(".isso-author")).to_have_text("Hana")
    expect(shown.locator(".isso-text")).to_have_text("Posted, then corrected, through Isso's own widget.")
    expect(shown.locator(".isso-note")).to_have_text("")
    expect(shown.locator("a.isso-edit")).to_have_count(0)  # no cookie of theirs: no edit for a stranger
    shot(other, "approved-shown")

    page.reload()
    expect(mine.locator(".isso-text")).to_have_text("Posted, then corrected, through Isso's own widget.")
    expect(mine.locator("a.isso-edit")).to_have_count(1)  # the author keeps theirs for the edit window
    assert reader.errors == []
