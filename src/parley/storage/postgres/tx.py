"""A unit of work on one connection, handing out the repositories that share it."""

from __future__ import annotations

from functools import cached_property

from parley.storage.postgres.articles import PgArticles
from parley.storage.postgres.comments import PgComments
from parley.storage.postgres.conn import Conn
from parley.storage.postgres.moderation import PgAudit, PgBans, PgFlags, PgTokens
from parley.storage.postgres.outbound import PgOutbound
from parley.storage.postgres.site import PgSite


class PgTx:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    @cached_property
    def articles(self) -> PgArticles:
        return PgArticles(self.conn)

    @cached_property
    def comments(self) -> PgComments:
        return PgComments(self.conn)

    @cached_property
    def flags(self) -> PgFlags:
        return PgFlags(self.conn)

    @cached_property
    def audit(self) -> PgAudit:
        return PgAudit(self.conn)

    @cached_property
    def bans(self) -> PgBans:
        return PgBans(self.conn)

    @cached_property
    def tokens(self) -> PgTokens:
        return PgTokens(self.conn)

    @cached_property
    def site(self) -> PgSite:
        return PgSite(self.conn)

    @cached_property
    def outbound(self) -> PgOutbound:
        return PgOutbound(self.conn)
