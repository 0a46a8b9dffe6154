"""Scheduled runs are slots, each run once: an hour of jobs on one process without a
skip, and two processes sharing the hour (a graceful hand-over and a crash) without a
run twice or a run missed. The clock is controlled; the heartbeat and the triggers are
called as APScheduler would call them, concurrently."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from core.clock import FrozenClock
from core.leader import LEADER_KEY, RedisLeaderLock, SoleLeader
from core.runtime import Runtime
from scheduler.jobs import Job, every
from scheduler.runner import MISFIRE_GRACE, JobRunner, latest_slot
from tests.scheduler.helpers import utc
from tests.scheduler.test_leader import wait_until_expired

START = utc(2026, 5, 12, 5, 0)
TRIGGERS = {
    "each_minute": every(1),
    "quarterly": every(15),
    "hourly": CronTrigger(minute=7, timezone="UTC"),
}
EXPECTED = {"each_minute": 60, "quarterly": 4, "hourly": 1}

Run = tuple[str, str, datetime]  # (job, which runner, when it ran)


def recording_jobs(runs: list[Run], who: str) -> dict[str, Job]:
    def make(name: str) -> Job:
        async def run(runtime: Runtime) -> str:
            await asyncio.sleep(0)  # let the heartbeat and the other triggers interleave
            runs.append((name, who, runtime.clock.now()))
            return name

        return Job(name=name, run=run, trigger=TRIGGERS[name], description=name)

    return {name: make(name) for name in TRIGGERS}


def slots_of(runs: list[Run]) -> Counter[tuple[str, datetime]]:
    slots: Counter[tuple[str, datetime]] = Counter()
    for name, _, moment in runs:
        slot = latest_slot(TRIGGERS[name], moment, MISFIRE_GRACE)
        assert slot is not None
        slots[(name, slot)] += 1
    return slots


def expected_slots() -> set[tuple[str, datetime]]:
    wanted = set()
    for minute in range(60):
        moment = START + timedelta(minutes=minute)
        for name, trigger in TRIGGERS.items():
            if latest_slot(trigger, moment, timedelta(seconds=1)) == moment:
                wanted.add((name, moment))
    return wanted


async def a_moment(clock: FrozenClock, moment: datetime, *runners: JobRunner) -> None:
    """What APScheduler does at `moment` on each live runner: heartbeat and triggers."""
    clock.set(moment)
    calls: list[Any] = []
    for runner in runners:
        calls.append(runner.heartbeat())
        calls.extend(runner.fire(name) for name in runner.jobs)
    await asyncio.gather(*calls)
    for runner in runners:
        await runner.settle()


def test_the_expected_slots_are_an_hour_of_each_trigger() -> None:
    counts = Counter(name for name, _ in expected_slots())
    assert counts == EXPECTED


async def test_one_process_runs_an_hour_of_jobs_without_a_single_skip(
    runtime: Runtime, clock: FrozenClock
) -> None:
    runs: list[Run] = []
    runner = JobRunner(
        runtime,
        jobs=recording_jobs(runs, "one"),
        leadership=RedisLeaderLock(runtime.kv, ttl_seconds=30),
    )
    for minute in range(60):
        for second in (0, 10, 20, 30, 40, 50):  # a heartbeat every 10 s, triggers too
            await a_moment(clock, START + timedelta(minutes=minute, seconds=second), runner)
    slots = slots_of(runs)
    assert set(slots) == expected_slots()
    assert max(slots.values()) == 1
    # On time: every run happened at the moment of its slot, none late.
    assert all(latest_slot(TRIGGERS[name], when, MISFIRE_GRACE) == when for name, _, when in runs)
    await runner.stop()
    assert not await runtime.kv.exists(LEADER_KEY)


async def test_two_processes_share_the_hour_through_a_hand_over_and_a_crash(
    runtime: Runtime, clock: FrozenClock
) -> None:
    runs: list[Run] = []

    def runner(who: str) -> JobRunner:
        return JobRunner(
            runtime,
            jobs=recording_jobs(runs, who),
            leadership=RedisLeaderLock(runtime.kv, ttl_seconds=30),
        )

    first, second = runner("first"), runner("second")
    clock.set(START)
    assert await first.leadership.hold() and not await second.leadership.hold()
    for minute in range(20):
        await a_moment(clock, START + timedelta(minutes=minute), first, second)

    # The first process stops (a deploy): it gives the lock up, the second takes over.
    await first.stop()
    for minute in range(20, 25):
        await a_moment(clock, START + timedelta(minutes=minute), second)
    third = runner("third")  # the first process, started again: a standby now
    for minute in range(25, 45):
        await a_moment(clock, START + timedelta(minutes=minute), second, third)

    # The second process dies just before 05:45: no release, no more heartbeats. At
    # 05:45 the third fires but the lock is still the dead one's, so it runs nothing ...
    await a_moment(clock, START + timedelta(minutes=45), third)
    assert not [run for run in runs if run[2] >= START + timedelta(minutes=45)]
    # ... until the lock runs out and its heartbeat takes over and catches 05:45 up.
    await runtime.kv.pexpire(LEADER_KEY, 1)
    await wait_until_expired(runtime.kv)
    await a_moment(clock, START + timedelta(minutes=45, seconds=10), third)
    caught_up = sorted(name for name, who, moment in runs if moment.minute == 45)
    assert caught_up == ["each_minute", "quarterly"]
    for minute in range(46, 60):
        await a_moment(clock, START + timedelta(minutes=minute), third)

    slots = slots_of(runs)
    assert set(slots) == expected_slots()  # nothing skipped
    assert max(slots.values()) == 1  # nothing twice
    by_runner = Counter(who for _, who, _ in runs)
    assert by_runner == {
        "first": 20 + 2 + 1,  # 05:00-05:19 each minute, 05:00 and 05:15, 05:07
        "second": 25 + 1,  # 05:20-05:44 each minute, 05:30
        "third": 15 + 1,  # 05:45-05:59 each minute, 05:45
    }
    await third.stop()


async def test_two_leaders_at_once_still_run_each_slot_once(
    runtime: Runtime, clock: FrozenClock
) -> None:
    # A process paused past its lock's TTL wakes up still believing it leads, for a
    # moment, next to the new leader: the slot claims alone keep every run single.
    runs: list[Run] = []
    first = JobRunner(runtime, jobs=recording_jobs(runs, "first"), leadership=SoleLeader())
    second = JobRunner(runtime, jobs=recording_jobs(runs, "second"), leadership=SoleLeader())
    for minute in range(60):
        for second_of_minute in (0, 30):
            moment = START + timedelta(minutes=minute, seconds=second_of_minute)
            await a_moment(clock, moment, first, second)
    slots = slots_of(runs)
    assert set(slots) == expected_slots()
    assert max(slots.values()) == 1
    await first.stop()
    await second.stop()


async def test_runs_missed_while_stalled_are_caught_up_within_the_grace_and_coalesced(
    runtime: Runtime, clock: FrozenClock
) -> None:
    runs: list[Run] = []
    runner = JobRunner(
        runtime,
        jobs=recording_jobs(runs, "one"),
        leadership=RedisLeaderLock(runtime.kv, ttl_seconds=30),
    )
    await a_moment(clock, START, runner)
    assert sorted(name for name, _, _ in runs) == ["each_minute", "quarterly"]
    # The process stalls from 05:00 to 05:18:30 (no trigger fires); its first heartbeat
    # back catches up what is within the 5-minute grace, once per job.
    clock.set(START + timedelta(minutes=18, seconds=30))
    await runner.heartbeat()
    await runner.settle()
    late = sorted((name, slot) for (name, slot) in slots_of(runs[2:]))
    assert late == [
        ("each_minute", START + timedelta(minutes=18)),  # the latest of 18 missed runs
        ("quarterly", START + timedelta(minutes=15)),  # 3.5 minutes late: within the grace
    ]  # the hourly 05:07 is 11.5 minutes late: past the grace, its next slot is due
    # The triggers that APScheduler fires late now (within its misfire grace) find
    # their slots taken: nothing runs twice.
    await a_moment(clock, START + timedelta(minutes=18, seconds=31), runner)
    assert len(runs) == 4
    await runner.stop()
