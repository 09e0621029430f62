"""The README's two screenshots, from a real server with a few comments: `python scripts/readme_screenshots.py`.

Needs Debian's chromium (`apt-get install chromium`) and the dev install (Playwright). Writes
docs/screenshots/article.png and docs/screenshots/console.png.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
PARLEY = str(Path(sys.executable).with_name("parley"))
OUT = ROOT / "docs" / "screenshots"
folder = tempfile.mkdtemp()
db = f"{folder}/parley.db"
env = {
    **os.environ,
    "PARLEY_WRITES_PER_MINUTE": "0",
    "PARLEY_READS_PER_MINUTE": "0",
    "PARLEY_WORKERS": "1",
    "PARLEY_STALE_SECONDS": "0",
}
subprocess.run([PARLEY, "migrate", "--database", db], env=env, capture_output=True)
tok = subprocess.run(
    [PARLEY, "token", "create", "--role", "admin", "--name", "ed", "--database", db],
    env=env,
    capture_output=True,
    text=True,
).stdout.splitlines()[-1]
p = subprocess.Popen(
    [PARLEY, "serve", "--port", "18412", "--database", db], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
)
U = "http://127.0.0.1:18412"
H = {"Authorization": f"Bearer {tok}"}
try:
    for _ in range(100):
        try:
            if httpx.get(U + "/readyz").status_code == 200:
                break
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.1)
    slug = "fragile-pause-russia-ukraine-deadlock"

    def post(body, **kw):
        r = httpx.post(f"{U}/api/v1/articles/{slug}/comments", json={"body": body, **kw}).json()
        return r["comment"]["id"]

    a = post(
        "The memorandum's terms were never going to be accepted in Kyiv. The body exchange is the only real progress.",
        author_name="Ann Fisher",
    )
    b = post(
        "What would a monitored ceasefire even look like along a line that long?",
        author_name="Bo Lind",
        author_url="https://bo.example.org",
    )
    for c in (a, b):
        httpx.post(f"{U}/api/v1/admin/comments/{c}/moderate", json={"action": "approve"}, headers=H)
    r = post(
        "There is a good explainer on exactly that: *What It Actually Takes to Monitor a Ceasefire*.",
        author_name="Cy Ortega",
        parent_id=b,
    )
    httpx.post(f"{U}/api/v1/admin/comments/{r}/moderate", json={"action": "approve"}, headers=H)
    post("Buy cheap watches at casino-deals.example", author_name="Dealz", author_email="dealz@example.net")
    post(
        "Honest question: who pays for the monitors?",
        author_name="Eve Park",
        author_email="eve@example.org",
        parent_id=a,
    )
    with sync_playwright() as pw:
        b_ = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = b_.new_page(viewport={"width": 1000, "height": 1100})
        page.goto(U + "/")
        page.wait_for_selector(".parley-comment")
        page.locator(".more").first.scroll_into_view_if_needed()
        page.evaluate(
            "window.scrollTo(0, document.querySelector('.more').getBoundingClientRect().top + window.scrollY - 20)"
        )
        page.screenshot(path=str(OUT / "article.png"))
        page2 = b_.new_page(viewport={"width": 1000, "height": 1100})
        page2.goto(U + "/admin/")
        page2.get_by_label("Moderator token").fill(tok)
        page2.get_by_role("button", name="Sign in").click()
        page2.wait_for_selector(".item")
        page2.wait_for_timeout(300)
        page2.screenshot(path=str(OUT / "console.png"))
        b_.close()
finally:
    p.terminate()
    p.wait()
