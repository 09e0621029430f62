"""What handlers and middleware are given: the running app's parts, through typed providers, never by name.

`ParleyApp` is Litestar with an observer at its entry point and its parts as typed attributes; `running(app)`
reads them, and each provider below hands one to the handlers that name it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.types import Message, Receive, Scope, Send

from parley.domain.access import BanService, TokenService
from parley.domain.articles import ArticleService
from parley.domain.authors import AuthorService
from parley.domain.feeds import FeedService
from parley.domain.identity import Client
from parley.domain.moderation import ModerationService
from parley.domain.ports import Store
from parley.domain.records import Clock, Token
from parley.domain.submission import SubmissionService
from parley.domain.threads import ThreadService
from parley.domain.webhooks import WebhookService
from parley.http import live
from parley.http.cache.counts import CountAnswers
from parley.http.cache.fastpath import Remembers
from parley.http.cache.pages import ThreadPages
from parley.http.client import Proxies, resolve
from parley.http.errors import DECIDED
from parley.http.live import Live
from parley.http.observe import Observer
from parley.services import Services


class Parts:
    """What the app runs on once started: the services and the answers each process remembers."""

    def __init__(
        self,
        services: Services,
        *,
        page_cache_bytes: int,
        stale_seconds: float,
        observer: Observer,
        live: Live,
        public_url: str = "",
    ) -> None:
        self.services = services
        self.live = live
        self.public_url = public_url
        self.pages = ThreadPages(
            services.threads,
            max_bytes=page_cache_bytes,
            stale_for=stale_seconds,
            built=lambda: observer.built("thread"),
        )
        self.counts = CountAnswers(services.threads, stale_for=stale_seconds, built=lambda: observer.built("counts"))

    def remembered(self, name: str) -> Remembers:
        """The cache a route names in its `opt` (`http.cache.fastpath.CACHED`)."""
        caches: dict[str, Remembers] = {"pages": self.pages, "counts": self.counts}
        return caches[name]


_DECIDED = DECIDED.lower().encode()
log = logging.getLogger("parley.live")


class ParleyApp(Litestar):
    """Litestar with an observer at its entry point and typed parts: who to believe, and, once started, the rest."""

    def __init__(self, *, observer: Observer, proxies: Proxies, **config: Any) -> None:
        super().__init__(**config)
        self.observer = observer
        self.proxies = proxies
        self.parts: Parts | None = None

    async def __call__(self, scope: Any, receive: Receive, send: Send) -> None:  # type: ignore[override]
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the application ends without answering

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [pair for pair in message.get("headers", ()) if pair[0].lower() != _DECIDED]
            await send(message)

        try:
            if scope["path"].endswith("/stream"):
                try:
                    await super().__call__(scope, receive, live.patient(sending))
                except* live.Stalled:
                    log.info("a live stream's client read nothing for %.0f s; its stream is closed", live.SEND_SECONDS)
            else:
                await super().__call__(scope, receive, sending)
        finally:
            self.observer.record(scope, status, time.perf_counter() - started)
            # A write this process made: its live streams need not wait for their next look at the database.
            if scope["method"] != "GET" and status < 300 and self.parts is not None:
                self.parts.live.poke()


def app_of(app: Litestar) -> ParleyApp:
    if not isinstance(app, ParleyApp):
        raise TypeError("parley's handlers run only in the app create_app builds")
    return app


def running(app: Litestar) -> Parts:
    """The started app's parts."""
    parts = app_of(app).parts
    if parts is None:
        raise RuntimeError("the app has not started: its store is not open")
    return parts


def parts_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Parts:
    return running(connection.app)


def parts_in(scope: Scope) -> Parts:
    """The parts, from a middleware's scope."""
    return running(Litestar.from_scope(scope))


class ParleyRequest(Request[Any, Any, Any]):
    """A request that knows who sent it: proxy headers believed only from the configured proxies.

    A property of the request rather than a dependency: a handler with two dependencies makes Litestar resolve
    them in a task group, a cost paid on every submission.
    """

    @property
    def visitor(self) -> Client:
        return resolve(self, app_of(self.app).proxies)


def _articles(request: ParleyRequest) -> ArticleService:
    return parts_of(request).services.articles


def _submissions(request: ParleyRequest) -> SubmissionService:
    return parts_of(request).services.submissions


def _threads(request: ParleyRequest) -> ThreadService:
    return parts_of(request).services.threads


def _moderation(request: ParleyRequest) -> ModerationService:
    return parts_of(request).services.moderation


def _tokens(request: ParleyRequest) -> TokenService:
    return parts_of(request).services.tokens


def _bans(request: ParleyRequest) -> BanService:
    return parts_of(request).services.bans


def _store(request: ParleyRequest) -> Store:
    return parts_of(request).services.store


def _clock(request: ParleyRequest) -> Clock:
    return parts_of(request).services.clock


def _pages(request: ParleyRequest) -> ThreadPages:
    return parts_of(request).pages


def _counts(request: ParleyRequest) -> CountAnswers:
    return parts_of(request).counts


def _feeds(request: ParleyRequest) -> FeedService:
    return parts_of(request).services.feeds


def _webhooks(request: ParleyRequest) -> WebhookService:
    return parts_of(request).services.webhooks


def _authors(request: ParleyRequest) -> AuthorService:
    return parts_of(request).services.authors


def _live(request: ParleyRequest) -> Live:
    return parts_of(request).live


def _observer(request: ParleyRequest) -> Observer:
    return app_of(request.app).observer


_ADMITTED = "parley.moderator"


def admit(connection: ASGIConnection[Any, Any, Any, Any], token: Token) -> None:
    """Remember for this request the token a guard admitted."""
    connection.state[_ADMITTED] = token


def admitted(connection: ASGIConnection[Any, Any, Any, Any]) -> Token | None:
    """The token a guard admitted earlier in this request, if any."""
    token = connection.state.get(_ADMITTED)
    return token if isinstance(token, Token) else None


def _moderator(request: ParleyRequest) -> Token:
    """The token the guard admitted; its name is the actor in the audit log."""
    token = admitted(request)
    if token is None:
        raise RuntimeError("a handler asked for the moderator of a route no guard admits")
    return token


def _provide(function: Callable[[ParleyRequest], object]) -> Provide:
    return Provide(function, sync_to_thread=False)


DEPENDENCIES: dict[str, Provide] = {
    "articles": _provide(_articles),
    "submissions": _provide(_submissions),
    "threads": _provide(_threads),
    # Not `moderation`: a body field has that name, and Litestar reports a body field's validation error under
    # the name of a dependency sharing it as a server fault (500) rather than the client's (422).
    "moderation_service": _provide(_moderation),
    "tokens": _provide(_tokens),
    "bans": _provide(_bans),
    "store": _provide(_store),
    "clock": _provide(_clock),
    "pages": _provide(_pages),
    "counts": _provide(_counts),
    "observer": _provide(_observer),
    "live": _provide(_live),
    "feeds": _provide(_feeds),
    "webhooks": _provide(_webhooks),
    "authors": _provide(_authors),
    "moderator": _provide(_moderator),
}
"""Each dependency a handler may name, typed by its provider."""
