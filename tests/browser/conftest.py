"""A real browser (Debian's chromium, driven by Playwright) against a real `parley serve`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from tests.harness.server import HOST, Server, admin_token

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(
    os.environ.get("PARLEY_SCREENSHOTS", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots")
)
"""Where each step's screenshot goes (CI keeps the folder as an artefact; README: Browser tests)."""
SEED = "fragile-pause-russia-ukraine-deadlock"


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


class Site:
    """A running `parley serve` with its seed articles and an admin token made the documented way."""

    def __init__(self, server: Server, token: str) -> None:
        self.server = server
        self.token = token

    @property
    def url(self) -> str:
        return self.server.url


def start_site(folder: Path, **env: str) -> tuple[Server, str]:
    database = folder / "parley.db"
    token = admin_token(database)
    return Server(database, folder / "server.log", env={"PARLEY_WORKERS": "1", **env}).start(), token


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    server, token = start_site(tmp_path_factory.mktemp("site"))
    try:
        yield Site(server, token)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(site: Site) -> Server:
    return site.server


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


class Visitor:
    """One person's browser: its own storage, its page, and what its console said."""

    def __init__(self, context: BrowserContext, name: str) -> None:
        self.context = context
        self.name = name
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if "Content Security Policy" in message.text else None,
        )


@pytest.fixture
def visitors(browser: Browser) -> Iterator[Callable[[str], Visitor]]:
    """People, each in a browser context of their own (no shared storage); closed after the test."""
    opened: list[BrowserContext] = []

    def visitor(name: str) -> Visitor:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        opened.append(context)
        return Visitor(context, name)

    try:
        yield visitor
    finally:
        for context in opened:
            context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Save a screenshot of a step, named after the test and the step."""
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    taken = [0]

    def take(page: Page, step: str) -> None:
        taken[0] += 1
        page.screenshot(path=str(folder / f"{taken[0]:02d}-{step}.png"), full_page=True)

    return take
