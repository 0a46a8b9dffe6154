"""Runs the job table (scheduler.jobs) with APScheduler 3's AsyncIOScheduler.

Every instance schedules every job; a scheduled run (a *slot*: the moment the trigger
fired) is done once, by the leader (core.leader):

- one heartbeat (an APScheduler interval job, every third of the lock's TTL) is the only
  caller of `leadership.hold()`: it takes or renews the lock, and then catches up;
- when a trigger fires, `fire(name)` asks `leadership.check()` (a read that cannot race
  the heartbeat), claims the slot in the store (`SET sauda:scheduler:ran:<job>:<unix
  time of the slot> NX`, kept twice the misfire grace), and only then runs the job. Two
  leaders for a moment (a paused process waking up) still run a slot once;
- catching up: after each successful heartbeat, the leader runs every job whose latest
  slot within `MISFIRE_GRACE` (5 minutes) nobody claimed: a run missed while the lock
  changed hands (the old leader died before the slot, the standby fired while the lock
  was still held), while Redis was unreachable, or while the job's previous run was
  still going. Like APScheduler's coalescing, several missed slots of one job are one
  run (the latest); a slot older than the grace is not run late (the next one is due).

A claimed slot whose run fails is not run again (the error is logged; jobs scan what
is due, so the next slot picks the work up), and a leader that dies mid-run loses that
slot the same way. `run_job(name)` runs a job now if this instance leads, without a
slot (tests, `sauda` commands).

    sauda serve           the scheduler runs inside the one process
    sauda scheduler       the scheduler and the outbox worker as their own process
    sauda scheduler --list  every job with its next run time
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.dependencies import log_failure
from core.leader import DEFAULT_TTL_SECONDS, Leadership, leadership_for
from core.runtime import Runtime
from core.settings import Settings
from scheduler.jobs import JOBS, Job

log = logging.getLogger(__name__)

HEARTBEAT_JOB = "leader_heartbeat"
MISFIRE_GRACE = timedelta(minutes=5)
SLOT_KEY = "sauda:scheduler:ran:{name}:{slot}"
STOP_GRACE_SECONDS = 10.0


def latest_slot(trigger: BaseTrigger, now: datetime, grace: timedelta) -> datetime | None:
    """The last moment in (now - grace, now] that `trigger` fires at, or None."""
    slot = None
    moment = trigger.get_next_fire_time(None, now - grace + timedelta(microseconds=1))
    while moment is not None and moment <= now:
        slot = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return slot


class JobRunner:
    """The job table on one APScheduler, guarded by leadership and claimed per slot."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        leadership: Leadership | None = None,
        jobs: dict[str, Job] | None = None,
        leader_ttl: float = DEFAULT_TTL_SECONDS,
        grace: timedelta = MISFIRE_GRACE,
    ) -> None:
        self.runtime = runtime
        self.jobs = dict(JOBS if jobs is None else jobs)
        self.leadership = leadership or leadership_for(
            runtime.settings, runtime.kv, ttl_seconds=leader_ttl
        )
        self.grace = grace
        self._running: dict[str, asyncio.Lock] = {name: asyncio.Lock() for name in self.jobs}
        self._catching_up: dict[str, asyncio.Task[Any]] = {}
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(grace.total_seconds()),
            },
        )
        for spec in self.jobs.values():
            # Registered by name with plain arguments: the job's name is all it carries.
            self.scheduler.add_job(
                self.fire, spec.trigger, args=[spec.name], id=spec.name, name=spec.name
            )
        ttl = getattr(self.leadership, "ttl_seconds", leader_ttl)
        self.scheduler.add_job(
            self.heartbeat,
            IntervalTrigger(seconds=max(1.0, ttl / 3)),
            id=HEARTBEAT_JOB,
            name=HEARTBEAT_JOB,
        )

    async def run_job(self, name: str) -> Any:
        """Run one job now if this instance leads; returns its result (None when not)."""
        async with self._running[name]:
            if not await self.leadership.check():
                log.debug("job %s: not the leader, skipped", name)
                return None
            return await self._run(name)

    async def fire(self, name: str) -> Any:
        """The trigger fired: run the job's latest slot, once across every instance."""
        slot = latest_slot(self.jobs[name].trigger, self.runtime.clock.now(), self.grace)
        if slot is None:
            return None
        return await self.run_slot(name, slot)

    async def run_slot(self, name: str, slot: datetime) -> Any:
        """Run `name` for `slot` if this instance leads and nobody claimed the slot."""
        async with self._running[name]:
            if not await self.leadership.check():
                log.debug("job %s at %s: not the leader", name, slot.isoformat())
                return None
            if not await self._claim(name, slot):
                return None
            return await self._run(name)

    async def _run(self, name: str) -> Any:
        try:
            result = await self.jobs[name].run(self.runtime)
        except Exception as error:
            log_failure(log, error, "job %s failed", name)
            raise
        log.debug("job %s: %s", name, result)
        return result

    def _slot_key(self, name: str, slot: datetime) -> str:
        return SLOT_KEY.format(name=name, slot=int(slot.timestamp()))

    async def _claim(self, name: str, slot: datetime) -> bool:
        try:
            return bool(
                await self.runtime.kv.set(
                    self._slot_key(name, slot),
                    self.leadership.value or "leader",
                    nx=True,
                    ex=int(2 * self.grace.total_seconds()),
                )
            )
        except Exception as error:
            # The store is unreachable: the slot is caught up when it is back.
            log_failure(log, error, "job %s at %s: cannot claim the slot", name, slot.isoformat())
            return False

    async def heartbeat(self) -> bool:
        """Take or renew leadership (the lock's only renewer); the leader catches up."""
        held = await self.leadership.hold()
        if held:
            await self.catch_up()
        return held

    async def catch_up(self) -> list[str]:
        """Start every job whose latest slot within the grace nobody ran; their names."""
        now = self.runtime.clock.now()
        started = []
        for name, spec in self.jobs.items():
            slot = latest_slot(spec.trigger, now, self.grace)
            if slot is None or name in self._catching_up:
                continue
            try:
                if await self.runtime.kv.exists(self._slot_key(name, slot)):
                    continue
            except Exception as error:
                log_failure(log, error, "job %s: cannot read its slot", name)
                continue
            task = asyncio.create_task(self._catch_up_one(name, slot))
            self._catching_up[name] = task
            task.add_done_callback(lambda _, name=name: self._catching_up.pop(name, None))
            started.append(name)
        return started

    async def _catch_up_one(self, name: str, slot: datetime) -> None:
        with contextlib.suppress(Exception):  # logged by _run
            if await self.run_slot(name, slot) is not None:
                log.info("job %s: caught up the run of %s", name, slot.isoformat())

    async def settle(self) -> None:
        """Wait (at most STOP_GRACE_SECONDS) for the catch-up runs in flight."""
        tasks = list(self._catching_up.values())
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)

    async def start(self) -> None:
        await self.leadership.hold()
        self.scheduler.start()
        log.info(
            "scheduler started with %d jobs (%s)",
            len(self.jobs),
            "leader" if self.leadership.is_leader else "standby",
        )

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        await self.settle()
        for task in list(self._catching_up.values()):
            task.cancel()
        await self.leadership.release()


async def start_scheduler(runtime: Runtime) -> Callable[[], Awaitable[None]]:
    """Start the scheduler in this process; returns the coroutine function that stops it."""
    runner = JobRunner(runtime)
    await runner.start()
    runtime.extras["scheduler"] = runner
    return runner.stop


def next_runs(now: datetime | None = None) -> list[tuple[Job, datetime | None]]:
    """Every job with the next moment its trigger fires after `now`."""
    now = now or datetime.now(UTC)
    return [(spec, spec.trigger.get_next_fire_time(None, now)) for spec in JOBS.values()]


async def print_jobs(
    settings: Settings, *, out: TextIO | None = None, now: datetime | None = None
) -> None:
    """Print every job, its next run time (UTC) and what it does (`sauda scheduler --list`)."""
    out = out or sys.stdout
    rows = next_runs(now)
    width = max(len(spec.name) for spec, _ in rows)
    print(f"{'job':<{width}}  {'next run (UTC)':<25}  what it does", file=out)
    for spec, moment in rows:
        when = moment.astimezone(UTC).isoformat(timespec="seconds") if moment else "never"
        print(f"{spec.name:<{width}}  {when:<25}  {spec.description}", file=out)
    mode = "Redis lock (one leader runs jobs)" if settings.redis_url else "single process"
    print(f"leadership: {mode}", file=out)
