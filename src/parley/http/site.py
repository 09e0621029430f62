"""The pages parley serves to people: an article as a newsroom page with the comment widget under it (at `/` and
`/articles/{slug}`), and the moderation console shell at `/admin/`; their scripts and styles from the package."""

from __future__ import annotations

from html import escape
from pathlib import Path

from litestar import Controller, MediaType, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.static_files import create_static_files_router

from parley.domain.articles import ArticleService
from parley.domain.errors import NotFound
from parley.domain.records import ArticleSummary, ArticleView
from parley.http.limits import READS
from parley.http.params import SlugPath

WEB = Path(__file__).with_name("web")
"""The widget (`embed/`), the article page's style (`site/`) and the console (`admin/`): plain files, no build."""
FRONT_ARTICLE = "fragile-pause-russia-ukraine-deadlock"
"""The article `/` shows when it is published: the seed document's own article; else the newest one."""
PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""parley's own pages run only parley's own files: no inline script or style, no `eval`, nothing framed."""
_ASSETS_CACHE = CacheControlHeader(max_age=300, public=True)


def _shell(
    title: str,
    main: str,
    *,
    scripts: tuple[str, ...] = (),
    styles: tuple[str, ...] = (),
    skip: str = "the article",
    masthead: str = "The Parley Courier",
) -> str:
    links = "".join(f'<link rel="stylesheet" href="{href}">' for href in ("/web/site/site.css", *styles))
    loads = "".join(f'<script src="{src}" defer></script>' for src in scripts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{escape(title)}</title>\n{links}\n{loads}\n</head>\n<body>\n"
        f'<a class="skip" href="#main">Skip to {skip}</a>\n'
        f'<header class="masthead"><a href="/">{masthead}</a></header>\n'
        f'<main id="main">\n{main}\n</main>\n</body>\n</html>\n'
    )


def _summaries(heading: str, ident: str, items: list[ArticleSummary]) -> str:
    if not items:
        return ""
    entries = "".join(
        f'<li><a href="/articles/{escape(item.slug)}">{escape(item.title)}</a>'
        f' <span class="meta">{escape(item.author.name)} · {item.reading_minutes} min read</span></li>'
        for item in items
    )
    return (
        f'<section class="more" aria-labelledby="{ident}"><h2 id="{ident}">{heading}</h2><ul>{entries}</ul></section>'
    )


def article_page(view: ArticleView) -> str:
    """The newsroom page of one article: title, byline, reading time, body, what to read next, the comments."""
    article = view.article
    published = article.published_at
    main = (
        '<article class="story">\n'
        f"<h1>{escape(article.title)}</h1>\n"
        f'<p class="byline">By {escape(article.author.name)} · '
        f'<time datetime="{published.isoformat()}">{published:%d %B %Y}</time> · '
        f"{article.reading_minutes} min read</p>\n"
        f'<div class="story-body">{article.body_html}</div>\n'  # rendered and sanitized when it was stored
        "</article>\n"
        f"{_summaries('You May Also Like', 'related-heading', view.related)}\n"
        f"{_summaries('More From Author', 'more-heading', view.more_from_author)}\n"
        '<section class="comments" aria-label="Comments">'
        f'<div data-parley-article="{escape(article.slug)}"></div></section>'
    )
    return _shell(article.title, main, scripts=("/embed/parley.js",), styles=("/embed/parley.css",))


def _not_found(slug: str) -> Response[str]:
    main = f'<h1>No such article</h1><p>There is no article "{escape(slug)}". <a href="/">Front page</a></p>'
    return Response(_shell("No such article", main), status_code=404, media_type=MediaType.HTML)


class SiteController(Controller):
    path = "/"
    include_in_schema = False
    opt = READS

    @get("/")
    async def front(self, articles: NamedDependency[ArticleService]) -> Response[str]:
        """The seed article's page, or the newest article's, with its comments."""
        try:
            view = await articles.view(FRONT_ARTICLE)
        except NotFound:
            newest = await articles.page(limit=1, cursor=None, author=None, tag=None)
            if not newest.items:
                main = "<h1>No articles yet</h1><p>Publish one through the admin API or `parley seed`.</p>"
                return Response(_shell("parley", main), media_type=MediaType.HTML)
            view = await articles.view(newest.items[0].slug)
        return Response(article_page(view), media_type=MediaType.HTML)

    @get("/articles/{slug:str}")
    async def article(self, slug: SlugPath, articles: NamedDependency[ArticleService]) -> Response[str]:
        try:
            view = await articles.view(slug)
        except NotFound:
            return _not_found(slug)
        return Response(article_page(view), media_type=MediaType.HTML)

    @get("/admin/")
    async def console(self) -> Response[str]:
        """The moderation console: a page that signs in with a token and works through the admin API."""
        main = '<div id="console" class="console"><p class="loading">Loading the moderation console…</p></div>'
        page = _shell(
            "parley moderation",
            main,
            scripts=("/web/admin/admin.js",),
            styles=("/web/admin/admin.css",),
            skip="content",
            masthead="parley",
        )
        return Response(page, media_type=MediaType.HTML)


def assets() -> list[Router]:
    """The widget at /embed/ (what a site's page loads), the other pages' files at /web/."""
    return [
        create_static_files_router(
            path="/embed", directories=[WEB / "embed"], name="parley-embed", cache_control=_ASSETS_CACHE
        ),
        create_static_files_router(path="/web", directories=[WEB], name="parley-web", cache_control=_ASSETS_CACHE),
    ]
