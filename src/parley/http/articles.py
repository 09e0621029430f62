"""Public article endpoints: the newest-first list and one article with what to read next."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from parley.domain.articles import ArticleService
from parley.http.errors import problems
from parley.http.limits import READS
from parley.http.params import SlugPath
from parley.http.schemas import ArticleList, ArticleOut, ArticleSummaryOut

Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Cursor = Annotated[str | None, QueryParameter(max_length=200)]


class ArticlesController(Controller):
    path = "/api/v1/articles"
    tags = ["articles"]
    opt = READS

    @get(responses=problems(422, 429))
    async def list_articles(
        self,
        articles: NamedDependency[ArticleService],
        limit: Limit = 20,
        cursor: Cursor = None,
        author: Annotated[str | None, QueryParameter(max_length=200, description="an author's slug")] = None,
        tag: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> ArticleList:
        """Published articles, newest first, optionally by one author or with one tag."""
        page = await articles.page(limit=limit, cursor=cursor, author=author, tag=tag)
        return ArticleList([ArticleSummaryOut.from_domain(item) for item in page.items], page.next_cursor)

    @get("/{slug:str}", responses=problems(404, 422, 429))
    async def get_article(self, slug: SlugPath, articles: NamedDependency[ArticleService]) -> ArticleOut:
        """One article: reading time, sanitized body, comment state, 'You May Also Like' and 'More From Author'."""
        return ArticleOut.from_view(await articles.view(slug))
