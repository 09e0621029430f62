"""Remembered answers: one build at a time per key, stale answers only within the bound, fresh ones otherwise."""

from __future__ import annotations

import asyncio
import random

import pytest

from parley.http.cache.answers import Answers

STALE = 1.0


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A 'database' of one value per key, with a version that every write bumps, and a count of reads."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.version = 0
        self.reads = 0
        self.gate: asyncio.Event | None = None

    def write(self, key: str) -> None:
        self.values[key] = self.values.get(key, 0) + 1
        self.version += 1

    async def build(self, key: str) -> tuple[int, bytes]:
        self.reads += 1
        version, value = self.version, self.values.get(key, 0)  # one snapshot
        if self.gate is not None:
            await self.gate.wait()
        return version, f"{key}={value}".encode()


def answers(source: Source, clock: Clock, **options: float) -> Answers[str]:
    return Answers(source.build, max_entries=100, max_bytes=100_000, size=len, clock=clock, stale_for=STALE, **options)


async def test_many_readers_of_a_missing_answer_cause_one_build() -> None:
    source, clock = Source(), Clock()
    remembered = answers(source, clock)
    source.gate = asyncio.Event()
    readers = [asyncio.create_task(remembered.get("a", source.version)) for _ in range(50)]
    await asyncio.sleep(0)
    source.gate.set()
    assert {entry.body for entry in await asyncio.gather(*readers)} == {b"a=0"}
    assert source.reads == 1


async def test_a_reader_that_leaves_does_not_cancel_the_build_others_wait_for() -> None:
    source, clock = Source(), Clock()
    remembered = answers(source, clock)
    source.gate = asyncio.Event()
    leaving = asyncio.create_task(remembered.get("a", 0))
    staying = asyncio.create_task(remembered.get("a", 0))
    await asyncio.sleep(0)
    leaving.cancel()
    source.gate.set()
    assert (await staying).body == b"a=0"
    assert leaving.cancelled()


async def test_a_changed_answer_is_served_stale_only_within_the_bound_while_one_rebuild_runs() -> None:
    source, clock = Source(), Clock()
    remembered = answers(source, clock, refresh_after=0.1)
    await remembered.get("a", source.version)
    source.write("a")
    clock.now += 0.05  # younger than refresh_after: served as it is, no rebuild yet
    assert (await remembered.get("a", source.version)).body == b"a=0"
    assert source.reads == 1
    clock.now += 0.5
    assert (await remembered.get("a", source.version)).body == b"a=0"  # stale, and a rebuild begins
    await asyncio.sleep(0)
    assert source.reads == 2
    assert (await remembered.get("a", source.version)).body == b"a=1"


async def test_an_answer_older_than_the_bound_is_never_served() -> None:
    source, clock = Source(), Clock()
    remembered = answers(source, clock)
    await remembered.get("a", source.version)
    source.write("a")
    clock.now += STALE + 0.01
    assert remembered.current("a", source.version) is None
    assert (await remembered.get("a", source.version)).body == b"a=1"


async def test_with_no_staleness_every_change_is_read_before_answering() -> None:
    source, clock = Source(), Clock()
    remembered = Answers(source.build, max_entries=10, max_bytes=10_000, size=len, clock=clock, stale_for=0)
    for n in range(5):
        source.write("a")
        assert (await remembered.get("a", source.version)).body == f"a={n + 1}".encode()


async def test_a_failed_refresh_leaves_the_old_answer_to_age_out_and_then_fails_the_reader() -> None:
    source, clock = Source(), Clock()
    remembered = answers(source, clock)
    await remembered.get("a", source.version)

    async def failing(key: str) -> tuple[int, bytes]:
        raise LookupError(key)

    remembered._build = failing  # type: ignore[method-assign]
    source.write("a")
    clock.now += 0.5
    assert (await remembered.get("a", source.version)).body == b"a=0"
    await asyncio.sleep(0)
    clock.now += STALE
    with pytest.raises(LookupError):
        await remembered.get("a", source.version)


@pytest.mark.parametrize("seed", range(20))
async def test_every_answer_was_true_within_the_bound_under_random_interleavings(seed: int) -> None:
    """Writes, reads, the passing of time and background rebuilds in a random order: whatever is served was the
    truth at some moment no longer ago than the bound, and is the truth itself once no build is pending."""
    rng = random.Random(seed)
    source, clock = Source(), Clock()
    remembered = answers(source, clock, refresh_after=0.1)
    keys = ["a", "b", "c"]
    history: dict[str, list[tuple[float, bytes]]] = {key: [(clock.now, f"{key}=0".encode())] for key in keys}
    for _ in range(400):
        step = rng.random()
        key = rng.choice(keys)
        if step < 0.25:
            source.write(key)
            history[key].append((clock.now, f"{key}={source.values[key]}".encode()))
        elif step < 0.35:
            clock.now += rng.choice([0.01, 0.05, 0.2, 0.6, 1.5])
        elif step < 0.45:
            await asyncio.sleep(0)  # background rebuilds get their turn
        else:
            served = (await remembered.get(key, source.version)).body
            truths = history[key]
            # Truth i held from its time until the next truth's time.
            valid_until = [later for later, _ in truths[1:]] + [clock.now]
            recent = {body for (_, body), until in zip(truths, valid_until, strict=True) if clock.now - until <= STALE}
            assert served in recent, (seed, key, served, truths[-3:])
    await asyncio.sleep(0)
    clock.now += STALE + 1
    for key in keys:
        assert (await remembered.get(key, source.version)).body == f"{key}={source.values.get(key, 0)}".encode()
