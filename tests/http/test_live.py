"""Live updates over Server-Sent Events, through a real server: what readers and moderators are told, resuming
after a reconnect, heartbeats, and a slow client's bounded backlog."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.response import ServerSentEventMessage

from parley.app import create_app
from parley.domain.identity import Client as Origin
from parley.domain.records import ArticleModeration, Role
from parley.domain.submission import Draft
from parley.http import live
from parley.http.deps import running
from parley.services import Services
from parley.settings import Settings
from tests import builders
from tests.conftest import over_tcp
from tests.http.helpers import make_article, set_policy


class Events:
    """An open stream read event by event."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.comments: list[str] = []

    async def next(self) -> dict[str, Any]:
        """The next event (or comment line, as {"comment": ...}), within five seconds."""
        event: dict[str, Any] = {}
        async with asyncio.timeout(5.0):
            async for line in self._lines:
                if not line:
                    if event:
                        return event
                    continue
                field, _, value = line.partition(":")
                value = value.removeprefix(" ")
                event[field or "comment"] = json.loads(value) if field == "data" else value
        raise AssertionError(f"the stream ended; last {event}")

    async def named(self, *names: str) -> dict[str, Any]:
        """The next event that is not a heartbeat."""
        while "comment" in (event := await self.next()):
            pass
        assert event.get("event") in names, event
        return event


def events_in(message: ServerSentEventMessage) -> list[str]:
    """The event names an SSE message (or a run of them, as the pump sends them) carries as written."""
    return [line[7:] for line in message.encode().decode().splitlines() if line.startswith("event: ")]


class Site:
    def __init__(self, app: Litestar, url: str) -> None:
        self.app = app
        self.client = httpx.AsyncClient(base_url=url, timeout=10.0)

    @property
    def services(self) -> Services:
        found: Services = running(self.app).services
        return found

    @contextlib.asynccontextmanager
    async def listen(self, path: str, **headers: str) -> AsyncIterator[Events]:
        async with self.client.stream("GET", path, headers=headers) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-store"
            yield Events(response)


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[Site]:
    tuned = msgspec.structs.replace(
        settings, stream_heartbeat_seconds=0.3, stream_poll_seconds=0.02, stream_lifetime_seconds=60
    )
    app = create_app(tuned)
    async with over_tcp(app) as url:
        here = Site(app, url)
        async with here.client:
            yield here


async def test_a_new_comment_reaches_the_articles_readers_with_the_new_count(site: Site) -> None:
    article = await make_article(site.services)
    async with site.listen(f"/api/v1/articles/{article.slug}/comments/stream") as events:
        ready = await events.named("ready")
        posted = await site.client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment(body="hi"))
        shown = await events.named("comment")
        count = await events.named("count")
    assert shown["data"]["id"] == posted.json()["comment"]["id"]
    assert shown["data"]["body_html"] == "<p>hi</p>\n"
    assert "email" not in json.dumps(shown["data"])
    assert "hash" not in json.dumps(shown["data"])
    assert int(shown["id"]) > int(ready["id"])
    assert count["data"] == {"count": 1}


async def test_readers_hear_of_a_held_comment_only_when_approved_and_of_its_removal(site: Site) -> None:
    article = await make_article(site.services, moderation=ArticleModeration.PRE)
    other = await make_article(site.services)
    _, secret = await site.services.tokens.create("desk", Role.MODERATOR)
    desk = {"Authorization": f"Bearer {secret}"}
    async with site.listen(f"/api/v1/articles/{article.slug}/comments/stream") as events:
        await events.named("ready")
        held = (await site.client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())).json()
        await site.client.post(f"/api/v1/articles/{other.slug}/comments", json=builders.comment())
        path = f"/api/v1/admin/comments/{held['comment']['id']}/moderate"
        await site.client.post(path, json={"action": "approve"}, headers=desk)
        approved = await events.named("comment")  # nothing came before it: not the held one, not the other article's
        assert (await events.named("count"))["data"] == {"count": 1}
        await site.client.post(path, json={"action": "remove"}, headers=desk)
        removed = await events.named("removed")
        assert (await events.named("count"))["data"] == {"count": 0}
    assert approved["data"]["id"] == removed["data"]["id"] == held["comment"]["id"]


async def test_a_comment_held_as_spam_or_from_a_shadow_banned_author_is_never_streamed(site: Site) -> None:
    article = await make_article(site.services)
    await set_policy(site.services, moderation="post", block_words=("casino",))
    async with site.listen(f"/api/v1/articles/{article.slug}/comments/stream") as events:
        await events.named("ready")
        spam = await site.client.post(
            f"/api/v1/articles/{article.slug}/comments", json=builders.comment(body="best casino here")
        )
        assert spam.json()["status"] == "approved"  # what its author is told
        fine = await site.client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())
        first = await events.named("comment", "removed")
    assert first["data"]["id"] == fine.json()["comment"]["id"]


async def test_a_reconnecting_reader_gets_what_they_missed_after_their_last_event(site: Site) -> None:
    article = await make_article(site.services)
    url = f"/api/v1/articles/{article.slug}/comments/stream"
    async with site.listen(url) as events:
        last = (await events.named("ready"))["id"]
    missed = [
        (await site.client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())).json()
        for _ in range(3)
    ]
    async with site.listen(url, **{"Last-Event-ID": last}) as events:
        replayed = []
        for _ in missed:
            replayed.append((await events.named("comment"))["data"]["id"])
            await events.named("count")
    assert sorted(replayed) == sorted(receipt["comment"]["id"] for receipt in missed)


async def test_an_idle_stream_sends_heartbeats(site: Site) -> None:
    article = await make_article(site.services)
    async with site.listen(f"/api/v1/articles/{article.slug}/comments/stream") as events:
        await events.named("ready")
        assert await events.next() == {"comment": "heartbeat"}


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/v1/articles/no-such-article/comments/stream", {}, 404),
        ("/api/v1/articles/{slug}/comments/stream", {"Last-Event-ID": "9" * 21}, 422),
        ("/api/v1/admin/queue/stream", {}, 401),
    ],
)
async def test_streams_refuse_what_they_cannot_serve_with_a_problem(
    site: Site, path: str, headers: dict[str, str], status: int
) -> None:
    article = await make_article(site.services)
    response = await site.client.get(path.format(slug=article.slug), headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_moderators_hear_of_every_submission_and_decision(site: Site) -> None:
    article = await make_article(site.services, moderation=ArticleModeration.PRE)
    _, secret = await site.services.tokens.create("desk", Role.MODERATOR)
    desk = {"Authorization": f"Bearer {secret}"}
    async with site.listen("/api/v1/admin/queue/stream", **desk) as events:
        await events.named("ready")
        held = (await site.client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())).json()
        created = await events.named("queue")
        await site.client.post(
            f"/api/v1/admin/comments/{held['comment']['id']}/moderate", json={"action": "reject"}, headers=desk
        )
        decided = await events.named("queue")
    assert (created["data"]["action"], created["data"]["to_status"]) == ("create", "pending")
    assert (decided["data"]["action"], decided["data"]["actor"], decided["data"]["status"]) == (
        "reject",
        "desk",
        "rejected",
    )


async def test_a_stream_that_falls_a_backlog_behind_is_ended_and_holds_no_more(site: Site) -> None:
    """Driven below HTTP, where the test decides when the client reads: it reads nothing while comments pour in."""
    article = await make_article(site.services)
    streams = running(site.app).live
    stream = streams.article(article.id, None, "198.51.100.9")
    assert (await anext(stream)).event == "ready"
    for n in range(live.BACKLOG + 10):
        await site.services.submissions.submit(
            article.slug, Draft(author_name=f"Flood {n}", body=f"flood {n}"), Origin(f"198.51.100.{n}")
        )
    await asyncio.sleep(0.5)  # the pump publishes every one; the subscriber keeps at most BACKLOG
    async with asyncio.timeout(5):  # ended now, not at the end of its minute-long lifetime
        told = [name for message in [message async for message in stream] for name in events_in(message)]
    assert told.count("comment") < live.BACKLOG + 10  # cut off: it never caught up with what was posted
    assert streams.listeners == 0


async def test_a_stream_ends_after_its_lifetime_so_clients_spread_over_instances_again(settings: Settings) -> None:
    app = create_app(msgspec.structs.replace(settings, stream_lifetime_seconds=0.3, stream_heartbeat_seconds=10))
    async with over_tcp(app) as url, httpx.AsyncClient(base_url=url) as client:
        article = await make_article(running(app).services)
        started = asyncio.get_running_loop().time()
        response = await client.get(f"/api/v1/articles/{article.slug}/comments/stream")
    assert response.status_code == 200
    assert response.text.startswith("id: ")
    assert asyncio.get_running_loop().time() - started < 5


@pytest.mark.parametrize("given", ["yesterday", "-1", "0.5", "007", "9" * 20, "9" * 16])
async def test_an_event_id_the_stream_never_gave_out_starts_the_stream_from_now(site: Site, given: str) -> None:
    article = await make_article(site.services)
    async with site.listen(f"/api/v1/articles/{article.slug}/comments/stream", **{"Last-Event-ID": given}) as events:
        assert (await events.named("ready"))["id"] == str(await site.services.live.last_id())


async def test_a_write_through_this_process_wakes_its_streams_without_waiting_for_the_poll(
    settings: Settings,
) -> None:
    slow = msgspec.structs.replace(settings, stream_poll_seconds=10, stream_lifetime_seconds=60)
    app = create_app(slow)
    async with over_tcp(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        here = Site(app, url)
        article = await make_article(here.services)
        async with here.client, here.listen(f"/api/v1/articles/{article.slug}/comments/stream") as events:
            await events.named("ready")
            began = asyncio.get_running_loop().time()
            await client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())
            await events.named("comment")
            assert asyncio.get_running_loop().time() - began < 2  # not the ten seconds of the poll


async def test_streams_are_capped_per_network_and_per_process(settings: Settings) -> None:
    capped = msgspec.structs.replace(
        settings,
        stream_lifetime_seconds=60,
        streams_per_address=2,
        max_streams=3,
        trusted_proxies=("127.0.0.1",),
    )
    app = create_app(capped)
    async with over_tcp(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        here = Site(app, url)
        article = await make_article(here.services)
        path = f"/api/v1/articles/{article.slug}/comments/stream"
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(2):
                await stack.enter_async_context(here.listen(path, **{"X-Forwarded-For": "198.51.100.1"}))
            third = await client.get(path, headers={"X-Forwarded-For": "198.51.100.1"})
            assert (third.status_code, third.json()["code"]) == (429, "too_many_requests")
            await stack.enter_async_context(here.listen(path, **{"X-Forwarded-For": "198.51.100.2"}))
            full = await client.get(path, headers={"X-Forwarded-For": "198.51.100.3"})
            assert full.status_code == 503
            assert full.headers["retry-after"] == "5"
        await here.client.aclose()
        # Closed streams give their places back.
        async with (
            httpx.AsyncClient(base_url=url, timeout=10) as again,
            again.stream("GET", path, headers={"X-Forwarded-For": "198.51.100.1"}) as reopened,
        ):
            assert reopened.status_code == 200


async def test_a_reader_too_far_behind_is_told_to_reset_without_a_replay(site: Site) -> None:
    article = await make_article(site.services)
    url = f"/api/v1/articles/{article.slug}/comments/stream"
    async with site.listen(url) as events:
        last = (await events.named("ready"))["id"]
    for n in range(live.REPLAY + 1):
        await site.services.submissions.submit(
            article.slug, Draft(author_name=f"Many {n}", body=f"many {n}"), Origin(f"10.9.{n // 250}.{n % 250}")
        )
    async with site.listen(url, **{"Last-Event-ID": last}) as events:
        reset = await events.named("reset", "comment")
    assert reset["event"] == "reset"
    assert reset["id"] == str(await site.services.live.last_id())


async def test_a_stream_write_that_waits_too_long_for_its_client_ends_the_stream() -> None:
    async def never(message: object) -> None:
        await asyncio.Event().wait()

    with pytest.raises(live.Stalled):
        await live.patient(never, 0.05)({"type": "http.response.body", "body": b": heartbeat\n\n"})


async def test_a_burst_of_streams_from_one_network_gets_only_its_share(settings: Settings) -> None:
    """Places are taken when a stream is answered, not when it first runs: a burst cannot slip past."""
    capped = msgspec.structs.replace(settings, stream_lifetime_seconds=60, streams_per_address=2)
    app = create_app(capped)
    async with over_tcp(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        article = await make_article(running(app).services)
        path = f"/api/v1/articles/{article.slug}/comments/stream"
        statuses: list[int] = []
        hold, answered = asyncio.Event(), asyncio.Event()

        async def open_one() -> None:
            async with client.stream("GET", path) as response:
                statuses.append(response.status_code)
                if len(statuses) == 8:
                    answered.set()
                if response.status_code == 200:
                    await hold.wait()

        tasks = [asyncio.create_task(open_one()) for _ in range(8)]
        await asyncio.wait_for(answered.wait(), 5)
        hold.set()
        await asyncio.gather(*tasks)
    assert sorted(statuses) == [200, 200] + [429] * 6


async def test_the_pump_outlives_a_failed_read_of_the_feed(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    """A database that fails one read (restarting, say) costs the streams a second, not every later event."""
    failures = iter([False, True])  # the pump starts, then its first look fails

    async def flaky() -> int:
        if next(failures, False):
            raise OSError("connection reset")
        return await site.services.store.change_counter()

    streams = live.Live(
        site.services.live,
        flaky,
        site.app.plugins.get(ChannelsPlugin),
        poll_seconds=0.02,
        heartbeat_seconds=10,
        lifetime_seconds=60,
    )
    article = await make_article(site.services)
    stream = streams.article(article.id, None, "198.51.100.1")
    try:
        assert (await anext(stream)).event == "ready"
        await site.client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment(body="after"))
        async with asyncio.timeout(5):
            told = await anext(stream)
        assert events_in(told) == ["comment", "count"]
        assert "the live feed could not be read" in caplog.text
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
        await streams.close()


async def test_streams_starting_together_share_one_pump_and_hear_each_event_once(site: Site) -> None:
    article = await make_article(site.services)
    streams = running(site.app).live
    readers = [streams.article(article.id, None, f"198.51.100.{n}") for n in range(10)]
    try:
        assert {told.event for told in await asyncio.gather(*(anext(reader) for reader in readers))} == {"ready"}
        await site.client.post(f"/api/v1/articles/{article.slug}/comments", json=builders.comment())
        for reader in readers:
            async with asyncio.timeout(5):
                heard = [events_in(await anext(reader)) for _ in range(2)]
            assert heard == [["comment", "count"], []]  # then a heartbeat, not the same comment again
    finally:
        for reader in readers:
            await reader.aclose()  # type: ignore[attr-defined]
