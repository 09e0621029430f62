"""One shape per kind of typed value: every place that judges an e-mail address or a slug agrees."""

from __future__ import annotations

import json

import msgspec
import pytest

from parley.domain import shapes
from parley.http.admin_schemas import ArticleIn, BanIn
from parley.http.schemas import CommentIn
from parley.seeding import SeedError, parse

EMAILS = [
    *("carol@example.org", "Carol@Example.org", "a.b+c@news.example.co.uk"),
    *("a@b", "a@b.c\n", " a@b.c", "a@@b.c", "a b@c.d", "@b.c", "a@b.\x00c"),
    *("x" * 65 + "@b.c", "a@" + "b" * 250 + ".org"),
]


def accepted(kind: type[msgspec.Struct], **fields: object) -> bool:
    try:
        msgspec.convert(fields, kind, strict=True)
    except msgspec.ValidationError:
        return False
    return True


@pytest.mark.parametrize("email", EMAILS)
def test_readers_moderators_and_erasure_accept_the_same_email_addresses(email: str) -> None:
    by_reader = accepted(CommentIn, author_name="Ann", body="Hi", author_email=email)
    by_moderator = accepted(BanIn, email=email)
    assert by_reader == by_moderator == shapes.is_email(email)


def test_the_samples_hold_both_kinds() -> None:
    assert {shapes.is_email(email) for email in EMAILS} == {True, False}


@pytest.mark.parametrize("slug", ["brexit-deal", "a1", "Brexit", "brexit-", "-a", "a--b", "a\n", "é"])
def test_admins_and_seed_files_accept_the_same_slugs(slug: str) -> None:
    by_admin = accepted(ArticleIn, slug=slug, title="T", author={"slug": "ed", "name": "Ed"}, body="B")
    front = f"slug = {json.dumps(slug)}\ntitle = 'T'\npublished_at = 2026-01-01T00:00:00Z\nauthor = {{slug = 'ed', name = 'Ed'}}"
    try:
        parse(f"+++\n{front}\n+++\nB\n")
        by_seed = True
    except SeedError:
        by_seed = False
    assert by_admin == by_seed


@pytest.mark.parametrize("name", ["Ed Jones", "ed@news", "x" * 64])
def test_a_moderator_name_is_one_printable_line(name: str) -> None:
    assert shapes.is_moderator_name(name)


@pytest.mark.parametrize("name", [" Ed", "rule:x", "Ed\n", "", "x" * 65])
def test_a_moderator_name_has_no_colon_edge_space_or_line_break(name: str) -> None:
    assert not shapes.is_moderator_name(name)
