"""Budgets counted per key in a window of a minute: what a draw allows, tells, and keeps."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.stores.file import FileStore

from parley.http.limits import WINDOW_SECONDS, Budget, LocalTally, Window, limits
from parley.http.turns import ProcessesLock


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def local(per_minute: int, clock: Clock, tally: LocalTally | None = None) -> Budget:
    return Budget(per_minute, tally or LocalTally(), asyncio.Lock(), clock)


async def test_a_window_allows_its_budget_then_refuses_until_it_ends() -> None:
    clock = Clock()
    budget = local(2, clock)
    first, second, third = [await budget.draw("k") for _ in range(3)]
    assert (first.allowed, first.remaining, first.reset_in) == (True, 1, WINDOW_SECONDS)
    assert (second.allowed, second.remaining) == (True, 0)
    assert (third.allowed, third.remaining) == (False, 0)
    clock.now += WINDOW_SECONDS - 1
    assert not (await budget.draw("k")).allowed
    clock.now += 1
    assert (await budget.draw("k")).remaining == 1


async def test_a_refusal_tells_when_to_retry_and_an_allowance_does_not() -> None:
    clock = Clock()
    budget = local(1, clock)
    allowed = (await budget.draw("k")).headers()
    clock.now += 20.5
    refused = (await budget.draw("k")).headers()
    assert "retry-after" not in allowed
    assert allowed["ratelimit-policy"] == f"1; w={WINDOW_SECONDS}"
    assert (refused["retry-after"], refused["ratelimit-reset"], refused["ratelimit-remaining"]) == ("40", "40", "0")


async def test_keys_have_budgets_of_their_own() -> None:
    budget = local(1, Clock())
    assert [(await budget.draw(key)).allowed for key in ("a", "b", "a")] == [True, True, False]


async def test_local_windows_are_bounded_in_entries() -> None:
    tally = LocalTally(max_entries=3)
    budget = local(1, Clock(), tally)
    for key in ("a", "b", "c", "d"):
        await budget.draw(key)
    assert await tally.get("a") is None
    assert await tally.get("d") is not None


async def test_an_unreadable_or_far_future_window_counts_as_a_fresh_one(tmp_path: Path) -> None:
    """A window file is data on disk: one that does not decode, or claims to last beyond a minute, opens a new one."""
    clock = Clock()
    store = FileStore(tmp_path / "w", create_directories=True)
    budget = Budget(1, store, asyncio.Lock(), clock)
    await store.set("garbled", b"\xff\x00not a window")
    await store.set("forever", msgspec.msgpack.encode(Window(used=99, reset=int(clock.now) + 10 * WINDOW_SECONDS)))
    assert (await budget.draw("garbled")).allowed
    assert (await budget.draw("forever")).allowed


async def test_two_processes_worth_of_budgets_on_one_folder_share_each_key_exactly(tmp_path: Path) -> None:
    """Two budgets as two workers build them (own store object, own lock object) over one folder."""
    folder = tmp_path / "limits"
    workers = [limits(writes_per_minute=5, reads_per_minute=0, shared=folder).budgets["writes"] for _ in range(2)]
    drawn = await asyncio.gather(*(workers[n % 2].draw("k") for n in range(40)))
    assert sum(d.allowed for d in drawn) == 5


async def test_the_sweeper_deletes_expired_window_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("parley.http.limits._SWEEP_SECONDS", 0.01)
    folder = tmp_path / "limits"
    made = limits(writes_per_minute=5, reads_per_minute=0, shared=folder)
    assert made.shared is not None
    await made.shared.set("old", b"x", expires_in=1)
    await made.shared.set("new", b"x", expires_in=600)
    await asyncio.sleep(1.1)
    assert len(list(folder.iterdir())) == 2
    async with made.sweeper()(Litestar()):
        await asyncio.sleep(0.1)
    assert len(list(folder.iterdir())) == 1
    assert await made.shared.exists("new")


async def test_a_turn_is_exclusive_across_lock_objects_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "turn.lock"
    first, second = ProcessesLock(path), ProcessesLock(path)
    order: list[str] = []

    async def hold(lock: ProcessesLock, name: str) -> None:
        async with lock:
            order.append(f"{name} in")
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    await asyncio.gather(hold(first, "a"), hold(second, "b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_a_turn_cancelled_while_waiting_leaves_the_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "turn.lock"
    holder, waiter = ProcessesLock(path), ProcessesLock(path)
    async with holder:
        waiting = asyncio.create_task(waiter.__aenter__())
        await asyncio.sleep(0.05)
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
    await asyncio.wait_for(waiter.__aenter__(), 2)
    await waiter.__aexit__(None, None, None)
