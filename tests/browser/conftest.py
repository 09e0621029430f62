"""A real browser (Debian's chromium, driven by Playwright) against a real `parley serve`, with no network."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.harness.server import HOST, Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: Playwright's sync API holds an event loop on this thread while it runs, which the
    asyncio tests of other modules must not find there."""
    if not Path(CHROMIUM).exists():
        # CI installs Debian's chromium and sets PARLEY_REQUIRE_BROWSER: there a missing browser is a failure.
        if os.environ.get("PARLEY_REQUIRE_BROWSER"):
            pytest.fail(f"no chromium at {CHROMIUM}: `apt-get install chromium`")
        pytest.skip("browser tests need Debian's chromium (`apt-get install chromium`)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    running = Server(folder / "parley.db", folder / "server.log").start()
    try:
        yield running
    finally:
        running.stop()


class Offline:
    """A page whose every request to another host is refused and recorded: the network is cut off."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.refused: list[str] = []
        self.console: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))

    def _route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == HOST:
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline(browser: Browser) -> Iterator[Offline]:
    context = browser.new_context()
    try:
        yield Offline(context.new_page())
    finally:
        context.close()
