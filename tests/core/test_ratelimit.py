"""The one limiter (core.ratelimit): a sliding window in one Lua script on real Redis, kept
natively by the in-process store (core.localstore) with the same answers, on a controlled
clock."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from fakeredis import FakeAsyncRedis

from core import localstore
from core.clock import FrozenClock
from core.kv import create_kv
from core.ratelimit import _SHAS, book, forget, take


def at(minute: int, second: int) -> datetime:
    return datetime(2026, 1, 15, 9, minute, second, tzinfo=UTC)


async def test_no_window_edge_to_straddle(kv: Any) -> None:
    """3 at :57 and 3 at :01 of the next minute are 6 calls in 4 s: only 3 get through."""
    clock = FrozenClock(at(0, 57))
    let_through = 0
    for _ in range(3):
        let_through += not (await take(kv, clock, bucket="p", limit=3, window_seconds=60)).exceeded
    clock.set(at(1, 1))
    refused = []
    for _ in range(3):
        quota = await take(kv, clock, bucket="p", limit=3, window_seconds=60)
        let_through += not quota.exceeded
        refused.append(quota)
    assert let_through == 3
    # The first call leaves the window at 01:57: 56 s from 01:01.
    assert {q.retry_after(int(clock.now().timestamp())) for q in refused} == {56}
    clock.set(at(1, 56))
    assert (await take(kv, clock, bucket="p", limit=3, window_seconds=60)).exceeded
    clock.set(at(1, 57))
    quota = await take(kv, clock, bucket="p", limit=3, window_seconds=60)
    assert not quota.exceeded and quota.remaining == 2  # all three :57 calls left


async def test_refused_calls_are_not_counted_and_buckets_are_apart(kv: Any) -> None:
    clock = FrozenClock(at(0, 0))
    for n in range(2):
        quota = await take(kv, clock, bucket="a", limit=2, window_seconds=10)
        assert quota.remaining == 1 - n
        assert quota.reset_at == int(at(0, 10).timestamp())
    for _ in range(20):
        quota = await take(kv, clock, bucket="a", limit=2, window_seconds=10)
        assert quota.exceeded and quota.remaining == -1
    assert (await take(kv, clock, bucket="b", limit=2, window_seconds=10)).remaining == 1
    clock.advance(seconds=10)  # the knocking did not push the window on
    assert (await take(kv, clock, bucket="a", limit=2, window_seconds=10)).remaining == 1


async def test_concurrent_callers_never_share_the_last_slot(kv: Any) -> None:
    clock = FrozenClock(at(0, 0))
    quotas = await asyncio.gather(
        *(take(kv, clock, bucket="race", limit=5, window_seconds=60) for _ in range(40))
    )
    assert sum(not q.exceeded for q in quotas) == 5
    assert sorted(q.remaining for q in quotas if not q.exceeded) == [0, 1, 2, 3, 4]


async def test_the_script_is_loaded_again_after_a_script_flush(kv: Any) -> None:
    clock = FrozenClock(at(0, 0))
    await take(kv, clock, bucket="f", limit=3, window_seconds=60)
    await kv.script_flush()
    assert (await take(kv, clock, bucket="f", limit=3, window_seconds=60)).remaining == 1


async def test_the_in_process_store_answers_as_the_script_does() -> None:
    """The same calls, at the same moments, on the in-process store (native buckets) and
    on fakeredis running the scripts in Lua: the same quotas and bookings, and the
    in-process store never runs a script."""
    native, scripted = create_kv(""), FakeAsyncRedis(decode_responses=True)
    rng = random.Random(15)
    clock = FrozenClock(at(0, 0))
    try:
        for step in range(600):
            clock.advance(seconds=rng.choice([0, 0, 0.3, 1, 7, 40]))
            bucket = rng.choice(["a", "b", "c"])
            if step % 97 == 96:
                await forget(native, bucket=bucket)
                await forget(scripted, bucket=bucket)
                continue
            if rng.random() < 0.8:
                kwargs = {"bucket": bucket, "limit": rng.choice([1, 3, 5]), "window_seconds": 30}
                assert await take(native, clock, **kwargs) == await take(scripted, clock, **kwargs)
            else:
                moment = clock.now().timestamp() + rng.choice([0, 2.5])
                kwargs = {"bucket": "send:" + bucket, "limit": 2, "window_seconds": 3, "at": moment}
                assert await book(native, **kwargs) == await book(scripted, **kwargs)
        shas = list(_SHAS.values())
        assert await scripted.script_exists(*shas) == [True, True]
        assert await native.script_exists(*shas) == [False, False]
    finally:
        await native.aclose()
        await scripted.aclose()


async def test_the_in_process_store_drops_buckets_whose_calls_left_the_window() -> None:
    store = create_kv("")
    clock = FrozenClock(at(0, 0))
    for n in range(50):
        await take(store, clock, bucket=f"client-{n}", limit=10, window_seconds=60)
    clock.advance(seconds=62)
    for _ in range(store.SWEEP_EVERY):
        await take(store, clock, bucket="busy", limit=10**9, window_seconds=60)
    assert list(store._buckets) == ["rl:busy"]
    await store.aclose()


def test_the_local_cache_drops_what_expired_and_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(localstore.time, "monotonic", lambda: now[0])
    cache = localstore.LocalCache(max_entries=100)
    for n in range(50):
        cache.set(f"old-{n}", n, ex=10)
    now[0] += 11
    for n in range(50):
        cache.set(f"new-{n}", n, ex=10)
    assert cache.get("old-3") is None and cache.get("new-3") == 3
    assert len(cache._entries) == 50  # the expired ones went as the new ones came
    for n in range(500):
        cache.set(f"more-{n}", n, ex=10)
    assert len(cache._entries) == 100 and cache.get("more-499") == 499
