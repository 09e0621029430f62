"""The seed page's comment section and the moderation console, used by people in a real browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SEED, Site, Visitor, start_site

Shot = Callable[[Page, str], None]


def add_yours(page: Page, name: str, body: str, email: str = "") -> None:
    page.get_by_role("button", name="Add yours").click()
    page.get_by_label("Name").fill(name)
    if email:
        page.get_by_label("E-mail (optional, never shown)").fill(email)
    page.get_by_label("Comment", exact=True).fill(body)
    page.get_by_role("button", name="Post comment").click()


def sign_in(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/admin/")
    page.get_by_label("Moderator token").fill(site.token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def approve_first_with_the_keyboard(page: Page, pending_after: int) -> None:
    page.get_by_role("button", name="Queue").click()
    expect(page.locator(".item").first).to_be_visible()
    page.locator(".item").first.focus()
    page.keyboard.press("a")
    expect(page.get_by_role("tab", name=f"Pending ({pending_after})")).to_be_visible()


def test_a_reader_posts_a_moderator_approves_and_others_reply_edit_delete_and_flag(
    site: Site, visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    ann, mia, bo, cy = visitors("ann"), visitors("mia"), visitors("bo"), visitors("cy")
    page = ann.page
    page.goto(f"{site.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("A Fragile Pause in the War")
    expect(page.locator(".byline")).to_contain_text("4 min read")
    expect(page.locator(".parley-count")).to_have_text("There are no comments")
    shot(page, "empty")

    add_yours(page, "Ann", "The **memorandum** terms were never going to fly.", "ann@example.org")
    expect(page.locator(".parley-waiting")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("once a moderator approves it")
    expect(page.locator(".parley-comment article").first).to_be_focused()
    shot(page, "awaiting-moderation")

    sign_in(mia.page, site)
    expect(mia.page.locator(".item").first).to_contain_text("memorandum")
    shot(mia.page, "console-queue")
    approve_first_with_the_keyboard(mia.page, 0)
    shot(mia.page, "console-approved")

    page.reload()
    expect(page.locator(".parley-count")).to_have_text("1 comment")
    expect(page.locator(".parley-waiting")).to_have_count(0)
    expect(page.locator(".parley-body strong")).to_have_text("memorandum")

    bo.page.goto(f"{site.url}/")
    bo.page.get_by_role("button", name="Reply").click()
    bo.page.get_by_label("Name").fill("Bo")
    bo.page.get_by_label("Comment", exact=True).fill("Agreed, and the timing says as much.")
    bo.page.get_by_role("button", name="Post reply").click()
    expect(bo.page.locator(".parley-replies .parley-waiting")).to_be_visible()
    approve_first_with_the_keyboard(mia.page, 0)
    bo.page.reload()
    expect(bo.page.locator(".parley-replies .parley-comment")).to_contain_text("Agreed")
    shot(bo.page, "reply")

    page.reload()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Edit your comment").fill("The memorandum's terms were never going to be accepted.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your edit was saved")
    shot(page, "edited")

    bo.page.get_by_role("button", name="Delete").click()
    bo.page.get_by_role("button", name="Delete it").click()
    expect(bo.page.get_by_role("status")).to_contain_text("Your comment was deleted")
    shot(bo.page, "deleted")

    cy.page.goto(f"{site.url}/")
    cy.page.get_by_role("button", name="Flag").first.click()
    cy.page.get_by_label("Off topic").check()
    cy.page.get_by_label("Note (optional)").fill("Not about the talks")
    cy.page.get_by_role("button", name="Send to moderators").click()
    expect(cy.page.get_by_role("status")).to_contain_text("A moderator will take a look")
    shot(cy.page, "flagged")
    for person in (ann, mia, bo, cy):
        assert person.errors == [], (person.name, person.errors)


def test_a_refused_field_is_shown_under_that_field(site: Site, visitors: Callable[[str], Visitor], shot: Shot) -> None:
    page = visitors("dee").page
    page.goto(f"{site.url}/articles/{SEED}")
    add_yours(page, "   ", "A comment.", "not-an-address")
    name, email = page.get_by_label("Name"), page.get_by_label("E-mail (optional, never shown)")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Comment", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".parley-error:not([hidden])").first).to_contain_text("Must be a name that shows")
    expect(name).to_be_focused()
    shot(page, "refused-fields")


def test_a_network_failure_is_said_and_nothing_is_lost(
    site: Site, visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    page = visitors("eve").page
    page.goto(f"{site.url}/articles/{SEED}")
    expect(page.locator(".parley-count")).not_to_have_text("Loading comments…")
    page.route("**/api/v1/articles/*/comments", lambda route: route.abort("internetdisconnected"))
    add_yours(page, "Eve", "Written offline.")
    expect(page.locator(".parley-problem")).to_contain_text("could not be reached")
    expect(page.get_by_label("Comment", exact=True)).to_have_value("Written offline.")
    shot(page, "network-down")


def test_closed_comments_say_so_and_offer_no_form(site: Site, visitors: Callable[[str], Visitor], shot: Shot) -> None:
    slug = "what-it-takes-to-monitor-a-ceasefire"
    headers = {"Authorization": f"Bearer {site.token}"}
    closed = httpx.patch(f"{site.url}/api/v1/admin/articles/{slug}", json={"comments_open": False}, headers=headers)
    assert closed.status_code == 200, closed.text
    page = visitors("fay").page
    page.goto(f"{site.url}/articles/{slug}")
    expect(page.get_by_text("Comments are closed.")).to_be_visible()
    expect(page.get_by_role("button", name="Add yours")).to_have_count(0)
    shot(page, "closed")


def test_a_moderator_who_acts_second_is_told_and_sees_the_comment_as_it_is_now(
    site: Site, visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    slug = "the-hidden-machinery-of-wartime-trade"
    posted = httpx.post(
        f"{site.url}/api/v1/articles/hidden-machinery-of-wartime-trade/comments",
        json={"author_name": "Gus", "body": "A question about shipping."},
    )
    assert posted.status_code == 201, (slug, posted.text)
    comment_id = posted.json()["comment"]["id"]
    page = visitors("noor").page
    sign_in(page, site)
    item = page.locator(f"#item-{comment_id}")
    expect(item).to_be_visible()
    headers = {"Authorization": f"Bearer {site.token}"}
    first = httpx.post(
        f"{site.url}/api/v1/admin/comments/{comment_id}/moderate", json={"action": "reject"}, headers=headers
    )
    assert first.status_code == 200
    item.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#item-{comment_id} .outcome")).to_contain_text("Someone acted first")
    expect(page.locator(f"#item-{comment_id}")).to_contain_text("rejected")
    expect(page.locator(f"#item-{comment_id}").get_by_role("button", name="Restore")).to_be_visible()
    shot(page, "acted-first")


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site whose network write budget is two a minute."""
    server, token = start_site(tmp_path_factory.mktemp("tight"), PARLEY_WRITES_PER_MINUTE="2")
    try:
        yield Site(server, token)
    finally:
        server.stop()


def test_a_spent_write_budget_says_when_to_try_again(
    tight: Site, visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    page = visitors("gil").page
    page.goto(f"{tight.url}/")
    for n in range(2):
        add_yours(page, "Gil", f"Comment number {n}.")
        expect(page.locator(".parley-waiting")).to_have_count(n + 1)
    add_yours(page, "Gil", "One too many.")
    expect(page.locator(".parley-problem")).to_contain_text("Too many attempts from your network. Try again in")
    expect(page.get_by_label("Comment", exact=True)).to_have_value("One too many.")
    shot(page, "too-many")


def test_what_others_post_edit_and_lose_appears_without_a_reload(
    site: Site, visitors: Callable[[str], Visitor], shot: Shot
) -> None:
    desk = {"Authorization": f"Bearer {site.token}"}
    made = httpx.post(
        f"{site.url}/api/v1/admin/articles",
        headers=desk,
        json={
            "slug": "live-desk",
            "title": "Live from the desk",
            "author": {"slug": "desk", "name": "The Desk"},
            "body": "Updates as they come.",
            "moderation": "pre",
        },
    )
    assert made.status_code == 201, made.text
    page = visitors("watcher").page
    page.goto(f"{site.url}/articles/live-desk")
    expect(page.locator(".parley-count")).to_have_text("There are no comments")
    with httpx.Client(base_url=site.url, headers={"X-Forwarded-For": "198.51.100.77"}) as elsewhere:
        posted = elsewhere.post(
            "/api/v1/articles/live-desk/comments", json={"author_name": "Far Reader", "body": "Posted **elsewhere**."}
        ).json()
        comment = page.locator(f"#parley-c-{posted['comment']['id']}")
        page.wait_for_timeout(500)
        expect(comment).to_have_count(0)  # waiting for a moderator: nobody else sees it, live or not
        moderate = f"{site.url}/api/v1/admin/comments/{posted['comment']['id']}/moderate"
        assert httpx.post(moderate, json={"action": "approve"}, headers=desk).status_code == 200
        expect(comment.locator(".parley-body strong")).to_have_text("elsewhere")
        expect(page.locator(".parley-count")).to_have_text("1 comment")
        expect(page.get_by_role("status")).to_contain_text("New comment from Far Reader")
        shot(page, "live-arrived")
        assert httpx.post(moderate, json={"action": "remove"}, headers=desk).status_code == 200
        expect(comment).to_have_count(0)
        expect(page.locator(".parley-count")).to_have_text("There are no comments")
