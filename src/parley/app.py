"""create_app(settings): a Store into the services, the services into the HTTP controllers."""

from __future__ import annotations

import importlib.metadata
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.types import Scope

from parley.domain.access import BanService, TokenService
from parley.domain.articles import ArticleService
from parley.domain.identity import Hasher
from parley.domain.moderation import ModerationService
from parley.domain.ports import Store
from parley.domain.records import Clock, utcnow
from parley.domain.submission import SubmissionService
from parley.domain.threads import ThreadService
from parley.http import (
    admin,
    admin_site,
    articles,
    bodies,
    browsers,
    client,
    comments,
    docs,
    errors,
    limits,
    ops,
    query,
)
from parley.http.cache import fastpath
from parley.http.cache.counts import CountAnswers
from parley.http.cache.fastpath import Remembers
from parley.http.cache.pages import ThreadPages
from parley.http.client import ParleyRequest
from parley.http.guards import COMPONENTS, provide_moderator
from parley.http.observe import Observer, ParleyApp
from parley.http.openapi import ExactOpenAPIConfig, wire_types
from parley.opening import hashing_key, open_store
from parley.settings import Settings

__version__ = importlib.metadata.version("parley")

CONTROLLERS = (
    articles.ArticlesController,
    comments.ThreadController,
    comments.CommentController,
    comments.CountsController,
    admin.QueueController,
    admin.DecisionsController,
    admin.AuditController,
    admin_site.ArticlesAdminController,
    admin_site.PolicyController,
    admin_site.BansController,
    ops.OpsController,
    ops.MetricsController,
)
WIRE = wire_types(CONTROLLERS)


class Services:
    """The services, built once the store is open; controllers receive them as named dependencies."""

    def __init__(
        self,
        store: Store,
        hasher: Hasher,
        clock: Clock,
        *,
        page_cache_bytes: int,
        stale_seconds: float,
        built: Callable[[str], None],
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.articles = ArticleService(store, clock)
        self.submissions = SubmissionService(store, hasher, clock)
        self.threads = ThreadService(store, hasher, clock)
        self.moderation = ModerationService(store, clock)
        self.tokens = TokenService(store, clock)
        self.bans = BanService(store, hasher, clock)
        self.thread_pages = ThreadPages(
            self.threads, max_bytes=page_cache_bytes, stale_for=stale_seconds, built=lambda: built("thread")
        )
        self.count_answers = CountAnswers(self.threads, stale_for=stale_seconds, built=lambda: built("counts"))
        self.remembered: dict[str, Remembers] = {"pages": self.thread_pages, "counts": self.count_answers}


def create_app(settings: Settings, *, clock: Clock = utcnow) -> Litestar:
    """The parley application for these settings; nothing is opened until it starts."""
    proxies = client.proxies(settings.trusted_proxies, settings.proxy_header)
    observer = Observer(
        access_log=settings.access_log,
        proxies=proxies,
        metrics_token=settings.metrics_token,
        shared_dir=settings.metrics_dir,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        store = await open_store(settings)
        try:
            key = await hashing_key(store, settings)
            hasher = Hasher(key)
            app.state.services = Services(
                store,
                hasher,
                clock,
                page_cache_bytes=settings.page_cache_bytes,
                stale_seconds=settings.stale_seconds,
                built=observer.built,
            )
            observer.hasher = hasher
            yield
        finally:
            observer.hasher = None
            await store.close()

    def services_of(scope: Scope) -> Services:
        found: Services = scope["litestar_app"].state.services
        return found

    def provide(name: str) -> Provide:
        def dependency(request: Request[Any, Any, Any]) -> Any:
            return getattr(services_of(request.scope), name)

        return Provide(dependency, sync_to_thread=False)

    dependencies = {name: provide(name) for name in ("articles", "submissions", "threads", "tokens", "bans", "store")}
    # Not `moderation`: that is a body field, and Litestar reports a body field's validation error under the name of
    # a dependency that shares it as a server fault (500) rather than the client's (422).
    dependencies["moderation_service"] = provide("moderation")
    dependencies["moderator"] = Provide(provide_moderator, sync_to_thread=False)
    dependencies["clock"] = Provide(lambda: clock, sync_to_thread=False)
    dependencies["pages"] = provide("thread_pages")
    dependencies["counts"] = provide("count_answers")
    dependencies["observer"] = Provide(lambda: observer, sync_to_thread=False)

    shared = Path(settings.database + "-limits")
    throttles = limits.configs(
        writes_per_minute=settings.writes_per_minute,
        reads_per_minute=settings.reads_per_minute,
        proxies=proxies,
        shared=shared,
    )
    counters = limits.stores(throttles, shared=shared)
    middleware: list[Any] = [query.known_parameters()]
    middleware += [throttle.middleware for throttle in throttles]
    middleware.append(browsers.same_site_writes(settings.cors_origins))
    middleware.append(bodies.json_bodies)
    middleware.append(fastpath.serving_cached(lambda scope, name: services_of(scope).remembered[name]))

    return ParleyApp(
        observer=observer,
        route_handlers=list(CONTROLLERS),
        dependencies=dependencies,
        lifespan=[lifespan, limits.sweeper(counters)],
        stores=dict(counters),
        plugins=[errors.plugin()],
        middleware=middleware,
        cors_config=browsers.cors(settings.cors_origins),
        before_send=[browsers.security_headers],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=ExactOpenAPIConfig(
            title="parley",
            version=__version__,
            description="Comments for news sites: articles, threads, 'Add yours', and moderation.",
            path="/schema",
            render_plugins=[docs.SwaggerPage()],
            components=[COMPONENTS],
            create_examples=False,
            wire=WIRE,
        ),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="debug",
            disable_stack_trace={404, 405, 413, 415, 422},
        ),
        state=State({"settings": settings, "proxies": proxies}),
        request_class=ParleyRequest,
        debug=settings.debug,
    )
