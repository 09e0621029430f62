"""E-mail through a real SMTP server: reply notices only once a reply is approved, one-click unsubscribe,
the moderators' digest without any comment's text, and an author's export by a signed, expiring link."""

from __future__ import annotations

import re
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from parley.domain.records import ArticleModeration
from parley.services import Services
from parley.settings import Settings
from tests.conftest import Clock
from tests.http.helpers import answer, make_article, moderate, post
from tests.outbound.conftest import Smtp, drain, mail_settings, working

ANN = "ann@example.org"


@pytest.fixture
def settings(settings: Settings, smtp: Smtp) -> Settings:
    return mail_settings(settings, smtp.port, moderator_emails=("desk@example.org",))


async def comment(client: httpx.AsyncClient, slug: str, **fields: Any) -> Any:
    return answer(await post(client, slug, **fields), 201)["comment"]


async def test_a_reply_is_mailed_to_the_author_who_asked_only_once_a_moderator_approves_it(
    app: Litestar, client: httpx.AsyncClient, services: Services, admin: dict[str, str], smtp: Smtp, clock: Clock
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    first = await comment(client, article.slug, author_name="Ann", body="Ask", author_email=ANN, notify_replies=True)
    await moderate(client, admin, first["id"], "approve")
    reply = await comment(client, article.slug, author_name="Bo", body="Secret pending words", parent_id=first["id"])
    async with working(app, clock, smtp_port=smtp.port) as worker:
        await drain(worker)
        assert smtp.mailbox.to(ANN) == []  # waiting for a moderator: nothing said, nothing sent
        await moderate(client, admin, reply["id"], "approve")
        await drain(worker)
        await moderate(client, admin, reply["id"], "remove")
        await moderate(client, admin, reply["id"], "restore")
        await drain(worker)
    [mail] = smtp.mailbox.to(ANN)  # once per reply, however often it is hidden and shown again
    assert "Secret pending words" in mail.get_content()
    assert mail["Subject"] == f"New reply to your comment on “{article.title}”"
    assert mail["From"] == "news@example.org"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https://news\.example\.org/api/v1/unsubscribe/[0-9a-f.]+>", mail["List-Unsubscribe"])
    # As sent, not only as a parser reads it back: a mail client finds the URL only if it is not RFC 2047-encoded.
    assert re.search(rb"\r\nList-Unsubscribe: <https://news\.example\.org/api/v1/unsubscribe/", smtp.mailbox.raw[-1])
    assert smtp.mailbox.recipients[-1] == [ANN]
    assert f"https://news.example.org/articles/{article.slug}#parley-c-{reply['id']}" in mail.get_content()


async def test_a_reply_never_approved_is_never_mailed_nor_is_its_text_in_any_mail(
    app: Litestar, client: httpx.AsyncClient, services: Services, admin: dict[str, str], smtp: Smtp, clock: Clock
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    first = await comment(client, article.slug, author_name="Ann", body="Ask", author_email=ANN, notify_replies=True)
    await moderate(client, admin, first["id"], "approve")
    rejected = await comment(client, article.slug, author_name="Bo", body="Rejected words", parent_id=first["id"])
    spam = await comment(client, article.slug, author_name="Cy", body="Spam words here", parent_id=first["id"])
    async with working(app, clock, smtp_port=smtp.port) as worker:
        await moderate(client, admin, rejected["id"], "reject")
        await moderate(client, admin, spam["id"], "spam")
        await drain(worker)
    assert smtp.mailbox.to(ANN) == []
    assert smtp.mailbox.to("desk@example.org")  # the moderators heard that something waited...
    for words in ("Rejected words", "Spam words here", "Ask"):
        assert words not in smtp.mailbox.texts()  # ...but no mail carried a comment's text


async def test_a_reply_hidden_after_its_notice_was_queued_is_not_sent(
    app: Litestar, client: httpx.AsyncClient, services: Services, admin: dict[str, str], smtp: Smtp, clock: Clock
) -> None:
    article = await make_article(services)  # post-moderation: replies are shown at once
    first = await comment(client, article.slug, author_name="Ann", body="Ask", author_email=ANN, notify_replies=True)
    reply = await comment(client, article.slug, author_name="Bo", body="Soon removed", parent_id=first["id"])
    assert await services.dispatcher.dispatch() >= 1  # the notice is queued...
    await moderate(client, admin, reply["id"], "remove")  # ...then a moderator removes the reply
    async with working(app, clock, smtp_port=smtp.port) as worker:
        await drain(worker)
    assert smtp.mailbox.to(ANN) == []
    assert "Soon removed" not in smtp.mailbox.texts()


async def test_no_notice_without_asking_to_yourself_or_after_unsubscribing_with_one_click(
    app: Litestar, client: httpx.AsyncClient, services: Services, smtp: Smtp, clock: Clock
) -> None:
    article = await make_article(services)
    quiet = await comment(client, article.slug, author_name="Ann", body="Quiet", author_email="quiet@example.org")
    asked = await comment(
        client, article.slug, author_name="Ann", body="Tell me", author_email=ANN, notify_replies=True
    )
    await comment(client, article.slug, author_name="Bo", body="To quiet", parent_id=quiet["id"])
    await comment(client, article.slug, author_name="Ann", body="Self", parent_id=asked["id"], author_email=ANN)
    await comment(client, article.slug, author_name="Bo", body="To Ann", parent_id=asked["id"])
    async with working(app, clock, smtp_port=smtp.port) as worker:
        await drain(worker)
        [mail] = smtp.mailbox.to(ANN)
        assert smtp.mailbox.to("quiet@example.org") == []
        link = mail["List-Unsubscribe"].strip("<>").removeprefix("https://news.example.org")
        # A link opened (by a person or a mail scanner) shows a button and changes nothing...
        page = await client.get(link)
        assert page.status_code == 200
        assert '<form method="post"' in page.text
        await comment(client, article.slug, author_name="Cy", body="Second", parent_id=asked["id"])
        await drain(worker)
        assert len(smtp.mailbox.to(ANN)) == 2
        # ...the one-click POST that RFC 8058 mail clients send stops them.
        done = await client.post(
            link, content=b"List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert done.status_code == 200
        await comment(client, article.slug, author_name="Di", body="Third", parent_id=asked["id"])
        await drain(worker)
    assert len(smtp.mailbox.to(ANN)) == 2
    forged = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
    assert (await client.post(forged)).status_code == 404


async def test_asking_for_notices_needs_an_email(client: httpx.AsyncClient, services: Services) -> None:
    article = await make_article(services)
    refused = await post(client, article.slug, author_name="Ann", body="Hi", notify_replies=True)
    assert refused.status_code == 422
    assert "notify_replies needs author_email" in refused.text


async def test_the_moderators_digest_counts_what_came_and_waits_its_interval(
    app: Litestar, client: httpx.AsyncClient, services: Services, smtp: Smtp, clock: Clock, settings: Settings
) -> None:
    from parley.app import create_app
    from tests.conftest import serving

    digest = msgspec.structs.replace(settings, moderator_digest_minutes=10)
    other = create_app(digest, clock=clock)
    async with serving(other) as running_app:
        from parley.http.deps import running
        from tests.http.helpers import connect

        services = running(running_app).services
        article = await make_article(services, moderation=ArticleModeration.PRE)
        async with connect(running_app) as visitor, working(running_app, clock, smtp_port=smtp.port) as worker:
            await drain(worker)  # the digest's first pass starts its clock
            clock.advance(minutes=11)
            await comment(visitor, article.slug, author_name="Ann", body="One")
            await drain(worker)
            assert len(smtp.mailbox.to("desk@example.org")) == 1
            await comment(visitor, article.slug, author_name="Bo", body="Two")
            await comment(visitor, article.slug, author_name="Cy", body="Three")
            await drain(worker)
            assert len(smtp.mailbox.to("desk@example.org")) == 1  # within ten minutes of the last
            clock.advance(minutes=10)
            await drain(worker)
    first, second = smtp.mailbox.to("desk@example.org")
    assert "1 comment(s) held for review" in first.get_content()
    assert "2 comment(s) held for review" in second.get_content()
    assert "https://news.example.org/admin/" in second.get_content()


async def test_an_author_gets_everything_they_wrote_by_a_link_sent_to_their_address_that_expires(
    app: Litestar, client: httpx.AsyncClient, services: Services, admin: dict[str, str], smtp: Smtp, clock: Clock
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    kept = await comment(client, article.slug, author_name="Ann", body="Mine, waiting", author_email=ANN)
    await comment(client, article.slug, author_name="Bo", body="Not mine", author_email="bo@example.org")
    async with working(app, clock, smtp_port=smtp.port) as worker:
        for email in (ANN, "ANN@Example.org", "nobody@example.org"):
            assert answer(await client.post("/api/v1/exports", json={"email": email}), 202)
        await drain(worker)
    assert smtp.mailbox.to("nobody@example.org") == []  # the same answer, and no mail: nothing was written
    [mail] = smtp.mailbox.to(ANN)  # a second request within 15 minutes sends nothing more
    link = re.search(r"https://news\.example\.org(/api/v1/exports/\S+)", mail.get_content())
    assert link is not None
    export = answer(await client.get(link.group(1)))
    assert [(c["id"], c["body"], c["status"]) for c in export["comments"]] == [(kept["id"], "Mine, waiting", "pending")]
    assert "no-store" in (await client.get(link.group(1))).headers["cache-control"]
    tampered = link.group(1).replace(".", ".9", 1)
    assert (await client.get(tampered)).status_code in (404, 422)
    clock.advance(hours=25)
    assert (await client.get(link.group(1))).status_code == 404


async def test_an_erased_author_gets_no_mail_still_waiting_for_them(
    app: Litestar, client: httpx.AsyncClient, services: Services, smtp: Smtp, clock: Clock
) -> None:
    article = await make_article(services)
    await comment(client, article.slug, author_name="Ann", body="Mine", author_email=ANN)
    assert answer(await client.post("/api/v1/exports", json={"email": ANN}), 202)
    await services.privacy.purge(ANN, actor="admin:cli")
    async with working(app, clock, smtp_port=smtp.port) as worker:
        await drain(worker)
    assert smtp.mailbox.to(ANN) == []


async def test_a_site_without_smtp_offers_no_export_by_mail(client: httpx.AsyncClient, settings: Settings) -> None:
    from parley.app import create_app
    from tests.conftest import http_client, serving

    quiet = create_app(msgspec.structs.replace(settings, smtp_host=""))
    async with serving(quiet), http_client(quiet) as other:
        refused = await other.post("/api/v1/exports", json={"email": ANN})
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_an_smtp_server_that_refuses_is_tried_again_later(
    app: Litestar, client: httpx.AsyncClient, services: Services, smtp: Smtp, clock: Clock
) -> None:
    article = await make_article(services)
    await comment(client, article.slug, author_name="Ann", body="Mine", author_email=ANN)
    assert answer(await client.post("/api/v1/exports", json={"email": ANN}), 202)
    smtp.mailbox.refuse = True
    async with working(app, clock, smtp_port=smtp.port) as worker:
        assert await drain(worker) == 1
        assert smtp.mailbox.to(ANN) == []
        smtp.mailbox.refuse = False
        clock.advance(seconds=5)
        assert await drain(worker) == 1
    assert len(smtp.mailbox.to(ANN)) == 1


async def test_isso_s_notification_box_asks_for_the_same_reply_notices(
    client: httpx.AsyncClient, services: Services, smtp: Smtp, clock: Clock, settings: Settings
) -> None:
    from parley.app import create_app
    from parley.http.deps import running
    from tests.conftest import serving
    from tests.http.helpers import connect

    isso = create_app(msgspec.structs.replace(settings, isso_compat=True), clock=clock)
    async with serving(isso) as app, connect(app) as reader, working(app, clock, smtp_port=smtp.port) as worker:
        article = await make_article(running(app).services, slug="storm-warning")
        sent = {"author": "Ann", "email": ANN, "website": None, "text": "Ask", "parent": None, "notification": 1}
        first = answer(await reader.post("/isso/new", params={"uri": "/storm-warning"}, json=sent), 201)
        await comment(reader, article.slug, author_name="Bo", body="An answer", parent_id=str(first["id"]))
        await drain(worker)
    [mail] = smtp.mailbox.to(ANN)
    assert "An answer" in mail.get_content()


async def test_asking_for_exports_draws_on_the_network_s_write_budget(
    smtp: Smtp, clock: Clock, settings: Settings
) -> None:
    from parley.app import create_app
    from tests.conftest import serving
    from tests.http.helpers import connect

    limited = create_app(msgspec.structs.replace(settings, writes_per_minute=2), clock=clock)
    async with serving(limited) as app, connect(app) as stranger:
        answers = [
            (await stranger.post("/api/v1/exports", json={"email": f"x{n}@example.org"})).status_code for n in range(3)
        ]
    assert answers == [202, 202, 429]


async def test_an_export_goes_only_to_one_plain_mailbox_and_shows_only_what_that_mailbox_wrote(
    app: Litestar, client: httpx.AsyncClient, services: Services, smtp: Smtp, clock: Clock
) -> None:
    article = await make_article(services)
    # `casefold` makes these one address to the moderation rules; they are two mailboxes (two domains).
    await comment(client, article.slug, author_name="Vic", body="Written at the sharp s", author_email="vic@faß.de")
    for variant in ("x<vic@target.example>", "root,vic@target.example", "(@).[", "vic@target.example "):
        refused = await client.post("/api/v1/exports", json={"email": variant})
        assert refused.status_code == 422, variant
    assert answer(await client.post("/api/v1/exports", json={"email": "vic@fass.de"}), 202)
    async with working(app, clock, smtp_port=smtp.port) as worker:
        await drain(worker)
    assert smtp.mailbox.messages == []  # fass.de wrote nothing: its request was called off, not sent
    from datetime import timedelta

    from parley.domain import notices

    token = notices.export_token(services.hasher, "vic@fass.de", clock() + timedelta(hours=1))
    assert answer(await client.get(f"/api/v1/exports/{token}"))["comments"] == []
    token = notices.export_token(services.hasher, "vic@faß.de", clock() + timedelta(hours=1))
    assert [c["body"] for c in answer(await client.get(f"/api/v1/exports/{token}"))["comments"]] == [
        "Written at the sharp s"
    ]


async def test_asking_for_an_export_costs_the_same_whether_or_not_the_address_wrote_anything(
    app: Litestar, client: httpx.AsyncClient, services: Services, settings: Settings
) -> None:
    from tests import peek

    article = await make_article(services)
    await comment(client, article.slug, author_name="Ann", body="Mine", author_email=ANN)
    before = await peek.rows(settings, "SELECT count(*) AS n FROM outbox")
    for address in (ANN, "nobody@example.org"):
        assert answer(await client.post("/api/v1/exports", json={"email": address}), 202)
    after = await peek.rows(settings, "SELECT count(*) AS n FROM outbox")
    assert after[0]["n"] - before[0]["n"] == 2  # one queued e-mail each: the lookup waits for the sender
