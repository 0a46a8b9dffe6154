"""Runs the job table (scheduler.jobs) with APScheduler 3's AsyncIOScheduler.

Every instance schedules every job, but a job only does its work on the leader
(core.leader): with REDIS_URL set, the instance holding the Redis lock, renewed by a
heartbeat every third of its TTL; without it, the one process. The leadership check
happens right before each run, so an instance that lost the lock stops at once, and
a standby takes over within the TTL plus one heartbeat of the leader's death.

    sauda serve           the scheduler runs inside the one process
    sauda scheduler       the scheduler and the outbox worker as their own process
    sauda scheduler --list  every job with its next run time
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from core.leader import DEFAULT_TTL_SECONDS, Leadership, RedisLeaderLock, leadership_for
from core.runtime import Runtime
from core.settings import Settings
from scheduler.jobs import JOBS, Job

log = logging.getLogger(__name__)

HEARTBEAT_JOB = "leader_heartbeat"


class JobRunner:
    """The job table on one APScheduler, guarded by leadership."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        leadership: Leadership | None = None,
        jobs: dict[str, Job] | None = None,
        leader_ttl: float = DEFAULT_TTL_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.jobs = dict(JOBS if jobs is None else jobs)
        self.leadership = leadership or leadership_for(
            runtime.settings, runtime.kv, ttl_seconds=leader_ttl
        )
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        for spec in self.jobs.values():
            # Registered by name with plain arguments: the job's name is all it carries.
            self.scheduler.add_job(
                self.run_job, spec.trigger, args=[spec.name], id=spec.name, name=spec.name
            )
        if isinstance(self.leadership, RedisLeaderLock):
            self.scheduler.add_job(
                self.leadership.hold,
                IntervalTrigger(seconds=max(1.0, self.leadership.ttl_seconds / 3)),
                id=HEARTBEAT_JOB,
                name=HEARTBEAT_JOB,
            )

    async def run_job(self, name: str) -> Any:
        """Run one job now if this instance leads; returns its result (None when not)."""
        spec = self.jobs[name]
        if not await self.leadership.hold():
            log.debug("job %s: not the leader, skipped", name)
            return None
        try:
            result = await spec.run(self.runtime)
        except Exception:
            log.exception("job %s failed", name)
            raise
        log.debug("job %s: %s", name, result)
        return result

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
