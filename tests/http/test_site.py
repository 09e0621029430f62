"""The pages parley serves to people: the article page, the console shell and the widget's files."""

from __future__ import annotations

from parley.services import Services
from tests.http.helpers import Client, make_article


async def test_the_front_page_is_the_newest_article_when_the_seed_article_is_absent(
    client: Client, services: Services
) -> None:
    article = await make_article(services, title="Bridge <Reopens> & More")
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Bridge &lt;Reopens&gt; &amp; More</h1>" in page.text
    assert f'data-parley-article="{article.slug}"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


async def test_an_unknown_article_page_is_a_404_page(client: Client) -> None:
    page = await client.get("/articles/no-such-story")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "No such article" in page.text


async def test_the_console_shell_and_the_widget_files_are_served(client: Client) -> None:
    console = await client.get("/admin/")
    assert console.status_code == 200
    assert console.headers["cache-control"] == "no-store"
    assert '<script src="/web/admin/admin.js" defer></script>' in console.text
    for path in ("/embed/parley.js", "/embed/parley.css", "/web/admin/admin.js", "/web/site/site.css"):
        answer = await client.get(path)
        assert answer.status_code == 200, path
    assert (await client.get("/embed/../../settings.py")).status_code == 404
