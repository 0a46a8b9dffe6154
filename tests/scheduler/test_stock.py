"""Stock each morning: snapshots per item and local day, the low-stock digest."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

from core.clock import FrozenClock
from core.jobs.stock_snapshots import LOW_STOCK_DIGEST
from core.models import StockSnapshot
from core.runtime import Runtime
from tests.factories import make_stock_item
from tests.scheduler.helpers import chat_rows, runner_for, shop_in, utc


async def test_each_shop_snapshots_its_own_day(runtime: Runtime, clock: FrozenClock) -> None:
    """At 18:30 UTC on 15 Jan 2024 Almaty (UTC+6) is in the 16th, Tashkent still in the 15th."""
    almaty = await shop_in("Asia/Almaty")
    tashkent = await shop_in("Asia/Tashkent")
    rose = await make_stock_item(almaty, "Роза", quantity=40, min_quantity=10)
    tulip = await make_stock_item(tashkent, "Лола", quantity=7)
    runner = runner_for(runtime)

    clock.set(utc(2024, 1, 15, 18, 30))
    await runner.run_job("stock_snapshots")
    snapshots = {s.stock_item_id: s for s in await StockSnapshot.all()}
    assert snapshots[rose.id].day == date(2024, 1, 16)
    assert snapshots[rose.id].quantity == Decimal(40)
    assert snapshots[rose.id].min_quantity == Decimal(10)
    assert snapshots[tulip.id].day == date(2024, 1, 15)

    clock.set(utc(2024, 1, 15, 19, 0))  # Tashkent's 16th begins
    await runner.run_job("stock_snapshots")
    await runner.run_job("stock_snapshots")
    days = sorted(
        (s.stock_item_id, s.day) for s in await StockSnapshot.all() if s.stock_item_id == tulip.id
    )
    assert days == [(tulip.id, date(2024, 1, 15)), (tulip.id, date(2024, 1, 16))]
    assert await StockSnapshot.filter(stock_item_id=rose.id).count() == 1


async def test_concurrent_snapshot_runs_store_one_per_item_and_day(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty")
    for n in range(5):
        await make_stock_item(shop, f"item {n}", quantity=n)
    clock.set(utc(2026, 5, 12, 3, 0))
    runners = [runner_for(runtime) for _ in range(3)]
    await asyncio.gather(*(r.run_job("stock_snapshots") for r in runners))
    assert await StockSnapshot.all().count() == 5


async def test_low_stock_digest_goes_to_the_staff_chat_once_a_morning(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty", staff_chat_id=-2002)
    await make_stock_item(shop, "Роза", quantity=3, min_quantity=10, variety="Freedom")
    await make_stock_item(shop, "Эвкалипт", quantity=20, min_quantity=5)
    await make_stock_item(shop, "Лента", quantity=0, min_quantity=1, unit="m")
    runner = runner_for(runtime)

    clock.set(utc(2026, 5, 12, 2, 59))  # 07:59 local
    await runner.run_job("low_stock_digest")
    assert await chat_rows("low_stock_digest") == []

    clock.set(utc(2026, 5, 12, 3, 0))  # 08:00
    await runner.run_job("low_stock_digest")
    await runner.run_job("low_stock_digest")
    (row,) = await chat_rows("low_stock_digest")
    assert row.payload["text"] == LOW_STOCK_DIGEST
    assert row.payload["chat_id"] == -2002
    assert row.payload["params"]["lines"].splitlines() == [
        "• Лента: 0 / 1 m",
        "• Роза Freedom: 3 / 10 pcs",
    ]
