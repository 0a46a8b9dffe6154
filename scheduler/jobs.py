"""The scheduler's jobs, as data: a name, a trigger, and an async function of the
runtime. Each job reads the moment from `runtime.clock`, scans the database, and
calls core functions with plain ids; everything it must do once is recorded in the
database (core.jobs.once), so running it twice, or on two instances at once, does no
harm (STYLE.md, habit 5).

Triggers are in UTC; the jobs compare against each shop's own clock (Asia/Almaty,
Asia/Tashkent), so one scan serves shops whose days start at different moments.

This module is also a plugin of sauda.wiring (PLUGINS); it needs neither event
subscribers nor an outbox topic of its own: what jobs send goes out as `telegram`
rows, delivered by the bot's deliverer.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from core import idempotency, reminders
from core.jobs import delivery_watch, housekeeping, stock_snapshots
from core.models import Shop
from core.runtime import Runtime

log = logging.getLogger(__name__)

JobFunction = Callable[[Runtime], Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunction
    trigger: BaseTrigger
    description: str


JOBS: dict[str, Job] = {}


def job(name: str, trigger: BaseTrigger, description: str) -> Callable[[JobFunction], JobFunction]:
    def register(function: JobFunction) -> JobFunction:
        if name in JOBS:
            raise ValueError(f"job {name!r} is registered twice")
        JOBS[name] = Job(name=name, run=function, trigger=trigger, description=description)
        return function

    return register


def every(minutes: int) -> CronTrigger:
    return CronTrigger(minute=f"*/{minutes}" if minutes > 1 else "*", timezone="UTC")


async def active_shop_ids() -> list[int]:
    ids: list[int] = await Shop.filter(is_active=True).order_by("id").values_list("id", flat=True)  # type: ignore[assignment]
    return ids


async def for_each_shop(
    name: str, now: datetime, work: Callable[..., Awaitable[Any]]
) -> dict[int, Any]:
    """Run `work(shop_id=..., now=...)` for every active shop; one shop's failure is
    logged and does not stop the others."""
    results: dict[int, Any] = {}
    for shop_id in await active_shop_ids():
        try:
            results[shop_id] = await work(shop_id=shop_id, now=now)
        except Exception:
            log.exception("job %s failed for shop %s", name, shop_id)
    return results


@job(
    "important_dates",
    every(15),
    "customer reminders at 10:00 shop time, reminder_days before each important date",
)
async def important_dates(runtime: Runtime) -> dict[int, Any]:
    return await for_each_shop(
        "important_dates", runtime.clock.now(), reminders.send_date_reminders
    )


@job("dates_digest", every(15), "staff chat digest of the next 7 days' dates, from 09:00")
async def dates_digest(runtime: Runtime) -> dict[int, Any]:
    return await for_each_shop("dates_digest", runtime.clock.now(), reminders.send_dates_digest)


@job(
    "delivery_watch",
    every(1),
    "not assembled 60 min before a window, courier 30 min before, overdue after it",
)
async def delivery_watch_job(runtime: Runtime) -> dict[int, Any]:
    return await for_each_shop(
        "delivery_watch", runtime.clock.now(), delivery_watch.watch_deliveries
    )


@job("stock_snapshots", every(15), "daily stock snapshot per item after midnight shop time")
async def stock_snapshot_job(runtime: Runtime) -> dict[int, Any]:
    return await for_each_shop(
        "stock_snapshots", runtime.clock.now(), stock_snapshots.take_stock_snapshots
    )


@job("low_stock_digest", every(15), "staff chat digest of low stock, from 08:00 shop time")
async def low_stock_digest(runtime: Runtime) -> dict[int, Any]:
    return await for_each_shop(
        "low_stock_digest", runtime.clock.now(), stock_snapshots.send_low_stock_digest
    )


@job(
    "housekeeping",
    CronTrigger(minute=7, timezone="UTC"),
    "expired codes and locks, stale conversations, old outbox rows, updates and idempotency keys, dead rows reported",
)
async def housekeeping_job(runtime: Runtime) -> dict[str, int]:
    now = runtime.clock.now()
    result = {
        "codes": await housekeeping.clear_expired_codes(runtime.kv, now=now),
        "conversations": await housekeeping.expire_stale_conversations(runtime.kv),
        "outbox_pruned": await housekeeping.prune_delivered_outbox(now=now),
        "updates_pruned": await housekeeping.prune_handled_updates(now=now),
        "idempotency_pruned": await idempotency.prune(now=now),
        "dead_reported": 0,
    }
    for shop_id in await housekeeping.shops_with_dead_outbox():
        try:
            result["dead_reported"] += await housekeeping.report_dead_outbox(
                shop_id=shop_id, now=now
            )
        except Exception:
            log.exception("reporting dead outbox rows of shop %s failed", shop_id)
    return result


# Bouquet approval (core.approval) releases unanswered bouquets; scheduled when present.
if importlib.util.find_spec("core.approval") is not None:

    @job("approval_auto_release", every(1), "release bouquets nobody approved in time")
    async def approval_auto_release(runtime: Runtime) -> list[int]:
        from core.approval import auto_approve_due

        return await auto_approve_due(runtime.clock.now())
