"""Moderators' credentials: one moderator token and one admin token per test, made through the token service."""

from __future__ import annotations

import pytest

from parley.domain.records import Role
from parley.services import Services
from tests.http.helpers import bearer

MODERATOR = "mia"
ADMIN = "ada"


@pytest.fixture
async def moderator(services: Services) -> dict[str, str]:
    """Headers of a moderator token named `mia`."""
    return await bearer(services, Role.MODERATOR, MODERATOR)


@pytest.fixture
async def admin(services: Services) -> dict[str, str]:
    """Headers of an admin token named `ada`."""
    return await bearer(services, Role.ADMIN, ADMIN)
