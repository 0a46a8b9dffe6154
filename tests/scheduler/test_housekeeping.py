"""Housekeeping: expired codes and locks, stale conversations, old and dead outbox rows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FrozenClock
from core.errors import Locked, Unauthorized
from core.jobs.housekeeping import DEAD_OUTBOX_REPORT, DEAD_REPORT_TYPE, FSM_MAX_AGE
from core.models import OutboxEvent, OutboxStatus, TelegramUpdate
from core.outbox import enqueue
from core.runtime import Runtime
from tests.scheduler.helpers import chat_rows, runner_for, shop_in

PHONE = "+77011112233"
OTHER = "+77014445566"


async def test_expired_codes_locks_and_counters_are_cleared(
    runtime: Runtime, clock: FrozenClock
) -> None:
    kv = runtime.kv
    await runtime.otp.request_code(PHONE)
    await runtime.otp.request_code(OTHER)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await runtime.otp.verify_code(OTHER, "wrong")
    with pytest.raises(Locked):
        await runtime.otp.verify_code(OTHER, "wrong")
    assert await kv.exists(f"otp:lock:{OTHER}")
    clock.advance(minutes=6)  # PHONE's code has expired, OTHER is still locked
    fresh = "+77017778899"
    await runtime.otp.request_code(fresh)

    result = await runner_for(runtime).run_job("housekeeping")
    assert result["codes"] == 1  # PHONE's code (request counters: core.ratelimit, TTL)
    assert not await kv.exists(f"otp:code:{PHONE}")
    assert await kv.exists(f"otp:code:{fresh}")
    assert await kv.exists(f"otp:lock:{OTHER}")

    clock.advance(minutes=15)
    await runner_for(runtime).run_job("housekeeping")
    assert not await kv.exists(f"otp:lock:{OTHER}")
    assert not await kv.exists(f"otp:code:{fresh}")
    assert [key async for key in kv.scan_iter(match="otp:*")] == []


async def test_conversation_states_left_alone_get_an_expiry(runtime: Runtime) -> None:
    kv = runtime.kv
    await kv.set("sauda:fsm:123:42:42:state", "CheckoutStates:address")
    await kv.set("sauda:fsm:123:42:42:data", "{}")
    await kv.set("sauda:fsm:123:43:43:state", "CheckoutStates:phone", ex=600)
    await kv.set("unrelated", "stays")
    result = await runner_for(runtime).run_job("housekeeping")
    assert result["conversations"] == 2
    ttl = await kv.ttl("sauda:fsm:123:42:42:state")
    assert FSM_MAX_AGE.total_seconds() - 60 < ttl <= FSM_MAX_AGE.total_seconds()
    assert await kv.ttl("sauda:fsm:123:43:43:state") <= 600
    assert await kv.ttl("unrelated") == -1


async def test_outbox_rows_delivered_a_month_ago_are_pruned(
    runtime: Runtime, clock: FrozenClock
) -> None:
    now = clock.now()
    old = await enqueue(topic="telegram", event_type="x", payload={}, now=now)
    recent = await enqueue(topic="telegram", event_type="x", payload={}, now=now)
    pending = await enqueue(topic="telegram", event_type="x", payload={}, now=now)
    await OutboxEvent.filter(id=old.id).update(
        status=OutboxStatus.DELIVERED, delivered_at=now - timedelta(days=31)
    )
    await OutboxEvent.filter(id=recent.id).update(
        status=OutboxStatus.DELIVERED, delivered_at=now - timedelta(days=29)
    )
    result = await runner_for(runtime).run_job("housekeeping")
    assert result["outbox_pruned"] == 1
    assert {r.id for r in await OutboxEvent.all()} == {recent.id, pending.id}


async def test_telegram_updates_handled_a_week_ago_are_pruned(
    runtime: Runtime, clock: FrozenClock
) -> None:
    now = clock.now()
    old = await TelegramUpdate.create(update_id=1, processed_at=now - timedelta(days=8))
    recent = await TelegramUpdate.create(update_id=2, processed_at=now - timedelta(days=6))
    unhandled = await TelegramUpdate.create(update_id=3)
    await TelegramUpdate.filter(id=unhandled.id).update(created_at=now - timedelta(days=30))
    result = await runner_for(runtime).run_job("housekeeping")
    assert result["updates_pruned"] == 1
    assert {u.id for u in await TelegramUpdate.all()} == {recent.id, unhandled.id}
    assert old.id not in {u.id for u in await TelegramUpdate.all()}


async def dead_row(shop_id: int | None, event_type: str = "order.status_changed") -> OutboxEvent:
    row = await enqueue(
        topic="webhook",
        event_type=event_type,
        payload={},
        shop_id=shop_id,
        destination="https://example.test/hook",
    )
    await OutboxEvent.filter(id=row.id).update(
        status=OutboxStatus.DEAD, attempts=25, last_error="HTTP 500: upstream down\ntrace"
    )
    return row


async def test_dead_outbox_rows_are_reported_to_the_staff_chat_once(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty", staff_chat_id=-3003, locale="en")
    quiet = await shop_in("Asia/Tashkent")  # no staff chat: logged only
    await dead_row(shop.id)
    await dead_row(shop.id, "payment.received")
    await dead_row(quiet.id)
    await dead_row(None)
    runner = runner_for(runtime)

    first = await runner.run_job("housekeeping")
    second = await runner.run_job("housekeeping")
    assert first["dead_reported"] == 4
    assert second["dead_reported"] == 0
    (report,) = await chat_rows(DEAD_REPORT_TYPE)
    assert report.payload["chat_id"] == -3003
    assert report.payload["text"] == DEAD_OUTBOX_REPORT
    assert report.payload["params"]["count"] == 2
    assert report.payload["params"]["lines"].splitlines() == [
        "• webhook/order.status_changed → https://example.test/hook: HTTP 500: upstream down",
        "• webhook/payment.received → https://example.test/hook: HTTP 500: upstream down",
    ]
    assert await OutboxEvent.filter(status=OutboxStatus.DEAD, reported_at=None).count() == 0

    # The report itself cannot be delivered: it is not reported again (no loop).
    await OutboxEvent.filter(id=report.id).update(status=OutboxStatus.DEAD)
    assert (await runner.run_job("housekeeping"))["dead_reported"] == 0
    assert len(await chat_rows(DEAD_REPORT_TYPE)) == 1
