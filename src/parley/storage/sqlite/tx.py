"""A unit of work on one connection, handing out the repositories that share it."""

from __future__ import annotations

from functools import cached_property

from parley.storage.sqlite.articles import SqliteArticles
from parley.storage.sqlite.comments import SqliteComments
from parley.storage.sqlite.conn import Conn
from parley.storage.sqlite.moderation import SqliteAudit, SqliteBans, SqliteFlags, SqliteTokens
from parley.storage.sqlite.outbound import SqliteOutbound
from parley.storage.sqlite.site import SqliteSite


class SqliteTx:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    @cached_property
    def articles(self) -> SqliteArticles:
        return SqliteArticles(self.conn)

    @cached_property
    def comments(self) -> SqliteComments:
        return SqliteComments(self.conn)

    @cached_property
    def flags(self) -> SqliteFlags:
        return SqliteFlags(self.conn)

    @cached_property
    def audit(self) -> SqliteAudit:
        return SqliteAudit(self.conn)

    @cached_property
    def bans(self) -> SqliteBans:
        return SqliteBans(self.conn)

    @cached_property
    def tokens(self) -> SqliteTokens:
        return SqliteTokens(self.conn)

    @cached_property
    def site(self) -> SqliteSite:
        return SqliteSite(self.conn)

    @cached_property
    def outbound(self) -> SqliteOutbound:
        return SqliteOutbound(self.conn)
