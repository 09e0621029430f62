"""Readers' flags reaching moderators: distinct readers, the threshold, hiding, and a moderator settling them."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from parley.domain.records import ArticleModeration
from parley.services import Services
from parley.settings import Settings
from tests.http.helpers import (
    PEER,
    Client,
    admin_comment,
    audit_events,
    bearer,
    client_with_peers,
    flag,
    make_article,
    moderate,
    post,
    queue,
    set_policy,
    thread,
)


async def published(client: Client, services: Services, **policy: Any) -> tuple[str, str]:
    """An approved comment under `policy` (post moderation); returns its id and its article's slug."""
    await set_policy(services, moderation="post", **policy)
    article = await make_article(services)
    answer = (await post(client, article.slug)).json()
    assert answer["status"] == "approved"
    return answer["comment"]["id"], article.slug


async def flagged_ids(client: Client, headers: dict[str, str]) -> list[str]:
    return [item["comment"]["id"] for item in (await queue(client, headers, state="flagged"))["items"]]


async def test_one_reader_flagging_twice_counts_once(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, _slug = await published(client, services, flag_threshold=2)
    for reason in ("abuse", "spam"):
        assert (await flag(client, comment_id, "reader-1", reason)).status_code == 202
    assert await flagged_ids(client, moderator) == []
    assert (await admin_comment(client, moderator, comment_id))["flagged"] is False
    await flag(client, comment_id, "reader-2")
    assert await flagged_ids(client, moderator) == [comment_id]


async def test_distinct_readers_reaching_the_threshold_bring_it_to_the_flagged_queue(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, slug = await published(client, services, flag_threshold=3)
    for n, reason in enumerate(("abuse", "off_topic")):
        await flag(client, comment_id, f"reader-{n}", reason)
    assert await flagged_ids(client, moderator) == []
    await client.post(
        f"/api/v1/comments/{comment_id}/flags",
        json={"reason": "other", "note": "insults a reader"},
        headers={"User-Agent": "reader-3"},
    )
    (entry,) = (await queue(client, moderator, state="flagged"))["items"]
    assert entry["comment"]["id"] == comment_id
    assert [(f["reason"], f["note"]) for f in entry["flags"]] == [
        ("abuse", None),
        ("off_topic", None),
        ("other", "insults a reader"),
    ]
    assert entry["held_by"] == []
    stats = (await client.get("/api/v1/admin/queue/stats", headers=moderator)).json()
    assert stats == {"pending": 0, "flagged": 1, "spam": 0, "rejected": 0}
    (event,) = await audit_events(services, action="flag_threshold")
    assert (event.actor, event.comment_id, event.from_status, event.to_status) == (
        "system",
        int(comment_id),
        "approved",
        "approved",
    )
    assert (await thread(client, slug))["count"] == 1  # without hide_flagged it stays up


async def test_with_hide_flagged_it_leaves_the_thread_and_the_counts_until_a_moderator_decides(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, slug = await published(client, services, flag_threshold=2, hide_flagged=True)
    await flag(client, comment_id, "reader-1")
    assert (await thread(client, slug))["count"] == 1
    await flag(client, comment_id, "reader-2")
    page = await thread(client, slug)
    assert (page["count"], page["items"]) == (0, [])
    assert (await client.get(f"/api/v1/counts?slug={slug}")).json() == {"counts": {slug: 0}}
    assert (await client.get(f"/api/v1/articles/{slug}")).json()["comments"]["count"] == 0
    assert (await client.get(f"/api/v1/comments/{comment_id}")).status_code == 404
    assert await flagged_ids(client, moderator) == [comment_id]
    kept = await moderate(client, moderator, comment_id, "approve", reason="fair criticism")
    assert kept.status_code == 200
    assert (kept.json()["status"], kept.json()["visible"], kept.json()["flagged"]) == ("approved", True, False)
    assert (await thread(client, slug))["count"] == 1
    assert (await client.get(f"/api/v1/articles/{slug}")).json()["comments"]["count"] == 1


async def test_approving_clears_the_flags_and_the_same_readers_cannot_queue_it_again(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, _slug = await published(client, services, flag_threshold=2, hide_flagged=True)
    for reader in ("reader-1", "reader-2"):
        await flag(client, comment_id, reader)
    await moderate(client, moderator, comment_id, "approve", expected_status="approved")
    assert await flagged_ids(client, moderator) == []
    for reader in ("reader-1", "reader-2"):
        assert (await flag(client, comment_id, reader, "spam")).status_code == 202
    assert await flagged_ids(client, moderator) == []
    assert (await admin_comment(client, moderator, comment_id))["visible"] is True
    await flag(client, comment_id, "reader-3")
    assert await flagged_ids(client, moderator) == []  # one new reader, the threshold is two
    await flag(client, comment_id, "reader-4")
    (entry,) = (await queue(client, moderator, state="flagged"))["items"]
    assert [f["reason"] for f in entry["flags"]] == ["abuse", "abuse"]  # only the new readers' flags


async def test_approving_an_approved_comment_that_nobody_flagged_is_409(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, _slug = await published(client, services)
    assert (await moderate(client, moderator, comment_id, "approve")).status_code == 409


async def test_removing_a_flagged_comment_settles_its_flags_and_restore_brings_it_back_unflagged(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, slug = await published(client, services, flag_threshold=1, hide_flagged=True)
    await flag(client, comment_id, "reader-1")
    removed = (await moderate(client, moderator, comment_id, "remove", reason="abuse")).json()
    assert (removed["status"], removed["flagged"]) == ("removed", False)
    assert await flagged_ids(client, moderator) == []
    restored = (await moderate(client, moderator, comment_id, "restore")).json()
    assert (restored["status"], restored["visible"], restored["flagged"]) == ("approved", True, False)
    assert (await thread(client, slug))["count"] == 1


async def test_a_flag_on_a_comment_readers_cannot_see_is_404(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre")
    article = await make_article(services, moderation=ArticleModeration.INHERIT)
    comment_id = (await post(client, article.slug)).json()["comment"]["id"]
    assert (await flag(client, comment_id, "reader-1")).status_code == 404
    assert await flagged_ids(client, moderator) == []


async def test_readers_are_told_apart_by_address_and_proxy_headers_count_only_from_trusted_proxies(
    settings: Settings, clock: Any
) -> None:
    trusting = msgspec.structs.replace(settings, trusted_proxies=("10.0.0.0/8",))
    async with client_with_peers(trusting, clock) as (client, services):
        comment_id, _slug = await published(client, services, flag_threshold=3)
        moderator = await bearer(services)
        same_browser = {"User-Agent": "one-browser"}
        # Behind our proxy, two readers: the proxy's own address is not who they are.
        await flag(client, comment_id, "one-browser", **{PEER: "10.0.0.1", "X-Forwarded-For": "203.0.113.1"})
        assert await flagged_ids(client, moderator) == []
        # An untrusted peer cannot claim to be someone else with a forged header: it counts once, as itself.
        for forged in ("198.51.100.1", "198.51.100.2"):
            await flag(client, comment_id, "one-browser", **{PEER: "192.0.2.9", "X-Forwarded-For": forged})
        assert await flagged_ids(client, moderator) == []
        await client.post(
            f"/api/v1/comments/{comment_id}/flags",
            json={"reason": "spam"},
            headers={**same_browser, PEER: "10.0.0.1", "X-Forwarded-For": "203.0.113.2"},
        )
        assert await flagged_ids(client, moderator) == [comment_id]


async def test_one_network_counts_once_however_many_browsers_it_flags_from(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, slug = await published(client, services, flag_threshold=3, hide_flagged=True)
    for browser in ("Firefox", "Chrome", "curl"):
        await client.post(
            f"/api/v1/comments/{comment_id}/flags",
            json={"reason": "abuse"},
            headers={PEER: "203.0.113.40", "User-Agent": browser},
        )
    assert await flagged_ids(client, moderator) == []
    assert (await thread(client, slug))["count"] == 1


@pytest.mark.parametrize(
    "spellings",
    [("2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7:ffff::3"), ("203.0.113.41", "::ffff:203.0.113.41")],
)
async def test_addresses_of_one_network_count_as_one_reader(
    client: Client, services: Services, moderator: dict[str, str], spellings: tuple[str, ...]
) -> None:
    comment_id, _slug = await published(client, services, flag_threshold=2)
    for address in spellings:
        await client.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"}, headers={PEER: address})
    assert await flagged_ids(client, moderator) == []
    await client.post(
        f"/api/v1/comments/{comment_id}/flags", json={"reason": "spam"}, headers={PEER: "2001:db8:7:8::1"}
    )
    assert await flagged_ids(client, moderator) == [comment_id]


async def test_a_reapproved_comment_is_not_hidden_again_by_new_browsers_of_the_same_networks(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    comment_id, slug = await published(client, services, flag_threshold=2, hide_flagged=True)
    for address in ("203.0.113.50", "203.0.113.51"):
        await client.post(f"/api/v1/comments/{comment_id}/flags", json={"reason": "abuse"}, headers={PEER: address})
    assert (await thread(client, slug))["count"] == 0
    assert (await moderate(client, moderator, comment_id, "approve")).status_code == 200
    for address in ("203.0.113.50", "203.0.113.51"):
        await client.post(
            f"/api/v1/comments/{comment_id}/flags",
            json={"reason": "abuse"},
            headers={PEER: address, "User-Agent": "a new browser"},
        )
    assert (await thread(client, slug))["count"] == 1
