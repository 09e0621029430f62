"""/schema renders the API docs with the network cut off: everything it needs comes from parley itself."""

from __future__ import annotations

import base64
import hashlib

from parley.http import docs
from tests.browser.conftest import Offline
from tests.harness.server import Server


def test_the_docs_page_renders_every_operation_with_no_network(server: Server, offline: Offline) -> None:
    page = offline.page
    page.goto(f"{server.url}/schema", wait_until="networkidle")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 20
    assert "parley" in page.locator(".info .title").inner_text()
    assert offline.refused == []
    assert not [line for line in offline.console if "Content Security Policy" in line], offline.console


def test_the_shipped_assets_are_the_bytes_the_page_pins(server: Server) -> None:
    for name, integrity in docs.INTEGRITY.items():
        digest = base64.b64encode(hashlib.sha384((docs.ASSETS / name).read_bytes()).digest()).decode()
        assert integrity == f"sha384-{digest}", name
