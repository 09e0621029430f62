"""Public articles: the list, one article, the seeded newsroom page."""

from __future__ import annotations

from datetime import timedelta

from parley.domain.records import ArticleChanges, Author
from parley.seeding import load
from parley.services import Services
from parley.settings import default_seeds
from tests import builders
from tests.conftest import Clock
from tests.http.helpers import Client, make_article, post

SEED = "fragile-pause-russia-ukraine-deadlock"


async def test_the_seeded_newsroom_article_reads_four_minutes_and_has_no_comments(
    client: Client, services: Services
) -> None:
    await services.articles.seed(load(default_seeds()))
    article = (await client.get(f"/api/v1/articles/{SEED}")).json()
    assert article["title"] == "A Fragile Pause in the War: Russia and Ukraine Face Deadlock Despite Bold Attacks"
    assert article["reading_minutes"] == 4
    assert article["comments"] == {"open": True, "moderation": "pre", "count": 0}
    assert len(article["related"]) == 3
    assert len(article["more_from_author"]) == 3
    assert all(a["author"]["slug"] == article["author"]["slug"] for a in article["more_from_author"])
    assert SEED not in [a["slug"] for a in article["related"] + article["more_from_author"]]
    # "You May Also Like" prefers other authors and never repeats "More From Author" on the same page.
    assert all(a["author"]["slug"] != article["author"]["slug"] for a in article["related"])
    thread = (await client.get(f"/api/v1/articles/{SEED}/comments")).json()
    assert thread == {"article": SEED, "count": 0, "items": [], "next_cursor": None}


async def test_seeding_twice_changes_nothing(services: Services) -> None:
    first = await services.articles.seed(load(default_seeds()))
    again = await services.articles.seed(load(default_seeds()))
    assert first >= 9
    assert again == 0


async def test_articles_list_newest_first_with_a_cursor(client: Client, services: Services) -> None:
    made = [await make_article(services, published_at=builders.PUBLISHED + timedelta(days=i)) for i in range(5)]
    first = (await client.get("/api/v1/articles", params={"limit": 2})).json()
    second = (await client.get("/api/v1/articles", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    third = (await client.get("/api/v1/articles", params={"limit": 2, "cursor": second["next_cursor"]})).json()
    slugs = [a["slug"] for page in (first, second, third) for a in page["items"]]
    assert slugs == [a.slug for a in reversed(made)]
    assert third["next_cursor"] is None


async def test_articles_filter_by_author_and_tag(client: Client, services: Services) -> None:
    mine = await make_article(services, author=Author("mine", "Mine"), tags=("x",))
    await make_article(services, tags=("y",))
    by_author = (await client.get("/api/v1/articles", params={"author": "mine"})).json()
    by_tag = (await client.get("/api/v1/articles", params={"tag": "x"})).json()
    assert [a["slug"] for a in by_author["items"]] == [mine.slug]
    assert [a["slug"] for a in by_tag["items"]] == [mine.slug]


async def test_a_summary_has_the_contracts_fields_and_counts_visible_comments(
    client: Client, services: Services
) -> None:
    article = await make_article(services)
    await post(client, article.slug)
    (summary,) = (await client.get("/api/v1/articles")).json()["items"]
    assert set(summary) == {"slug", "title", "author", "published_at", "reading_minutes", "tags", "comment_count"}
    assert summary["comment_count"] == 1


async def test_an_unknown_or_unpublished_article_is_404(client: Client, services: Services, clock: Clock) -> None:
    later = await make_article(services, published_at=clock.now + timedelta(days=1))
    for slug in ("no-such-article", later.slug):
        response = await client.get(f"/api/v1/articles/{slug}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


async def test_the_body_is_sanitized_html(client: Client, services: Services) -> None:
    article = await make_article(services, body="Hi <script>alert(1)</script> [x](javascript:alert(1))")
    body_html = (await client.get(f"/api/v1/articles/{article.slug}")).json()["body_html"]
    assert "<script" not in body_html
    assert "javascript:" not in body_html.replace("(javascript:", "")
    assert "&lt;script&gt;" in body_html


async def test_bad_list_parameters_are_422(client: Client) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "many"}, {"cursor": "garbage"}):
        response = await client.get("/api/v1/articles", params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"]


async def test_comments_of_an_article_moved_to_a_later_date_are_hidden_everywhere(
    client: Client, services: Services, clock: Clock
) -> None:
    article = await make_article(services)
    comment = (await post(client, article.slug)).json()["comment"]["id"]
    await services.articles.update(article.slug, ArticleChanges(published_at=clock.now + timedelta(days=1)), actor="t")
    assert (await client.get(f"/api/v1/comments/{comment}")).status_code == 404
    assert (await client.post(f"/api/v1/comments/{comment}/flags", json={"reason": "spam"})).status_code == 404
    assert (await client.get(f"/api/v1/comments/{comment}/replies")).status_code == 404
    assert (await client.get("/api/v1/counts", params={"slug": article.slug})).json() == {"counts": {article.slug: 0}}


async def test_related_articles_prefer_other_authors_and_never_repeat_more_from_the_author(
    client: Client, services: Services
) -> None:
    ed = Author("ed", "Ed")
    main = await make_article(services, slug="main", author=ed, tags=("war", "trade"))
    same = [await make_article(services, slug=f"ed-{n}", author=ed, tags=("war",)) for n in range(4)]
    other = await make_article(services, slug="other", author=Author("flo", "Flo"), tags=("trade",))
    shown = (await client.get(f"/api/v1/articles/{main.slug}")).json()
    more = [a["slug"] for a in shown["more_from_author"]]
    related = [a["slug"] for a in shown["related"]]
    assert more == [a.slug for a in reversed(same)][:3]
    assert related[0] == other.slug
    assert not set(related) & set(more)
    assert related == [other.slug, same[0].slug]  # the only same-author article not already shown
