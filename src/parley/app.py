"""create_app(settings): a Store into the services, the services into the HTTP controllers."""

from __future__ import annotations

import asyncio
import importlib.metadata
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.exceptions import ValidationException
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.types import ASGIApp
from redis.asyncio import Redis

from parley.domain.identity import Hasher
from parley.domain.records import Clock, utcnow
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
    feeds,
    isso,
    limits,
    live,
    mail_links,
    ops,
    query,
    shared_budget,
    site,
    streams,
    webhooks,
)
from parley.http.cache import fastpath
from parley.http.deps import DEPENDENCIES, ParleyApp, ParleyRequest, Parts, app_of, parts_in
from parley.http.guards import COMPONENTS
from parley.http.observe import Observer
from parley.http.openapi import ExactOpenAPIConfig, wire_types
from parley.opening import hashing_key, open_store, services_for
from parley.outbound import worker
from parley.settings import Settings

__version__ = importlib.metadata.version("parley")

CONTROLLERS = (
    articles.ArticlesController,
    comments.ThreadController,
    comments.CommentController,
    comments.CountsController,
    streams.ArticleStreamController,
    admin.QueueController,
    streams.QueueStreamController,
    feeds.FeedsController,
    admin.DecisionsController,
    admin.AuditController,
    admin_site.ArticlesAdminController,
    admin_site.PolicyController,
    admin_site.BansController,
    webhooks.WebhooksController,
    mail_links.MailLinksController,
    ops.OpsController,
    ops.MetricsController,
    site.SiteController,
)
WIRE = wire_types(CONTROLLERS)
Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]
Middleware = Callable[[ASGIApp], ASGIApp]


def create_app(settings: Settings, *, clock: Clock = utcnow) -> Litestar:
    """The parley application for these settings; nothing is opened until it starts."""
    observer = Observer(
        access_log=settings.access_log,
        proxies=client.proxies(settings.trusted_proxies, settings.proxy_header),
        metrics_token=settings.metrics_token,
        shared_dir=settings.metrics_dir,
    )
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    channels = live.channels_plugin()
    budgets = limits.limits(
        writes_per_minute=settings.writes_per_minute,
        reads_per_minute=settings.reads_per_minute,
        shared=settings.limits_folder,
        sharing=None if redis is None else shared_budget.sharing(redis, settings.redis_prefix),
    )
    return ParleyApp(
        observer=observer,
        proxies=observer.proxies,
        route_handlers=[*CONTROLLERS, *site.assets(), *([isso.IssoController] if settings.isso_compat else [])],
        dependencies=DEPENDENCIES,
        lifespan=[_opening(settings, clock, observer, channels), _outbox(settings), budgets.sweeper(), _closing(redis)],
        plugins=[errors.plugin(), channels],
        exception_handlers={ValidationException: errors.refused_parameters},
        middleware=_middleware(settings, budgets.middleware(observer.proxies)),
        before_send=[browsers.security_headers],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=_openapi(),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="debug",
            disable_stack_trace={404, 405, 413, 415, 422},
        ),
        request_class=ParleyRequest,
        debug=settings.debug,
    )


def _opening(settings: Settings, clock: Clock, observer: Observer, channels: ChannelsPlugin) -> Lifespan:
    """The lifespan that opens the store, builds the parts on it, and closes it again."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        store = await open_store(settings)
        streams: live.Live | None = None
        try:
            hasher = Hasher(await hashing_key(store, settings))
            services = services_for(store, hasher, clock, settings)
            await services.dispatcher.begin()
            streams = live.Live(
                services.live,
                store.change_counter,
                channels,
                poll_seconds=settings.stream_poll_seconds,
                heartbeat_seconds=settings.stream_heartbeat_seconds,
                lifetime_seconds=settings.stream_lifetime_seconds,
                max_streams=settings.max_streams,
                per_network=settings.streams_per_address,
            )
            app_of(app).parts = Parts(
                services,
                page_cache_bytes=settings.page_cache_bytes,
                stale_seconds=settings.stale_seconds,
                observer=observer,
                live=streams,
                public_url=settings.public_url,
            )
            observer.hasher = hasher
            yield
        finally:
            if streams is not None:
                await streams.close()
            observer.hasher = None
            app_of(app).parts = None
            await store.close()

    return lifespan


def _outbox(settings: Settings) -> Lifespan:
    """The lifespan that runs the outbox worker beside the server, when the settings ask for it."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        parts = app_of(app).parts
        if not settings.outbox_worker or parts is None:
            yield
            return
        webhooks, mail = worker.senders(settings)
        running = worker.Worker(
            parts.services.dispatcher,
            parts.services.clock,
            webhooks=webhooks,
            mail=mail,
            poll_seconds=settings.outbox_poll_seconds,
            keep_days=settings.outbox_keep_days,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(running.run(stop), name="parley-outbox")
        try:
            yield
        finally:
            stop.set()
            await task

    return lifespan


def _closing(redis: Redis | None) -> Lifespan:
    """The lifespan that lets go of Redis's connections (made on first use, in the app's own loop)."""

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if redis is not None:
                await redis.aclose()

    return lifespan


def _middleware(settings: Settings, limiting: Middleware) -> list[Middleware]:
    """Outermost first: known query parameters, rate limits, cross-site writes, JSON bodies, remembered answers."""
    return [
        browsers.cross_origin(settings.cors_origins, with_cookies=(isso.COOKIE_PATH,) if settings.isso_compat else ()),
        query.known_parameters(),
        docs.unknown_pages_as_problems,
        limiting,
        browsers.same_site_writes(settings.cors_origins),
        bodies.json_bodies,
        fastpath.serving_cached(lambda scope, name: parts_in(scope).remembered(name)),
    ]


def _openapi() -> OpenAPIConfig:
    return ExactOpenAPIConfig(
        title="parley",
        version=__version__,
        description="Comments for news sites: articles, threads, 'Add yours', and moderation.",
        path="/schema",
        render_plugins=[docs.SwaggerPage()],
        components=[COMPONENTS],
        create_examples=False,
        wire=WIRE,
    )
