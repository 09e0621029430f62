"""Cursors, settings from the environment, and seed files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from parley.domain import paging
from parley.domain.errors import InvalidInput
from parley.seeding import SeedError, load, parse
from parley.settings import Settings, SettingsError, default_seeds

REPO_SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_a_cursor_comes_back_as_the_position_it_encodes() -> None:
    cursor = paging.encode("top", 7, 42)
    assert paging.decode(cursor, "top") == paging.Position("top", 7, 42)


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGpzb24", paging.encode("newest", 0, 1), "W1widG9wIiwxXQ"])
def test_a_cursor_from_elsewhere_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        paging.decode(cursor, "top")


def test_microseconds_round_trip_exactly() -> None:
    moment = datetime(2025, 6, 3, 8, 30, 0, 123456, tzinfo=UTC)
    assert paging.from_micros(paging.micros(moment)) == moment


def test_settings_read_parley_variables_and_flags_win() -> None:
    env = {
        "PARLEY_DATABASE": "/tmp/x.db",
        "PARLEY_PORT": "9000",
        "PARLEY_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
        "PARLEY_ACCESS_LOG": "false",
        "OTHER": "ignored",
    }
    settings = Settings.from_env(env, port=9100)
    assert settings.database == "/tmp/x.db"
    assert settings.port == 9100
    assert settings.trusted_proxies == ("10.0.0.1", "10.1.0.0/16")
    assert settings.access_log is False


def test_limits_and_origins_are_settings() -> None:
    env = {
        "PARLEY_WRITES_PER_MINUTE": "0",
        "PARLEY_READS_PER_MINUTE": "1200",
        "PARLEY_CORS_ORIGINS": "https://news.example.org, http://localhost:3000",
    }
    settings = Settings.from_env(env)
    assert (settings.writes_per_minute, settings.reads_per_minute) == (0, 1200)
    assert settings.cors_origins == ("https://news.example.org", "http://localhost:3000")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARLEY_PORT", "eighty"),
        ("PARLEY_PORT", "70000"),
        ("PARLEY_DEBUG", "maybe"),
        ("PARLEY_SYNCHRONOUS", "SOMETIMES"),
        ("PARLEY_CORS_ORIGINS", "*"),
        ("PARLEY_CORS_ORIGINS", "https://news.example.org/comments"),
        ("PARLEY_CORS_ORIGINS", "news.example.org"),
        ("PARLEY_TRUSTED_PROXIES", "10.0.0.1, proxy"),
        ("PARLEY_WRITES_PER_MINUTE", "-1"),
        ("PARLEY_READS_PER_MINUTE", "lots"),
        ("PARLEY_PROXY_HEADER", "x-real-ip"),
    ],
)
def test_a_bad_setting_is_an_error_naming_it(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_the_seed_folder_is_the_repositorys() -> None:
    assert default_seeds().resolve() == REPO_SEEDS


def test_the_shipped_seeds_parse_with_at_least_three_authors_and_nine_articles() -> None:
    drafts = load(REPO_SEEDS)
    assert len(drafts) >= 9
    assert len({draft.author.slug for draft in drafts}) >= 3
    assert all(draft.tags for draft in drafts)


def test_the_newsroom_article_is_seeded_word_for_word() -> None:
    original = (Path(__file__).parent / "fixtures" / "000_1e75131f4e34b38f.txt").read_text(encoding="utf-8")
    lines = original.splitlines()
    title, body = lines[0], "\n".join(lines[4:21])
    seeded = next(d for d in load(REPO_SEEDS) if d.slug == "fragile-pause-russia-ukraine-deadlock")
    assert seeded.title == title
    assert seeded.body == body


@pytest.mark.parametrize(
    "text",
    [
        "no front matter",
        "+++\nslug = 'x'\n",
        "+++\nslug = 'x'\ntitle = 't'\nauthor = { slug = 'a', name = 'A' }\npublished_at = 2025-01-01T00:00:00Z\n+++\n",
        "+++\nslug = 'Bad Slug'\ntitle = 't'\nauthor = { slug = 'a', name = 'A' }\npublished_at = 2025-01-01T00:00:00Z\n+++\nbody",
        "+++\nslug = 'x'\ntitle = 't'\nauthor = { slug = 'a', name = 'A' }\npublished_at = 2025-01-01T00:00:00\n+++\nbody",
        "+++\nslug = 'x'\ntitle = 't'\nauthor = { slug = 'a', name = 'A' }\npublished_at = 2025-01-01T00:00:00Z\nextra = 1\n+++\nbody",
    ],
)
def test_a_broken_seed_file_is_refused_with_its_name(text: str) -> None:
    with pytest.raises(SeedError, match=r"broken\.md"):
        parse(text, "broken.md")
