"""Isso wire compatibility (PARLEY_ISSO_COMPAT): Isso's endpoints on parley's articles, rules and moderation."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from parley.app import create_app
from parley.domain.records import ArticleModeration
from parley.http import isso_wire
from parley.services import Services
from parley.settings import Settings
from tests.conftest import PEER, Clock, serving
from tests.http.helpers import Client, answer, connect, make_article, moderate, post, set_policy

PAGE = "/2026/01/storm-warning.html"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, isso_compat=True)


def comment(**fields: Any) -> dict[str, Any]:
    """A body as Isso's postbox sends it: every field present, empty ones null."""
    sent = {"author": "Ann", "email": None, "website": None, "text": "A fine piece.", "parent": None}
    return {**sent, "title": None, "notification": 0, **fields}


async def isso_post(client: Client, page: str = PAGE, **fields: Any) -> httpx.Response:
    return await client.post("/isso/new", params={"uri": page}, json=comment(**fields))


async def isso_thread(client: Client, page: str = PAGE, **params: Any) -> dict[str, Any]:
    return answer(await client.get("/isso/", params={"uri": page, **params}))


async def storm(services: Services, moderation: ArticleModeration = ArticleModeration.POST, **fields: Any) -> str:
    return (await make_article(services, slug="storm-warning", moderation=moderation, **fields)).slug


async def test_the_mount_exists_only_when_the_setting_is_on(settings: Settings, clock: Clock) -> None:
    app = create_app(msgspec.structs.replace(settings, isso_compat=False), clock=clock)
    async with serving(app), connect(app) as client:
        assert (await client.get("/isso/config")).status_code == 404


async def test_the_config_offers_only_what_parley_supports(client: Client) -> None:
    config = answer(await client.get("/isso/config"))["config"]
    assert config["require-author"] is True
    assert not any(config[name] for name in ("vote", "reply-notifications", "gravatar", "feed", "require-email"))


async def test_a_page_path_names_the_article_by_its_last_segment(client: Client, services: Services) -> None:
    slug = await storm(services)
    answer(await post(client, slug, author_name="Bo", body="Posted through parley's own API."), 201)
    for page in (PAGE, "/storm-warning", "/news/storm-warning/", "https://news.example.org/x/Storm-Warning.htm"):
        found = await isso_thread(client, page)
        assert (found["total_replies"], found["replies"][0]["author"]) == (1, "Bo"), page
    assert answer(await client.post("/isso/count", json=[PAGE, "/nowhere/", "/"])) == [1, 0, 0]


async def test_an_unknown_page_is_404_and_a_post_to_it_makes_no_article(client: Client) -> None:
    assert (await client.get("/isso/", params={"uri": "/2026/nobody-wrote-this/"})).status_code == 404
    refused = await isso_post(client, "/2026/nobody-wrote-this/", title="A stranger's title")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert (await client.get("/api/v1/articles/nobody-wrote-this")).status_code == 404


async def test_a_comment_posted_under_post_moderation_is_201_and_shown_as_parley_rendered_it(
    client: Client, services: Services
) -> None:
    await storm(services)
    posted = await isso_post(client, text="<script>alert(1)</script> **bold**", author="<img src=x onerror=alert(1)>")
    made = answer(posted, 201)
    assert (made["mode"], made["parent"], made["likes"], made["dislikes"]) == (1, None, 0, 0)
    assert "<script" not in made["text"]
    assert "<strong>bold</strong>" in made["text"]
    assert made["author"] == "&lt;img src=x onerror=alert(1)&gt;"
    shown = (await isso_thread(client))["replies"][0]
    assert (shown["id"], shown["text"], shown["author"]) == (made["id"], made["text"], made["author"])
    parley_view = answer(await client.get(f"/api/v1/comments/{made['id']}"))
    assert shown["text"] == parley_view["body_html"]


async def test_a_waiting_comment_is_mode_2_hidden_from_others_and_shown_once_a_moderator_approves(
    app: Litestar, client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre")
    await storm(services, ArticleModeration.INHERIT)
    made = answer(await isso_post(client, text="Wait for me."), 202)
    assert made["mode"] == 2
    async with connect(app) as other:
        assert (await isso_thread(other))["replies"] == []
        assert answer(await other.post("/isso/count", json=[PAGE])) == [0]
        answer(await moderate(client, moderator, str(made["id"]), "approve"))
        found = await isso_thread(other)
    assert (found["total_replies"], found["replies"][0]["mode"], found["replies"][0]["text"]) == (
        1,
        1,
        "<p>Wait for me.</p>\n",
    )


async def test_the_author_cookie_is_httponly_strict_bounded_and_the_scripts_flag_carries_no_token(
    client: Client, services: Services
) -> None:
    await storm(services)
    posted = await isso_post(client)
    made = answer(posted, 201)
    kept = posted.headers["set-cookie"]
    token = kept.split(";")[0].split("=", 1)[1]
    assert kept.startswith(f"parley-edit-{made['id']}=")
    assert len(token) >= 40
    assert {"HttpOnly", "Max-Age=900", "Path=/isso/", "SameSite=strict"} <= {part.strip() for part in kept.split(";")}
    assert posted.headers["x-set-cookie"] == f"isso-{made['id']}=1; Max-Age=900; Path=/; SameSite=Lax"
    assert token not in posted.text


async def test_the_author_reads_edits_and_deletes_with_the_cookie_from_their_post(
    client: Client, services: Services
) -> None:
    await storm(services)
    made = answer(await isso_post(client, text="teh *typo*"), 201)
    url = f"/isso/id/{made['id']}"
    assert answer(await client.get(url, params={"plain": 1}))["text"] == "teh *typo*"
    assert answer(await client.get(url))["text"] == "<p>teh <em>typo</em></p>\n"
    edited = answer(await client.put(url, json={"text": "the *typo*"}))
    assert (edited["text"], edited["mode"]) == ("<p>the <em>typo</em></p>\n", 1)
    assert (await isso_thread(client))["replies"][0]["text"] == "<p>the <em>typo</em></p>\n"
    deleted = await client.delete(url)
    assert (deleted.status_code, deleted.json()) == (200, None)
    assert "Max-Age=0" in deleted.headers["set-cookie"]
    assert "Max-Age=0" in deleted.headers["x-set-cookie"]
    assert (await isso_thread(client))["replies"] == []


async def test_a_stranger_without_the_cookie_or_with_a_forged_one_cannot_read_edit_or_delete(
    app: Litestar, client: Client, services: Services
) -> None:
    await storm(services)
    mine = answer(await isso_post(client, text="Mine."), 201)
    url = f"/isso/id/{mine['id']}"
    async with connect(app) as stranger:
        theirs = answer(await isso_post(stranger, text="Theirs.", author="Eve"), 201)
        their_token = stranger.cookies[f"parley-edit-{theirs['id']}"]
        for cookie in (None, "forged", their_token):
            stranger.cookies.clear()
            if cookie is not None:
                stranger.cookies.set(f"parley-edit-{mine['id']}", cookie, path="/isso/")
            for refused in (
                await stranger.get(url, params={"plain": 1}),
                await stranger.put(url, json={"text": "Hijacked."}),
                await stranger.delete(url),
            ):
                assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), cookie
    assert [item["text"] for item in (await isso_thread(client))["replies"]] == ["<p>Mine.</p>\n", "<p>Theirs.</p>\n"]


async def test_the_cookie_opens_nothing_after_the_edit_window(client: Client, services: Services, clock: Clock) -> None:
    await storm(services)
    url = f"/isso/id/{answer(await isso_post(client), 201)['id']}"
    clock.advance(minutes=15, seconds=1)
    assert (await client.put(url, json={"text": "Too late."})).status_code == 403
    assert (await client.delete(url)).status_code == 403


async def test_an_edit_that_must_wait_leaves_view_as_mode_2(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await set_policy(services, moderation="pre")
    await storm(services, ArticleModeration.INHERIT)
    made = answer(await isso_post(client, text="Approved text."), 202)
    answer(await moderate(client, moderator, str(made["id"]), "approve"))
    edited = answer(await client.put(f"/isso/id/{made['id']}", json={"text": "Unread text."}))
    assert edited["mode"] == 2
    assert (await isso_thread(client))["replies"] == []


async def test_replies_nest_under_their_parents_and_show_more_pages_by_offset(
    client: Client, services: Services
) -> None:
    await storm(services)
    ids: dict[str, int] = {}
    for name, parent in (("a", None), ("b", "a"), ("c", "a"), ("e", "b"), ("d", "a"), ("f", None)):
        made = answer(await isso_post(client, author=name, text=f"Comment {name}.", parent=ids.get(parent or "")), 201)
        ids[name] = made["id"]
    first = await isso_thread(client, nested_limit=2)
    assert (first["total_replies"], first["hidden_replies"]) == (6, 0)
    top = first["replies"][0]
    assert [(item["author"], item["parent"]) for item in top["replies"]] == [("b", ids["a"]), ("e", ids["b"])]
    assert (top["total_replies"], top["hidden_replies"]) == (4, 2)
    more = await isso_thread(client, parent=ids["a"], offset=2, limit=5, nested_limit=2)
    assert (more["id"], [item["author"] for item in more["replies"]], more["hidden_replies"]) == (
        ids["a"],
        ["c", "d"],
        0,
    )
    page = await isso_thread(client, limit=1, sort="newest")
    assert ([item["author"] for item in page["replies"]], page["hidden_replies"]) == (["f"], 1)
    rest = await isso_thread(client, limit=1, offset=1, sort="newest")
    assert ([item["author"] for item in rest["replies"]], rest["hidden_replies"]) == (["a"], 0)


async def test_a_thread_longer_than_one_read_is_walked_whole_up_to_the_bound(
    client: Client, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isso_wire, "_PAGE", 2)
    monkeypatch.setattr(isso_wire, "_BUDGET", 3)  # the first page cuts a's replies: the rest come page by page
    await storm(services)
    top = answer(await isso_post(client, author="a", text="Top a."), 201)
    for name in ("a1", "a2", "a3", "a4"):
        answer(await isso_post(client, author=name, text=f"Reply {name}.", parent=top["id"]), 201)
    for name in ("b", "c", "d"):
        answer(await isso_post(client, author=name, text=f"Top {name}."), 201)
    whole = await isso_thread(client)
    assert [item["author"] for item in whole["replies"]] == ["a", "b", "c", "d"]
    assert [item["author"] for item in whole["replies"][0]["replies"]] == ["a1", "a2", "a3", "a4"]
    monkeypatch.setattr(isso_wire, "MOST_READ", 6)
    bounded = await isso_thread(client)
    assert [item["author"] for item in bounded["replies"]] == ["a", "b"]
    assert (bounded["total_replies"], len(bounded["replies"][0]["replies"])) == (8, 4)


async def test_a_deleted_comment_with_replies_stays_as_isso_mode_4_without_author_or_text(
    app: Litestar, client: Client, services: Services
) -> None:
    await storm(services)
    top = answer(await isso_post(client, text="Top.", website="example.org"), 201)
    async with connect(app) as other:
        answer(await isso_post(other, text="Reply.", author="Bo", parent=top["id"]), 201)
    kept = answer(await client.delete(f"/isso/id/{top['id']}"))
    shown = (await isso_thread(client))["replies"][0]
    for tombstone in (kept, shown):
        assert (tombstone["id"], tombstone["mode"], tombstone["author"], tombstone["website"], tombstone["text"]) == (
            top["id"],
            4,
            None,
            None,
            "",
        )
    assert shown["replies"][0]["author"] == "Bo"


async def test_no_email_or_network_address_leaves_through_the_mount(client: Client, services: Services) -> None:
    await storm(services)
    posted = await client.post(
        "/isso/new",
        params={"uri": PAGE},
        json=comment(email="ann@example.org", website="https://ann.example.org"),
        headers={PEER: "203.0.113.77"},
    )
    made = answer(posted, 201)
    answers = [
        posted.text,
        (await client.get("/isso/", params={"uri": PAGE})).text,
        (await client.get(f"/isso/id/{made['id']}", params={"plain": 1})).text,
    ]
    for text in answers:
        assert "ann@example.org" not in text
        assert "203.0.113" not in text
    assert made["website"] == "https://ann.example.org"


async def test_parleys_bans_closed_articles_and_refusals_apply(
    client: Client, services: Services, moderator: dict[str, str]
) -> None:
    await storm(services)
    await make_article(services, slug="closed-story", comments_open=False)
    answer(await client.post("/api/v1/admin/bans", json={"email": "eve@example.org"}, headers=moderator), 201)
    assert answer(await isso_post(client, email="eve@example.org"), 403)["code"] == "banned"
    assert answer(await isso_post(client, "/closed-story/"), 403)["code"] == "comments_closed"
    answer(await isso_post(client, text="Once."), 201)
    assert answer(await isso_post(client, text="Once."), 409)["code"] == "duplicate"


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("POST", f"/isso/new?uri={PAGE}", comment(author=None), 422),
        ("POST", f"/isso/new?uri={PAGE}", comment(text=""), 422),
        ("POST", f"/isso/new?uri={PAGE}", comment(website="javascript:alert(1)"), 422),
        ("POST", f"/isso/new?uri={PAGE}", comment(parent="1"), 422),
        ("POST", f"/isso/new?uri={PAGE}", comment(parent=999), 404),
        ("POST", f"/isso/new?uri={PAGE}", comment(homepage="x"), 422),
        ("POST", "/isso/new", comment(), 422),
        ("GET", f"/isso/?uri={PAGE}&limit=-1", None, 422),
        ("GET", f"/isso/?uri={PAGE}&sort=karma", None, 422),
        ("GET", "/isso/id/1", None, 403),
        ("PUT", "/isso/id/1", {"text": "x", "author": "Mallory"}, 422),
        ("POST", "/isso/count", {"uri": PAGE}, 422),
        ("POST", "/isso/count", [PAGE] * 101, 422),
        ("POST", "/isso/id/1/like", None, 404),
    ],
)
async def test_bad_input_is_a_clear_4xx_problem_never_a_500(
    client: Client, services: Services, method: str, url: str, body: Any, status: int
) -> None:
    await storm(services)
    answered = await client.request(method, url, json=body)
    assert answered.status_code == status, answered.text
    assert answered.headers["content-type"] == "application/problem+json"


async def test_a_form_post_is_415_and_stores_nothing(client: Client, services: Services) -> None:
    await storm(services)
    refused = await client.post(
        "/isso/new", params={"uri": PAGE}, content=b"text=hi", headers={"content-type": "text/plain"}
    )
    assert refused.status_code == 415
    assert (await isso_thread(client))["total_replies"] == 0


async def test_an_allowed_origin_may_call_the_mount_with_cookies_and_read_the_scripts_flag(
    settings: Settings, clock: Clock
) -> None:
    news = "http://news.example.org"
    app = create_app(msgspec.structs.replace(settings, cors_origins=(news,)), clock=clock)
    async with serving(app), connect(app) as client:
        asked = {
            "Origin": news,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        }
        preflight = await client.options("/isso/new", headers=asked)
        assert (preflight.status_code, preflight.headers["access-control-allow-credentials"]) == (204, "true")
        api = await client.options("/api/v1/counts", headers=asked)
        assert "access-control-allow-credentials" not in api.headers
        for path in ("/isso/config", "/isso/?uri=/nowhere/"):
            read = await client.get(path, headers={"Origin": news})
            assert read.headers["access-control-allow-origin"] == news, path
            assert read.headers["access-control-allow-credentials"] == "true", path
            assert "X-Set-Cookie" in read.headers["access-control-expose-headers"], path
        elsewhere = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
        refused = await client.post("/isso/new", params={"uri": PAGE}, json=comment(), headers=elsewhere)
        assert refused.status_code == 403


async def test_the_preview_is_the_html_parley_would_store_and_stores_nothing(
    client: Client, services: Services
) -> None:
    await storm(services)
    shown = answer(await client.post("/isso/preview", json={"text": "*Hi* <script>x</script>"}))
    assert shown == {"text": "<p><em>Hi</em> &lt;script&gt;x&lt;/script&gt;</p>\n"}
    assert (await isso_thread(client))["total_replies"] == 0


async def test_the_mount_is_outside_parleys_openapi_document(client: Client) -> None:
    document = answer(await client.get("/schema/openapi.json"))
    assert not [path for path in document["paths"] if path.startswith("/isso")]
