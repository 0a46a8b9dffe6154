"""The job table, the APScheduler runner and `sauda scheduler --list`."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.leader import LEADER_KEY, RedisLeaderLock
from core.models import ApprovalStatus, Order
from core.orders.service import place_order
from core.runtime import Runtime
from sauda.cli import main
from scheduler.jobs import JOBS
from scheduler.runner import HEARTBEAT_JOB, JobRunner, next_runs, print_jobs, start_scheduler
from tests.factories import make_shop

EXPECTED_JOBS = {
    "important_dates",
    "dates_digest",
    "delivery_watch",
    "stock_snapshots",
    "low_stock_digest",
    "housekeeping",
    "approval_auto_release",
}


def test_every_job_is_registered_by_name_with_a_trigger() -> None:
    assert set(JOBS) >= EXPECTED_JOBS
    for name, spec in JOBS.items():
        assert spec.name == name
        assert spec.description


def test_next_run_times_follow_the_triggers() -> None:
    now = datetime(2026, 5, 12, 4, 58, 30, tzinfo=UTC)
    runs = {spec.name: moment for spec, moment in next_runs(now)}
    assert runs["important_dates"] == datetime(2026, 5, 12, 5, 0, tzinfo=UTC)
    assert runs["delivery_watch"] == datetime(2026, 5, 12, 4, 59, tzinfo=UTC)
    assert runs["housekeeping"] == datetime(2026, 5, 12, 5, 7, tzinfo=UTC)


async def test_print_jobs_lists_every_job_with_its_next_run(runtime: Runtime) -> None:
    out = io.StringIO()
    now = datetime(2026, 5, 12, 4, 58, 30, tzinfo=UTC)
    await print_jobs(runtime.settings, out=out, now=now)
    text = out.getvalue()
    for name in JOBS:
        line = next(line for line in text.splitlines() if line.startswith(name + " "))
        assert "2026-05-12T0" in line
    assert "2026-05-12T05:00:00+00:00" in text
    assert "leadership: single process" in text


def test_sauda_scheduler_list_prints_the_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert main(["scheduler", "--list"]) == 0
    out = capsys.readouterr().out
    assert "next run (UTC)" in out
    for name in JOBS:
        assert f"\n{name} " in out


async def test_the_runner_schedules_every_job_and_stops_cleanly(runtime: Runtime) -> None:
    runner = JobRunner(runtime, leadership=RedisLeaderLock(runtime.kv, ttl_seconds=30))
    await runner.start()
    try:
        jobs = {job.id: job for job in runner.scheduler.get_jobs()}
        assert set(jobs) == set(JOBS) | {HEARTBEAT_JOB}
        for name in JOBS:
            assert jobs[name].args == (name,)
            assert jobs[name].next_run_time > datetime.now(UTC)
        assert await runtime.kv.get(LEADER_KEY) == runner.leadership.value
    finally:
        await runner.stop()
    assert not runner.scheduler.running
    assert not await runtime.kv.exists(LEADER_KEY)


async def test_start_scheduler_returns_its_cleanup(runtime: Runtime) -> None:
    cleanup = await start_scheduler(runtime)
    runner = runtime.extras["scheduler"]
    assert runner.scheduler.running
    assert runner.leadership.is_leader  # no REDIS_URL: the one process leads
    await cleanup()
    assert not runner.scheduler.running


async def test_unanswered_bouquets_are_released_every_minute(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await make_shop()
    order = await place_order(shop_id=shop.id, flower_sum=10000)
    await Order.filter(id=order.id).update(
        approval_status=ApprovalStatus.PENDING,
        approval_requested_at=clock.now() - timedelta(minutes=31),
    )
    runner = JobRunner(runtime)
    assert await runner.run_job("approval_auto_release") == [order.id]
    assert await runner.run_job("approval_auto_release") == []
    assert (await Order.get(id=order.id)).approval_status is ApprovalStatus.AUTO_APPROVED
