"""The domain's services over one open store: what the HTTP layer and the command line call."""

from __future__ import annotations

from parley.domain.access import BanService, TokenService
from parley.domain.articles import ArticleService
from parley.domain.authors import AuthorService
from parley.domain.dispatch import Dispatcher
from parley.domain.feeds import FeedService
from parley.domain.identity import Hasher
from parley.domain.live import LiveFeed
from parley.domain.moderation import ModerationService
from parley.domain.notices import MailConfig
from parley.domain.outbox import Schedule
from parley.domain.ports import Store
from parley.domain.privacy import PrivacyService
from parley.domain.records import Clock
from parley.domain.submission import SubmissionService
from parley.domain.threads import ThreadService
from parley.domain.webhooks import WebhookService


class Services:
    """Every service, built once the store is open and its hashing key known."""

    def __init__(
        self,
        store: Store,
        hasher: Hasher,
        clock: Clock,
        *,
        mail: MailConfig | None = None,
        schedule: Schedule | None = None,
        site_url: str = "",
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.articles = ArticleService(store, clock)
        self.submissions = SubmissionService(store, hasher, clock)
        self.threads = ThreadService(store, hasher, clock)
        self.moderation = ModerationService(store, clock)
        self.tokens = TokenService(store, clock)
        self.bans = BanService(store, hasher, clock)
        self.privacy = PrivacyService(store, hasher, clock)
        self.live = LiveFeed(store, clock)
        self.feeds = FeedService(store, clock)
        self.mail = mail or MailConfig(site_url=site_url)
        self.webhooks = WebhookService(store, clock)
        self.authors = AuthorService(store, hasher, clock, self.mail)
        self.dispatcher = Dispatcher(
            store, hasher, clock, mail=self.mail, schedule=schedule or Schedule(), site_url=site_url
        )
