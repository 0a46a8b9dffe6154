"""Leader election through the Redis lock (on real Redis and the in-process store)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from core.clock import FrozenClock
from core.leader import LEADER_KEY, RedisLeaderLock, SoleLeader, leadership_for
from core.models import DateType, ImportantDate
from core.runtime import Runtime
from tests.scheduler.helpers import chat_id_of, chat_rows, customer_of, runner_for, shop_in, utc

SHORT_TTL = 0.3


async def wait_until_expired(kv: Any, key: str = LEADER_KEY, *, limit: float = 5.0) -> None:
    """The dead leader's lock runs out on the store's own clock (bounded wait)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while await kv.exists(key):
        assert loop.time() < deadline, "the lock did not expire"
        await asyncio.sleep(0.05)


async def test_one_instance_holds_the_lock_and_renews_it(runtime: Runtime) -> None:
    first = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    second = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    assert await first.hold() is True
    assert await second.hold() is False
    assert await first.hold() is True  # renewal
    assert first.is_leader and not second.is_leader
    assert await runtime.kv.get(LEADER_KEY) == first.value
    assert 0 < await runtime.kv.pttl(LEADER_KEY) <= 30_000


async def test_release_hands_over_at_once_and_never_frees_anothers_lock(
    runtime: Runtime,
) -> None:
    first = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    second = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    await first.hold()
    await second.release()  # not the holder: nothing happens
    assert await runtime.kv.get(LEADER_KEY) == first.value
    await first.release()
    assert await second.hold() is True
    assert await first.hold() is False


async def test_a_leader_whose_lock_was_taken_over_stops_leading(runtime: Runtime) -> None:
    first = RedisLeaderLock(runtime.kv, ttl_seconds=SHORT_TTL)
    second = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    await first.hold()
    await wait_until_expired(runtime.kv)
    assert await second.hold() is True
    assert await first.hold() is False  # a paused process wakes up: it may not renew
    assert await runtime.kv.get(LEADER_KEY) == second.value


async def test_without_redis_the_one_process_leads(runtime: Runtime) -> None:
    assert runtime.settings.redis_url == ""
    leadership = leadership_for(runtime.settings, runtime.kv)
    assert isinstance(leadership, SoleLeader)
    assert await leadership.hold() is True


async def test_when_the_leader_dies_another_takes_over_without_repeating_its_work(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty")
    first_customer = await customer_of(shop, name="Первая")
    await ImportantDate.create(
        shop=shop, customer=first_customer, date_type=DateType.BIRTHDAY, date=date(1990, 5, 15)
    )
    # Locks that outlive the test's pauses: the store expires them on real time, so with
    # a short one, a machine busy for longer than it between two steps lets the other
    # runner take the lock (the 0.3 s locks this test had failed so under load).
    leader = runner_for(runtime, leadership=RedisLeaderLock(runtime.kv, ttl_seconds=30))
    standby = runner_for(runtime, leadership=RedisLeaderLock(runtime.kv, ttl_seconds=30))

    clock.set(utc(2026, 5, 12, 5, 0))
    assert await leader.run_job("important_dates") == {shop.id: 1}
    assert await standby.run_job("important_dates") is None

    # The leader dies: no release, no more heartbeats; its lock runs out (now: the store
    # is told it has a millisecond left, and expires it itself).
    assert await runtime.kv.pexpire(LEADER_KEY, 1)
    await wait_until_expired(runtime.kv)
    clock.advance(minutes=15)
    assert await standby.run_job("important_dates") == {shop.id: 0}
    assert standby.leadership.is_leader
    assert len(await chat_rows("date_reminder")) == 1

    # New work that came due after the takeover is the new leader's.
    second_customer = await customer_of(shop, name="Вторая")
    await ImportantDate.create(
        shop=shop, customer=second_customer, date_type=DateType.BIRTHDAY, date=date(1991, 5, 16)
    )
    clock.set(utc(2026, 5, 13, 5, 0))
    assert await standby.run_job("important_dates") == {shop.id: 1}
    assert await leader.run_job("important_dates") is None  # back from the dead: standby
    rows = await chat_rows("date_reminder")
    assert [r.destination for r in rows] == [
        str(await chat_id_of(first_customer)),
        str(await chat_id_of(second_customer)),
    ]
    await standby.stop()
    assert not await runtime.kv.exists(LEADER_KEY)


async def test_concurrent_holds_and_checks_by_the_holder_never_lose_the_lock(
    runtime: Runtime,
) -> None:
    # The probe: three concurrent hold() calls by the holder returned False for two
    # (its own renewals raced each other), and a job whose check was False was skipped.
    lock = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    other = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    assert await lock.hold() is True
    for _ in range(20):
        answers = await asyncio.gather(
            lock.hold(), lock.hold(), lock.hold(), lock.check(), lock.check(), other.check()
        )
        assert answers == [True, True, True, True, True, False]
    assert lock.is_leader and not other.is_leader
    assert await runtime.kv.get(LEADER_KEY) == lock.value


async def test_every_acquisition_gets_a_larger_fencing_number(runtime: Runtime) -> None:
    first = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    second = RedisLeaderLock(runtime.kv, ttl_seconds=30)
    assert await first.hold() and first.fence is not None
    fences = [first.fence]
    await first.release()
    assert await second.hold() and second.fence is not None
    fences.append(second.fence)
    await second.release()
    assert await first.check() and first.fence is not None  # a free key is taken at once
    fences.append(first.fence)
    assert fences == sorted(set(fences))
    assert first.value == f"{first.token}#{first.fence}"
    assert await runtime.kv.get(LEADER_KEY) == first.value
