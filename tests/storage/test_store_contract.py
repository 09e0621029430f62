"""What every Store must do, checked through the Protocol only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from parley.domain import tree
from parley.domain.errors import AlreadyExists
from parley.domain.paging import Position, Sort
from parley.domain.policy import Policy
from parley.domain.ports import Store, Tx
from parley.domain.records import (
    Article,
    AuditQuery,
    Author,
    BanFilter,
    Comment,
    FirstAnswer,
    FlagReason,
    NewBan,
    NewComment,
    NewEvent,
    Role,
    Status,
    ThreadRow,
)
from tests import builders

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


async def add_article(store: Store, **overrides: object) -> Article:
    draft = builders.article(**overrides)
    async with store.writing() as tx:
        return await tx.articles.insert(draft, body_html="<p>x</p>", reading_minutes=1, now=NOW)


async def add_comment(
    tx: Tx,
    article: Article,
    parent: Comment | None = None,
    *,
    visible: bool = True,
    body: str = "hello",
    email_hash: str | None = None,
    name: str = "Ann",
    email: str | None = None,
    author: str = "author-key",
) -> Comment:
    return await tx.comments.insert(
        NewComment(
            article_id=article.id,
            parent_id=None if parent is None else parent.id,
            parent_path=None if parent is None else parent.path,
            depth=0 if parent is None else parent.depth + 1,
            status=Status.APPROVED if visible else Status.PENDING,
            visible=visible,
            author_name=name,
            author_email=email,
            author_url=None if email is None else "https://ann.example.org",
            email_hash=email_hash,
            author_key=email_hash or "key",
            author_token_hash=author,
            address_hash="addr",
            body=body,
            body_html=f"<p>{body}</p>",
            body_hash=body,
            created_at=NOW,
            edit_token_hash=f"token-{body}-{name}-{parent.id if parent else 0}-{visible}",
            rules=(),
            told_status=Status.APPROVED if visible else Status.PENDING,
        )
    )


async def page(
    tx: Tx,
    article: Article,
    *,
    sort: Sort = Sort.OLDEST,
    limit: int = 10,
    budget: int = 1000,
    own_id: int | None = None,
    after: Position | None = None,
) -> tuple[list[ThreadRow], bool]:
    found = await tx.comments.thread(article.id, sort=sort, after=after, limit=limit, budget=budget, own_id=own_id)
    return found.rows, found.more


async def test_an_article_is_stored_and_found_by_slug(store: Store) -> None:
    article = await add_article(store, slug="first", tags=("a", "b"))
    async with store.reading() as tx:
        found = await tx.articles.by_slug("first", now=NOW)
    assert found == article
    assert found.tags == ("a", "b")
    assert found.comment_count == 0


async def test_a_second_article_with_the_same_slug_is_refused_and_the_first_kept(store: Store) -> None:
    first = await add_article(store, slug="same", title="First")
    with pytest.raises(AlreadyExists):
        await add_article(store, slug="same", title="Second")
    async with store.reading() as tx:
        assert await tx.articles.by_slug("same", now=NOW) == first


async def test_an_article_published_later_is_hidden_until_then(store: Store) -> None:
    await add_article(store, slug="later", published_at=NOW + timedelta(days=1))
    async with store.reading() as tx:
        assert await tx.articles.by_slug("later", now=NOW) is None
        assert await tx.articles.by_slug("later", now=None) is not None
        assert await tx.articles.page(limit=10, after=None, author=None, tag=None, now=NOW) == []


async def test_pages_of_articles_are_newest_first_and_filter_by_author_and_tag(store: Store) -> None:
    old = await add_article(store, published_at=NOW - timedelta(days=3), tags=("x",))
    mid = await add_article(store, published_at=NOW - timedelta(days=2), author=Author("other", "Other"))
    new = await add_article(store, published_at=NOW - timedelta(days=1), tags=("x", "y"))
    async with store.reading() as tx:
        everything = await tx.articles.page(limit=10, after=None, author=None, tag=None, now=NOW)
        by_tag = await tx.articles.page(limit=10, after=None, author=None, tag="x", now=NOW)
        by_author = await tx.articles.page(limit=10, after=None, author="other", tag=None, now=NOW)
    assert [a.id for a in everything] == [new.id, mid.id, old.id]
    assert [a.id for a in by_tag] == [new.id, old.id]
    assert [a.id for a in by_author] == [mid.id]


async def test_related_articles_share_the_most_tags_and_exclude_the_article(store: Store) -> None:
    article = await add_article(store, tags=("a", "b", "c"))
    two = await add_article(store, tags=("a", "b"))
    one = await add_article(store, tags=("c",))
    await add_article(store, tags=("z",))
    async with store.reading() as tx:
        related = await tx.articles.related(article, limit=3, now=NOW)
    assert [a.id for a in related] == [two.id, one.id]


async def test_more_from_the_same_author_excludes_the_article(store: Store) -> None:
    me = Author("me", "Me")
    article = await add_article(store, author=me)
    other = await add_article(store, author=me)
    await add_article(store, author=Author("you", "You"))
    async with store.reading() as tx:
        assert [a.id for a in await tx.articles.by_same_author(article, limit=3, now=NOW)] == [other.id]


async def test_counts_follow_visibility_for_the_article_and_every_ancestor(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        root = await add_comment(tx, article)
        reply = await add_comment(tx, article, root, body="reply")
        deep = await add_comment(tx, article, reply, body="deep")
        hidden = await add_comment(tx, article, root, visible=False, body="hidden")
    async with store.reading() as tx:
        assert (await tx.articles.by_id(article.id)).comment_count == 3
        assert (await tx.comments.get(root.id)).visible_replies == 2  # type: ignore[union-attr]
        assert (await tx.comments.get(reply.id)).visible_replies == 1  # type: ignore[union-attr]
        assert hidden.visible is False
        assert deep.depth == 2
    async with store.writing() as tx:
        await tx.comments.set_state(
            reply, status=Status.REMOVED, previous_status=Status.APPROVED, visible=False, flagged=False
        )
    async with store.reading() as tx:
        assert (await tx.articles.by_id(article.id)).comment_count == 2
        assert (await tx.comments.get(root.id)).visible_replies == 1  # type: ignore[union-attr]


async def test_every_change_to_a_thread_bumps_the_article_version(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        comment = await add_comment(tx, article, visible=False)
        after_insert = (await tx.articles.by_id(article.id)).version
        await tx.comments.set_body(
            comment, body="new", body_html="<p>new</p>", body_hash="new", rules=(), told_status=None, at=NOW
        )
        after_edit = (await tx.articles.by_id(article.id)).version
    assert article.version < after_insert < after_edit


async def test_a_thread_page_is_one_ordered_list_of_roots_and_their_shown_replies(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        first = await add_comment(tx, article, body="first")
        second = await add_comment(tx, article, body="second")
        reply_to_first = await add_comment(tx, article, first, body="r1")
        await add_comment(tx, article, first, visible=False, body="pending reply")
        third = await add_comment(tx, article, body="third")
    async with store.reading() as tx:
        rows, more = await page(tx, article, sort=Sort.OLDEST, limit=2, own_id=None)
    assert [r.id for r in rows] == [first.id, reply_to_first.id, second.id]
    assert more is True
    async with store.reading() as tx:
        newest, more = await page(tx, article, sort=Sort.NEWEST, limit=10, own_id=None)
        top, _ = await page(tx, article, sort=Sort.TOP, limit=1, own_id=None)
    assert [r.id for r in newest] == [third.id, second.id, first.id, reply_to_first.id]
    assert more is False
    assert [r.id for r in top] == [first.id, reply_to_first.id]


async def test_a_thread_keeps_a_hidden_parent_only_while_it_has_visible_replies(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        root = await add_comment(tx, article)
        reply = await add_comment(tx, article, root, body="reply")
        root = await tx.comments.set_state(
            root, status=Status.REMOVED, previous_status=Status.APPROVED, visible=False, flagged=False
        )
    async with store.reading() as tx:
        rows, _ = await page(tx, article, sort=Sort.OLDEST, limit=10, own_id=None)
    assert [(r.id, bool(r.visible)) for r in rows] == [(root.id, False), (reply.id, True)]
    async with store.writing() as tx:
        await tx.comments.set_state(
            reply, status=Status.REMOVED, previous_status=Status.APPROVED, visible=False, flagged=False
        )
    async with store.reading() as tx:
        rows, _ = await page(tx, article, sort=Sort.OLDEST, limit=10, own_id=None)
    assert rows == []


async def test_the_authors_own_hidden_comment_joins_the_page(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        own = await add_comment(tx, article, visible=False)
    async with store.reading() as tx:
        assert (await page(tx, article, sort=Sort.OLDEST, limit=10, own_id=None))[0] == []
        rows, _ = await page(tx, article, sort=Sort.OLDEST, limit=10, own_id=own.id)
    assert [r.id for r in rows] == [own.id]


async def test_comment_positions_are_stored_with_their_ancestors(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        root = await add_comment(tx, article)
        reply = await add_comment(tx, article, root, body="reply")
    assert tree.ancestors(reply.path) == [root.id]
    assert reply.parent_id == root.id
    assert reply.depth == 1


async def test_a_failed_write_transaction_leaves_nothing_behind(store: Store) -> None:
    article = await add_article(store)
    with pytest.raises(RuntimeError):
        async with store.writing() as tx:
            await add_comment(tx, article)
            raise RuntimeError("boom")
    async with store.reading() as tx:
        assert (await tx.articles.by_id(article.id)).comment_count == 0
        assert (await page(tx, article, sort=Sort.OLDEST, limit=10, own_id=None))[0] == []


async def test_duplicates_trust_and_pace_are_found_by_author(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        await add_comment(tx, article, body="same", email_hash="e1", name="Ann", author="k1")
        assert await tx.comments.is_duplicate(article.id, "e1", "same")
        assert not await tx.comments.is_duplicate(article.id, "e2", "same")
        other = await add_comment(tx, article, body="other", email_hash="e1", name="Ann", author="k1")
        stranger = await add_comment(tx, article, body="stranger", email_hash="e2", name="Bob", author="k2")
        await add_comment(tx, article, body="waiting", email_hash="e3", name="Cy", author="k3", visible=False)
        assert await tx.comments.repeats(other.id, "same")
        assert not await tx.comments.repeats(other.id, "other")  # its own text is no repeat
        assert not await tx.comments.repeats(stranger.id, "same")
        assert await tx.comments.knows_author("k1")
        assert await tx.comments.knows_author("k3")
        assert not await tx.comments.knows_author("e1")
        assert await tx.comments.has_approved("k1", "Ann")
        assert not await tx.comments.has_approved("k1", "Someone Else")
        assert not await tx.comments.has_approved("e1", "Ann")  # an e-mail is not an author key
        assert not await tx.comments.has_approved("k3", "Cy")  # only approved comments vouch
        assert await tx.comments.count_since("e1", NOW - timedelta(seconds=1)) == 2
        assert await tx.comments.count_since("e1", NOW + timedelta(seconds=1)) == 0


async def test_a_reader_flags_a_comment_once_and_cleared_flags_never_count_again(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        comment = await add_comment(tx, article)
        assert await tx.flags.add(comment.id, reader_hash="r1", reason=FlagReason.SPAM, note=None, at=NOW)
        assert not await tx.flags.add(comment.id, reader_hash="r1", reason=FlagReason.ABUSE, note=None, at=NOW)
        assert await tx.flags.add(comment.id, reader_hash="r2", reason=FlagReason.OTHER, note="why", at=NOW)
        assert await tx.flags.active_count(comment.id) == 2
        await tx.flags.clear(comment.id, at=NOW)
        assert await tx.flags.active_count(comment.id) == 0
        assert not await tx.flags.add(comment.id, reader_hash="r1", reason=FlagReason.SPAM, note=None, at=NOW)
        assert await tx.flags.delete_for(comment.id) == 2  # both were kept on record


async def test_bans_match_by_email_or_address_until_they_expire_or_are_lifted(store: Store) -> None:
    async with store.writing() as tx:
        ban = await tx.bans.add(
            NewBan(email_hash="e", email="e@x.org", reason=None, created_by="mod", at=NOW, expires_at=NOW + HOUR)
        )
        await tx.bans.add(
            NewBan(address_hash="a", network="192.0.2.1", reason="spam", created_by="mod", at=NOW, expires_at=None)
        )
        await tx.bans.add(
            NewBan(
                address_hash="n",
                prefix=24,
                author_token_hash="k",
                comment_id=9,
                reason=None,
                created_by="mod",
                at=NOW,
                expires_at=None,
            )
        )
        assert await tx.bans.matches(email_hash="e", address_hashes=["zz"], author_token_hash=None, now=NOW)
        assert await tx.bans.matches(email_hash=None, address_hashes=["zz", "a"], author_token_hash=None, now=NOW)
        assert await tx.bans.matches(email_hash=None, address_hashes=[], author_token_hash="k", now=NOW)
        assert not await tx.bans.matches(email_hash=None, address_hashes=["zz"], author_token_hash="j", now=NOW)
        later = NOW + timedelta(hours=2)
        assert not await tx.bans.matches(email_hash="e", address_hashes=["zz"], author_token_hash=None, now=later)
        assert await tx.bans.prefixes(now=NOW) == [24]
        assert await tx.bans.lift(ban.id, at=NOW)
        assert not await tx.bans.lift(ban.id, at=NOW)
        assert not await tx.bans.matches(email_hash="e", address_hashes=["zz"], author_token_hash=None, now=NOW)
        active = await tx.bans.active(now=NOW, after_id=None, limit=10)
        assert [(b.address_hash, b.prefix, b.author_token_hash) for b in active] == [("a", None, None), ("n", 24, "k")]
        assert [(b.network, b.comment_id) for b in active] == [("192.0.2.1", None), (None, 9)]
        on = await tx.bans.active(now=NOW, after_id=None, limit=10, only=BanFilter(address_hashes=("n", "zz")))
        assert [b.address_hash for b in on] == ["n"]
        assert [b.id for b in await tx.bans.active(now=NOW, after_id=None, limit=10, only=BanFilter(comment_id=9))] == [
            active[1].id
        ]


async def test_an_erasure_clears_the_email_a_ban_shows_and_keeps_the_ban(store: Store) -> None:
    async with store.writing() as tx:
        ban = await tx.bans.add(
            NewBan(email_hash="e", email="e@x.org", reason=None, created_by="m", at=NOW, expires_at=None)
        )
        await tx.bans.forget_email("e")
        assert await tx.bans.matches(email_hash="e", address_hashes=[], author_token_hash=None, now=NOW)
    async with store.reading() as tx:
        kept = await tx.bans.get(ban.id)
        assert kept is not None
        assert (kept.email, kept.email_hash) == (None, "e")
        only = BanFilter(email_hash="e")
        assert [b.id for b in await tx.bans.active(now=NOW, after_id=None, limit=10, only=only)] == [ban.id]


async def test_tokens_are_found_by_hash_and_names_are_unique_among_active_ones(store: Store) -> None:
    async with store.writing() as tx:
        token = await tx.tokens.add(name="ann", role=Role.MODERATOR, token_hash="h1", at=NOW)
        with pytest.raises(AlreadyExists):
            await tx.tokens.add(name="ann", role=Role.ADMIN, token_hash="h2", at=NOW)
        assert await tx.tokens.by_hash("h1") == token
        assert await tx.tokens.revoke("ann", at=NOW)
        assert (await tx.tokens.by_hash("h1")).revoked_at == NOW  # type: ignore[union-attr]
        await tx.tokens.add(name="ann", role=Role.ADMIN, token_hash="h3", at=NOW)
        assert [t.role for t in await tx.tokens.all()] == [Role.MODERATOR, Role.ADMIN]


async def test_site_policy_secret_and_idempotency_records_persist(store: Store) -> None:
    async with store.writing() as tx:
        assert await tx.site.policy() is None
        await tx.site.set_policy(Policy(max_links=9), at=NOW)
        secret = await tx.site.secret()
        await tx.site.remember("key", FirstAnswer("rh", b"{}", b"sealed", 1), at=NOW, since=NOW - DAY)
    async with store.writing() as tx:
        assert (await tx.site.policy()) == Policy(max_links=9)
        assert await tx.site.secret() == secret
        assert len(secret) == 32
        assert await tx.site.replay("key", since=NOW - DAY) == FirstAnswer("rh", b"{}", b"sealed", 1)
        assert await tx.site.replay("key", since=NOW + DAY) is None
        assert await tx.site.replay("other", since=NOW - DAY) is None


async def test_audit_events_are_listed_newest_first_and_filtered(store: Store) -> None:
    async with store.writing() as tx:
        for actor, action in [("ann", "approve"), ("bob", "reject"), ("ann", "spam")]:
            await tx.audit.append(NewEvent(actor=actor, action=action, at=NOW))
    async with store.reading() as tx:
        assert [e.action for e in await tx.audit.query(AuditQuery())] == ["spam", "reject", "approve"]
        assert [e.action for e in await tx.audit.query(AuditQuery(actor="ann"))] == ["spam", "approve"]
        assert [e.actor for e in await tx.audit.query(AuditQuery(action="reject"))] == ["bob"]


async def test_the_change_counter_moves_with_each_commit_and_only_then(store: Store) -> None:
    article = await add_article(store)
    before = await store.change_counter()
    async with store.reading() as tx:
        await tx.comments.queue("pending", article_id=None, after=None, limit=10)
    assert await store.change_counter() == before
    async with store.writing() as tx:
        comment = await add_comment(tx, article)
    after = await store.change_counter()
    assert after != before
    async with store.writing() as tx:
        await tx.flags.add(comment.id, reader_hash="r", reason=FlagReason.SPAM, note=None, at=NOW)
    assert await store.change_counter() != after
    assert await store.ping()


async def test_comment_counts_and_versions_are_read_for_published_articles(store: Store) -> None:
    article = await add_article(store, slug="counted")
    later = await add_article(store, slug="later", published_at=NOW + timedelta(days=1))
    async with store.writing() as tx:
        await add_comment(tx, article)
        await add_comment(tx, article, visible=False, body="waiting")
    assert await store.comment_counts(["counted", "later", "missing"], now=NOW) == {"counted": 1}
    assert await store.comment_counts(["later"], now=NOW + timedelta(days=2)) == {"later": 0}
    found = await store.article_version("counted", now=NOW)
    assert found is not None
    assert found[0] == article.id
    assert found[1] > article.version
    assert await store.article_version("later", now=NOW) is None
    assert await store.article_version("later", now=NOW + timedelta(days=2)) == (later.id, later.version)


async def test_an_authors_comments_are_found_by_email_hash_and_anonymised_in_place(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        first = await add_comment(tx, article, email_hash="ann", email="ann@example.org", body="mine")
        reply = await add_comment(tx, article, first, name="Bob", email_hash="bob", body="reply")
        second = await add_comment(tx, article, first, visible=False, email_hash="ann", body="again")
        await tx.flags.add(first.id, reader_hash="r1", reason=FlagReason.SPAM, note="why", at=NOW)
        await tx.flags.add(first.id, reader_hash="r2", reason=FlagReason.SPAM, note=None, at=NOW)
        await tx.site.remember("k1", FirstAnswer("h", b"{}", b"s", first.id), at=NOW, since=NOW - DAY)
        await tx.site.remember("k2", FirstAnswer("h", b"{}", b"s", reply.id), at=NOW, since=NOW - DAY)
    async with store.writing() as tx:
        found = await tx.comments.by_email_hash("ann")
        assert [comment.id for comment in found] == [first.id, second.id]
        assert await tx.flags.delete_for(first.id) == 2
        assert await tx.flags.delete_for(first.id) == 0
        await tx.site.erase_answers([first.id, second.id])
        blank = await tx.comments.anonymise(found[0])
    async with store.reading() as tx:
        stored = await tx.comments.get(first.id)
        assert stored == blank
        assert stored is not None
        assert (stored.author_name, stored.author_email, stored.author_url, stored.email_hash) == ("", None, None, None)
        assert (stored.body, stored.body_html, stored.address_hash) == ("", "", "")
        assert (stored.parent_id, stored.path, stored.status) == (first.parent_id, first.path, first.status)
        assert await tx.comments.by_email_hash("ann") == [await tx.comments.get(second.id)]
        assert await tx.site.replay("k1", since=NOW - DAY) == FirstAnswer("h", b"", b"", first.id)
        assert await tx.site.replay("k2", since=NOW - DAY) == FirstAnswer("h", b"{}", b"s", reply.id)
        assert (await tx.comments.get(reply.id)) == reply


async def test_top_level_comments_join_a_page_while_their_replies_fit_the_budget(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        small = await add_comment(tx, article, body="small")
        big = await add_comment(tx, article, body="big")
        for i in range(3):
            await add_comment(tx, article, big, body=f"reply {i}")
        await add_comment(tx, article, body="last")
    async with store.reading() as tx:
        rows, more = await page(tx, article, budget=4)
    assert [r.id for r in rows] == [small.id]
    assert more is True
    async with store.reading() as tx:
        rows, _ = await page(tx, article, budget=5)
    assert [r.parent_id for r in rows] == [None, None, big.id, big.id, big.id]


async def test_a_first_top_level_comment_larger_than_the_budget_is_cut(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        big = await add_comment(tx, article, body="big")
        replies = [await add_comment(tx, article, big, body=f"reply {i}") for i in range(5)]
        await add_comment(tx, article, body="next")
    async with store.reading() as tx:
        found = await tx.comments.thread(article.id, sort=Sort.OLDEST, after=None, limit=10, budget=3, own_id=None)
    assert [r.id for r in found.rows] == [big.id, replies[0].id, replies[1].id]
    assert found.cut is True
    assert found.more is True
    async with store.reading() as tx:
        rest, more = await tx.comments.replies(big, after=replies[1], budget=2)
        last, done = await tx.comments.replies(big, after=replies[3], budget=2)
    assert [r.id for r in rest] == [replies[2].id, replies[3].id]
    assert more is True
    assert [r.id for r in last] == [replies[4].id]
    assert done is False


async def test_cheap_reads_follow_every_commit(store: Store) -> None:
    article = await add_article(store, slug="followed")
    assert await store.comment_counts(["followed", "nowhere"], now=NOW) == {"followed": 0}
    before = await store.article_version("followed", now=NOW)
    async with store.writing() as tx:
        await add_comment(tx, article)
    assert await store.comment_counts(["followed", "nowhere"], now=NOW) == {"followed": 1}
    after = await store.article_version("followed", now=NOW)
    assert before is not None
    assert after is not None
    assert after[1] > before[1]
    await add_article(store, slug="nowhere")
    assert await store.comment_counts(["followed", "nowhere"], now=NOW) == {"followed": 1, "nowhere": 0}


async def test_an_inserted_comment_is_returned_as_it_is_stored(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        root = await add_comment(tx, article, email_hash="e")
        reply = await add_comment(tx, article, root, body="reply")
    async with store.reading() as tx:
        assert await tx.comments.get(root.id) == msgspec.structs.replace(root, visible_replies=1)
        assert await tx.comments.get(reply.id) == reply


async def test_idempotency_records_older_than_the_window_are_forgotten_as_new_ones_come(store: Store) -> None:
    async with store.writing() as tx:
        await tx.site.remember("old", FirstAnswer("h", b"{}", b"s", 1), at=NOW - 2 * DAY, since=NOW - 3 * DAY)
        await tx.site.remember("new", FirstAnswer("h", b"{}", b"s", 2), at=NOW, since=NOW - DAY)
        assert await tx.site.replay("old", since=NOW - 3 * DAY) is None
        assert await tx.site.replay("new", since=NOW - DAY) == FirstAnswer("h", b"{}", b"s", 2)


async def test_an_edit_keeps_the_text_it_replaced_for_moderators_until_the_author_is_erased(store: Store) -> None:
    article = await add_article(store)
    async with store.writing() as tx:
        comment = await add_comment(tx, article, visible=False, body="first words")
        for body in ("second words", "third words"):
            comment = await tx.comments.set_body(
                comment, body=body, body_html=f"<p>{body}</p>", body_hash=body, rules=(), told_status=None, at=NOW
            )
    async with store.reading() as tx:
        (item,) = await tx.comments.queue("pending", article_id=None, after=None, limit=10)
    assert (item.comment.body, item.previous_body) == ("third words", "second words")
    async with store.writing() as tx:
        await tx.comments.anonymise(comment)
        (item,) = await tx.comments.queue("pending", article_id=None, after=None, limit=10)
    assert (item.comment.body, item.previous_body) == ("", None)


async def test_the_newest_visible_comments_are_listed_per_article_or_site_wide(store: Store) -> None:
    one, other = await add_article(store), await add_article(store)
    later = await add_article(store, published_at=NOW + DAY)
    async with store.writing() as tx:
        first = await add_comment(tx, one, body="first")
        await add_comment(tx, one, body="held", visible=False)
        reply = await add_comment(tx, other, body="elsewhere")
        await add_comment(tx, later, body="not yet published")
        last = await add_comment(tx, one, first, body="a reply")
    async with store.reading() as tx:
        site = await tx.comments.recent(article_id=None, now=NOW, limit=10)
        assert [c.body for c in site] == ["a reply", "elsewhere", "first"]
        assert [c.id for c in await tx.comments.recent(article_id=one.id, now=NOW, limit=10)] == [last.id, first.id]
        assert [c.id for c in await tx.comments.recent(article_id=None, now=NOW, limit=1)] == [last.id]
        assert reply.id in [c.id for c in await tx.comments.recent(article_id=other.id, now=NOW, limit=10)]
        assert await tx.comments.recent(article_id=later.id, now=NOW, limit=10) == []


async def test_the_audit_log_reads_forward_from_an_id_per_article_or_all(store: Store) -> None:
    one, other = await add_article(store), await add_article(store)
    async with store.writing() as tx:
        here, there = await add_comment(tx, one, body="here"), await add_comment(tx, other, body="there")
        events = [
            await tx.audit.append(NewEvent(actor="a", action="create", at=NOW, comment_id=c.id))
            for c in (here, there, here)
        ]
        await tx.audit.append(NewEvent(actor="admin", action="policy", at=NOW))  # about no comment
    async with store.reading() as tx:
        assert await tx.audit.last_id() == events[-1].id + 1
        assert [e.id for e in await tx.audit.after(0, article_id=None, limit=10)] == [e.id for e in events]
        assert [e.id for e in await tx.audit.after(events[0].id, article_id=one.id, limit=10)] == [events[2].id]
        assert [e.id for e in await tx.audit.after(0, article_id=None, limit=2)] == [events[0].id, events[1].id]
