"""Public article endpoints: the newest-first list and one article with what to read next."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from parley.domain.articles import ArticleService
from parley.http.errors import problems
from parley.http.limits import READS
from parley.http.params import ArticleLimit, AuthorFilter, Cursor, SlugPath, TagFilter
from parley.http.schemas import ArticleList, ArticleOut, ArticleSummaryOut


class ArticlesController(Controller):
    path = "/api/v1/articles"
    tags = ["articles"]
    opt = READS

    @get(responses=problems(422, 429))
    async def list_articles(
        self,
        articles: NamedDependency[ArticleService],
        limit: ArticleLimit = 20,
        cursor: Cursor = None,
        author: AuthorFilter = None,
        tag: TagFilter = None,
    ) -> ArticleList:
        """Published articles, newest first, optionally by one author or with one tag."""
        page = await articles.page(limit=limit, cursor=cursor, author=author, tag=tag)
        return ArticleList.of(page, ArticleSummaryOut.from_domain)

    @get("/{slug:str}", responses=problems(404, 422, 429))
    async def get_article(self, slug: SlugPath, articles: NamedDependency[ArticleService]) -> ArticleOut:
        """One article: reading time, sanitized body, comment state, 'You May Also Like' and 'More From Author'."""
        return ArticleOut.from_view(await articles.view(slug))
