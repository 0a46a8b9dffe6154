"""The one limiter (core.ratelimit): a sliding window in one Lua script, on the in-process
store (fakeredis runs the script with lupa) and on real Redis, on a controlled clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from core.clock import FrozenClock
from core.ratelimit import take


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
