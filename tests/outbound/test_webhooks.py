"""Signed webhooks: subscriptions over the admin API, deliveries from the outbox to a real HTTP receiver, retries,
the delivery log and redelivery, and nothing sent for what did not commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from parley.domain.records import ArticleModeration, NewEvent, Status
from parley.services import Services
from tests.conftest import Clock
from tests.http.helpers import answer, audit_events, make_article, moderate, post
from tests.outbound.conftest import Receiver, drain, working

ALL = ["comment.created", "comment.approved", "comment.removed", "comment.flagged", "moderation.decided"]


async def subscribe(client: httpx.AsyncClient, admin: dict[str, str], url: str, events: list[str] = ALL) -> Any:
    return answer(await client.post("/api/v1/admin/webhooks", json={"url": url, "events": events}, headers=admin), 201)


async def comment(client: httpx.AsyncClient, slug: str, **fields: Any) -> Any:
    return answer(await post(client, slug, **fields), 201)


async def deliveries(client: httpx.AsyncClient, admin: dict[str, str], hook: dict[str, Any]) -> Any:
    """A subscription's delivery log, newest first."""
    return answer(await client.get(f"/api/v1/admin/webhooks/{hook['id']}/deliveries", headers=admin))["items"]


def bodies(receiver: Receiver) -> list[dict[str, Any]]:
    return [msgspec.json.decode(received.body) for received in receiver.received]


async def test_a_delivery_is_signed_as_standard_webhooks_say_and_verifies_with_the_reference_library(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    hook = await subscribe(client, admin, receiver.url)
    assert hook["secret"].startswith("whsec_")
    posted = await comment(client, article.slug, author_name="Ann", body="First!", author_email="ann@example.org")
    await moderate(client, admin, posted["comment"]["id"], "approve")
    async with working(app, clock) as worker:
        assert await drain(worker) == 3
    verifier = Verifier(hook["secret"])
    kinds = []
    for received in receiver.received:
        document = verifier.verify(received.body, received.headers)
        kinds.append(document["type"])
        assert received.headers["content-type"] == "application/json"
        assert document["data"]["comment"]["id"] == int(posted["comment"]["id"])
        assert "ann@example.org" not in received.body.decode()  # e-mails never leave through a webhook
    assert sorted(kinds) == ["comment.approved", "comment.created", "moderation.decided"]
    created = next(b for b in bodies(receiver) if b["type"] == "comment.created")
    assert created["data"]["to_status"] == "pending"
    assert created["data"]["comment"]["url"].endswith(f"/articles/{article.slug}#parley-c-{posted['comment']['id']}")
    # A body altered on the way, or signed with another secret, does not verify.
    first = receiver.received[0]
    with pytest.raises(WebhookVerificationError):
        verifier.verify(first.body.replace(b"First", b"Fir5t"), first.headers)
    with pytest.raises(WebhookVerificationError):
        Verifier("whsec_" + "A" * 43 + "=").verify(first.body, first.headers)


async def test_only_the_events_subscribed_to_and_only_those_after_the_subscription_are_sent(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    before = await comment(client, article.slug, author_name="Old", body="Before the hook")
    await subscribe(client, admin, receiver.url, ["comment.approved"])
    await moderate(client, admin, before["comment"]["id"], "approve")
    late = await comment(client, article.slug, author_name="New", body="After the hook")
    async with working(app, clock) as worker:
        await drain(worker)
        assert [(b["type"], b["data"]["comment"]["id"]) for b in bodies(receiver)] == [
            ("comment.approved", int(before["comment"]["id"]))
        ]
        await moderate(client, admin, late["comment"]["id"], "remove")
        await drain(worker)
    assert len(receiver.received) == 1  # removed was not subscribed to


async def test_a_change_that_rolls_back_sends_nothing(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    posted = await comment(client, article.slug, author_name="Ann", body="Kept")
    await subscribe(client, admin, receiver.url)
    comment_id = int(posted["comment"]["id"])
    with pytest.raises(RuntimeError):
        async with services.store.writing() as tx:
            stored = await tx.comments.get(comment_id)
            assert stored is not None
            await tx.audit.append(NewEvent.about(stored, "ada", "approve", Status.APPROVED, None, clock()))
            raise RuntimeError("the approval fails after its event was written")
    async with working(app, clock) as worker:
        assert await drain(worker) == 0
    assert receiver.received == []


async def test_events_are_queued_once_however_often_and_from_however_many_processes_the_dispatcher_runs(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    await subscribe(client, admin, receiver.url, ["comment.created"])
    for number in range(3):
        await comment(client, article.slug, author_name="Ann", body=f"Comment {number}")
    assert await services.dispatcher.dispatch() == 3
    assert await services.dispatcher.dispatch() == 0
    async with working(app, clock) as worker:
        await drain(worker)
    assert len(receiver.received) == 3
    assert len({received.headers["webhook-id"] for received in receiver.received}) == 3


async def test_a_failing_receiver_is_retried_with_backoff_until_it_recovers_and_the_log_shows_each_attempt(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    hook = await subscribe(client, admin, receiver.url, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="Hello")
    receiver.status = 503
    async with working(app, clock) as worker:
        assert await drain(worker) == 1
        log = answer(await client.get(f"/api/v1/admin/webhooks/{hook['id']}/deliveries", headers=admin))
        [delivery] = log["items"]
        assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("pending", 1, 503)
        # Not due again at once: the first retry waits 2.5 to 5 seconds (base 5 s, jitter in its upper half).
        assert await drain(worker) == 0
        due = datetime.fromisoformat(delivery["next_attempt_at"].replace("Z", "+00:00"))
        assert 2.5 <= (due - clock()).total_seconds() <= 5.0
        clock.advance(seconds=5)
        assert await drain(worker) == 1  # still failing: the next wait doubles
        clock.advance(seconds=10)
        receiver.status = 204
        assert await drain(worker) == 1
    one = answer(await client.get(f"/api/v1/admin/webhooks/{hook['id']}/deliveries/{delivery['id']}", headers=admin))
    assert one["state"] == "delivered"
    assert [attempt["status_code"] for attempt in one["attempt_log"]] == [204, 503, 503]
    assert one["payload"]["type"] == "comment.created"
    # Every attempt carried the same message id, so the receiver can tell a repeat.
    assert len({received.headers["webhook-id"] for received in receiver.received}) == 1
    assert len(receiver.received) == 3


async def test_a_receiver_that_times_out_is_logged_as_such_and_tried_again(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    hook = await subscribe(client, admin, receiver.url, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="Hello")
    receiver.delay = 1.0
    async with working(app, clock, answer_within=0.2) as worker:
        await drain(worker)
        [delivery] = await deliveries(client, admin, hook)
        assert (delivery["state"], delivery["last_error"], delivery["last_status"]) == ("pending", "timed out", None)
        receiver.delay = 0.0
        clock.advance(seconds=5)
        assert await drain(worker) == 1
    [delivery] = await deliveries(client, admin, hook)
    assert delivery["state"] == "delivered"


async def test_a_delivery_that_spends_its_attempts_fails_and_an_admin_can_redeliver_it(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    hook = await subscribe(client, admin, receiver.url, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="Hello")
    receiver.status = 500
    async with working(app, clock) as worker:
        for _ in range(15):
            await drain(worker)
            clock.advance(hours=7)  # past the longest wait (capped at 6 hours)
        base = f"/api/v1/admin/webhooks/{hook['id']}/deliveries"
        [delivery] = answer(await client.get(base, headers=admin, params={"state": "failed"}))["items"]
        assert delivery["attempts"] == 15
        assert answer(await client.get(base, headers=admin, params={"state": "pending"}))["items"] == []
        receiver.status = 200
        again = await client.post(f"{base}/{delivery['id']}/redeliver", headers=admin)
        assert answer(again, 202)["state"] == "pending"
        assert await drain(worker) == 1
    assert answer(await client.get(f"{base}/{delivery['id']}", headers=admin))["state"] == "delivered"
    assert len({received.headers["webhook-id"] for received in receiver.received}) == 1
    assert await audit_events(services, action="webhook_redeliver")


async def test_a_deleted_subscription_gets_nothing_more_and_its_waiting_deliveries_are_called_off(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services, moderation=ArticleModeration.PRE)
    hook = await subscribe(client, admin, receiver.url, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="Hello")
    await services.dispatcher.dispatch()
    assert (await client.delete(f"/api/v1/admin/webhooks/{hook['id']}", headers=admin)).status_code == 204
    await comment(client, article.slug, author_name="Bo", body="Again")
    async with working(app, clock) as worker:
        assert await drain(worker) == 0
    assert receiver.received == []
    assert (await client.get(f"/api/v1/admin/webhooks/{hook['id']}", headers=admin)).status_code == 404
    assert answer(await client.get("/api/v1/admin/webhooks", headers=admin))["items"] == []


async def test_a_webhook_to_a_private_address_is_refused_unless_the_settings_allow_it(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    from parley.http.deps import running
    from parley.outbound.webhooks import WebhookSender
    from parley.outbound.worker import Worker

    article = await make_article(services, moderation=ArticleModeration.PRE)
    hook = await subscribe(client, admin, receiver.url, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="Hello")
    guarded = WebhookSender(timeout=2.0, private_targets=False)
    worker = Worker(running(app).services.dispatcher, clock, webhooks=guarded, mail=None, poll_seconds=1)
    try:
        assert await worker.step() == 1
    finally:
        await worker.close()
    assert receiver.received == []
    [delivery] = await deliveries(client, admin, hook)
    assert delivery["last_error"] == "refused: the host is, or resolves to, a non-public address"


async def test_only_admins_manage_webhooks_and_bad_subscriptions_are_refused_with_the_field_named(
    client: httpx.AsyncClient, admin: dict[str, str], moderator: dict[str, str]
) -> None:
    good = {"url": "https://hooks.example.org/x", "events": ["comment.created"]}
    assert (await client.post("/api/v1/admin/webhooks", json=good)).status_code == 401
    assert (await client.post("/api/v1/admin/webhooks", json=good, headers=moderator)).status_code == 403
    assert (await client.get("/api/v1/admin/webhooks", headers=moderator)).status_code == 403
    for bad, field in [
        ({"url": "ftp://hooks.example.org/x", "events": ["comment.created"]}, "url"),
        ({"url": "https://user:pw@hooks.example.org/x", "events": ["comment.created"]}, "url"),
        ({"url": "https://hooks.example.org/x", "events": []}, "events"),
        ({"url": "https://hooks.example.org/x", "events": ["comment.liked"]}, "events"),
        ({"url": "https://hooks.example.org/x", "events": ["comment.created"], "secret": "mine"}, "secret"),
    ]:
        refused = await client.post("/api/v1/admin/webhooks", json=bad, headers=admin)
        assert refused.status_code == 422, bad
        assert field in refused.text
    assert answer(await client.get("/api/v1/admin/webhooks", headers=admin))["items"] == []
    weak = {**good, "secret": "whsec_" + "A" * 32}  # 24 bytes: the shortest secret taken
    assert (
        await client.post("/api/v1/admin/webhooks", json={**good, "secret": "whsec_" + "A" * 30}, headers=admin)
    ).status_code == 422
    own = answer(await client.post("/api/v1/admin/webhooks", json=weak, headers=admin), 201)
    assert own["secret"] == weak["secret"]  # an admin may bring the secret a receiver already has
    await client.delete(f"/api/v1/admin/webhooks/{own['id']}", headers=admin)
    made = answer(await client.post("/api/v1/admin/webhooks", json=good, headers=admin), 201)
    listed = answer(await client.get("/api/v1/admin/webhooks", headers=admin))["items"]
    assert [hook["id"] for hook in listed] == [made["id"]]
    assert listed[0]["secret"] is None  # shown once, when made
    missing = await client.post(f"/api/v1/admin/webhooks/{made['id']}/deliveries/999/redeliver", headers=admin)
    assert missing.status_code == 404


async def test_the_worker_inside_the_app_delivers_on_its_own(settings: Any, receiver: Receiver, tmp_path: Any) -> None:
    from parley.app import create_app
    from parley.domain.records import Role
    from tests.conftest import http_client, serving

    live = msgspec.structs.replace(settings, outbox_worker=True, outbox_poll_seconds=0.05, webhook_private_targets=True)
    app = create_app(live)
    async with serving(app), http_client(app) as client:
        from parley.http.deps import running

        services = running(app).services
        _token, secret = await services.tokens.create("ada", Role.ADMIN)
        admin = {"Authorization": f"Bearer {secret}"}
        article = await make_article(services)
        await subscribe(client, admin, receiver.url, ["comment.created"])
        await comment(client, article.slug, author_name="Ann", body="Live")
        for _ in range(100):
            if receiver.received:
                break
            await _sleep(0.05)
    assert [b["data"]["comment"]["body"] for b in bodies(receiver)] == ["Live"]


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_only_the_lease_holder_sends_and_another_takes_over_when_it_stops(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services)
    await subscribe(client, admin, receiver.url, ["comment.created"])
    async with working(app, clock) as first, working(app, clock) as second:
        await comment(client, article.slug, author_name="Ann", body="One")
        assert await first.step() == 1
        await comment(client, article.slug, author_name="Bo", body="Two")
        assert await second.step() == 0  # the first holds the lease: the second only looked
        assert len(receiver.received) == 1
        clock.advance(seconds=31)  # the first has stopped renewing: its lease runs out
        assert await second.step() == 1
    assert [b["data"]["comment"]["body"] for b in bodies(receiver)] == ["One", "Two"]


@pytest.mark.slow
@pytest.mark.sqlite_only
async def test_parley_worker_delivers_until_it_is_stopped(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    settings: Any,
) -> None:
    import asyncio
    import os
    import signal
    import sys

    article = await make_article(services)
    await subscribe(client, admin, receiver.url, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="From the worker")
    env = {**os.environ, "PARLEY_WEBHOOK_PRIVATE_TARGETS": "true", "PARLEY_OUTBOX_POLL_SECONDS": "0.05"}
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "parley.cli",
        "worker",
        "--database",
        settings.database,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        for _ in range(200):
            if receiver.received:
                break
            await asyncio.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(worker.communicate(), 10)
    assert worker.returncode == 0, stderr
    assert b"delivering webhooks and e-mail" in stderr
    assert [b["data"]["comment"]["body"] for b in bodies(receiver)] == ["From the worker"]


async def test_settled_deliveries_are_forgotten_after_their_keeping_time_and_waiting_ones_never(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services)
    hook = await subscribe(client, admin, receiver.url, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="Delivered")
    async with working(app, clock) as worker:
        await drain(worker)
    receiver.status = 500
    clock.advance(days=31)
    await comment(client, article.slug, author_name="Bo", body="Waiting")
    async with working(app, clock) as worker:
        await drain(worker)  # its first pass forgets what was settled more than 30 days ago
    log = await deliveries(client, admin, hook)
    assert [(item["state"], item["attempts"]) for item in log] == [("pending", 1)]
    clock.advance(days=31)
    assert await services.dispatcher.prune(30) == 0  # a delivery still being tried is never forgotten


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.5", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("64:ff9b::a00:5", False),  # NAT64 of 10.0.0.5
        ("2002:a00:5::1", False),  # 6to4 of 10.0.0.5
        ("fec0::1", False),  # site-local
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("64:ff9b::5db8:d822", True),  # NAT64 of a public address
    ],
)
def test_only_public_addresses_are_delivered_to_whatever_ipv6_form_carries_them(address: str, allowed: bool) -> None:
    from ipaddress import ip_address

    from parley.outbound.webhooks import public

    assert public(ip_address(address)) is allowed


async def test_a_name_is_resolved_once_and_delivered_to_the_address_checked_with_its_own_host_header(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    from parley.http.deps import running
    from parley.outbound.webhooks import WebhookSender
    from parley.outbound.worker import Worker

    article = await make_article(services)
    by_name = receiver.url.replace("127.0.0.1", "localhost")
    hook = await subscribe(client, admin, by_name, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="Hello")
    guarded = Worker(
        running(app).services.dispatcher,
        clock,
        webhooks=WebhookSender(timeout=2, private_targets=False),
        mail=None,
        poll_seconds=1,
    )
    try:
        await guarded.step()  # localhost is loopback: refused by default
    finally:
        await guarded.close()
    assert receiver.received == []
    [delivery] = await deliveries(client, admin, hook)
    assert delivery["last_error"] == "refused: the host is, or resolves to, a non-public address"
    clock.advance(seconds=31)  # the retry is due, and the first worker's lease has run out
    async with working(app, clock) as worker:  # allowed: sent to the address resolved, named as subscribed
        assert await drain(worker) == 1
    assert receiver.received[0].headers["host"] == by_name.split("/")[2]


async def test_a_delivery_that_cannot_even_be_attempted_fails_alone_and_the_rest_of_its_pass_is_recorded(
    app: Litestar,
    client: httpx.AsyncClient,
    services: Services,
    admin: dict[str, str],
    receiver: Receiver,
    clock: Clock,
) -> None:
    article = await make_article(services)
    full_width = "http://" + ".".join(["\uff11"] * 4) + "/hook"  # digits no HTTP client takes in a host
    broken = await subscribe(client, admin, full_width, ["comment.created"])
    good = await subscribe(client, admin, receiver.url, ["comment.created"])
    await comment(client, article.slug, author_name="Ann", body="Hello")
    async with working(app, clock) as worker:
        assert await drain(worker) == 2
        clock.advance(minutes=3)  # past the claim's hiding time: nothing left pending is sent again
        await drain(worker)
    assert len(receiver.received) == 1
    [sent] = await deliveries(client, admin, good)
    assert (sent["state"], sent["attempts"]) == ("delivered", 1)
    [failed] = await deliveries(client, admin, broken)
    assert failed["state"] == "pending"
    assert failed["last_error"]
