"""A server the tests need (PostgreSQL, Redis): probed once, then skipped where absent, or failed where CI says
it must be there."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Callable, Coroutine
from typing import Any

import pytest


class Needed:
    def __init__(self, name: str, url: Callable[[], str], probe: Callable[[], Coroutine[Any, Any, bool]]) -> None:
        self._name, self._url, self._probe = name, url, probe
        self._reachable: bool | None = None

    def reachable(self) -> bool:
        if self._reachable is None:
            # On a thread of its own: callers may already run inside an event loop.
            with concurrent.futures.ThreadPoolExecutor(1) as once:
                self._reachable = once.submit(asyncio.run, self._probe()).result()
        return self._reachable

    def require(self) -> None:
        """Skip where the server is absent; where CI sets PARLEY_REQUIRE_<NAME>, fail instead."""
        if self.reachable():
            return
        if os.environ.get(f"PARLEY_REQUIRE_{self._name.upper()}"):
            pytest.fail(f"{self._name} is not reachable at {self._url()}")
        pytest.skip(f"no {self._name} at {self._url()} (set PARLEY_TEST_{self._name.upper()})")
