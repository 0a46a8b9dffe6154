"""Delivery watch: before a window opens and after it ends, on the shop's clock."""

from __future__ import annotations

from datetime import timedelta

from core.actors import SYSTEM
from core.clock import FrozenClock
from core.jobs.delivery_watch import COURIER_SOON, MANAGER_OVERDUE, STAFF_NOT_ASSEMBLED
from core.models import DeliveryMethod, Order, OrderStatus, Role, User
from core.orders.service import change_status, place_order
from core.runtime import Runtime
from tests.factories import make_member
from tests.scheduler.helpers import chat_rows, runner_for, shop_in, utc

WINDOW_START = utc(2026, 5, 12, 9, 0)  # 14:00 in Almaty and Tashkent
WINDOW_END = utc(2026, 5, 12, 11, 0)


async def member_with_chat(shop, role: Role, chat_id: int, language: str = "ru") -> User:
    user = await make_member(shop, role)
    user.telegram_chat_id = chat_id
    user.language = language
    await user.save()
    return user


async def an_order(shop, **extra) -> Order:
    values = {
        "shop_id": shop.id,
        "flower_sum": 20000,
        "recipient_name": "Айгуль",
        "recipient_phone": "+77017654321",
        "address": "ул. Сатпаева 22",
        "delivery_from": WINDOW_START,
        "delivery_to": WINDOW_END,
    }
    values.update(extra)
    return await place_order(**values)


async def advance_to(order: Order, *statuses: OrderStatus) -> None:
    for status in statuses:
        await change_status(shop_id=order.shop_id, order_id=order.id, to=status, actor=SYSTEM)


async def test_an_unassembled_order_alerts_the_staff_chat_an_hour_before_its_window(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty", staff_chat_id=-1001)
    late = await an_order(shop)
    ready = await an_order(shop)
    await advance_to(ready, OrderStatus.PAID, OrderStatus.ASSEMBLED)
    runner = runner_for(runtime)

    clock.set(WINDOW_START - timedelta(minutes=61))
    await runner.run_job("delivery_watch")
    assert await chat_rows("order_not_assembled") == []

    clock.set(WINDOW_START - timedelta(minutes=60))
    await runner.run_job("delivery_watch")
    await runner.run_job("delivery_watch")
    (row,) = await chat_rows("order_not_assembled")
    assert row.payload["chat_id"] == -1001
    assert row.payload["text"] == STAFF_NOT_ASSEMBLED
    assert row.payload["order_id"] == late.id
    assert row.payload["params"]["start"] == "14:00"
    assert row.payload["params"]["window"] == "14:00–16:00"
    assert row.payload["params"]["date"] == "12.05"


async def test_the_courier_is_reminded_half_an_hour_before_with_address_and_window(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Tashkent")
    courier = await member_with_chat(shop, Role.COURIER, 5550001, "uz")
    order = await an_order(shop, courier_id=courier.id)
    await an_order(shop, courier_id=courier.id, delivery_method=DeliveryMethod.PICKUP)
    runner = runner_for(runtime)

    clock.set(WINDOW_START - timedelta(minutes=31))
    await runner.run_job("delivery_watch")
    assert await chat_rows("courier_reminder") == []

    clock.set(WINDOW_START - timedelta(minutes=30))
    await runner.run_job("delivery_watch")
    clock.advance(minutes=10)
    await runner.run_job("delivery_watch")
    (row,) = await chat_rows("courier_reminder")
    assert row.payload["chat_id"] == 5550001
    assert row.payload["language"] == "uz"
    assert row.payload["text"] == COURIER_SOON
    assert row.payload["order_id"] == order.id
    params = row.payload["params"]
    assert params["address"] == "ул. Сатпаева 22"
    assert params["window"] == "14:00–16:00"
    assert params["recipient"] == "Айгуль"
    assert params["phone"] == "+77017654321"


async def test_a_passed_window_without_delivery_alerts_the_manager_once(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty", staff_chat_id=-1001)
    manager = await member_with_chat(shop, Role.MANAGER, 5550002, "en")
    undelivered = await an_order(shop, manager_id=manager.id)
    delivered = await an_order(shop, manager_id=manager.id)
    await advance_to(
        delivered,
        OrderStatus.PAID,
        OrderStatus.ASSEMBLED,
        OrderStatus.IN_DELIVERY,
        OrderStatus.DELIVERED,
    )
    runner = runner_for(runtime)

    clock.set(WINDOW_END - timedelta(seconds=1))
    await runner.run_job("delivery_watch")
    assert await chat_rows("delivery_overdue") == []

    clock.set(WINDOW_END)
    await runner.run_job("delivery_watch")
    clock.advance(hours=2)
    await runner.run_job("delivery_watch")
    (row,) = await chat_rows("delivery_overdue")
    assert row.payload["chat_id"] == 5550002
    assert row.payload["language"] == "en"
    assert row.payload["text"] == MANAGER_OVERDUE
    assert row.payload["order_id"] == undelivered.id


async def test_without_a_manager_the_owners_hear_of_an_overdue_order(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty")
    await member_with_chat(shop, Role.OWNER, 5550003)
    await member_with_chat(shop, Role.OWNER, 5550004, "kk")
    await make_member(shop, Role.OWNER)  # no chat linked
    await an_order(shop)
    clock.set(WINDOW_END + timedelta(minutes=5))
    await runner_for(runtime).run_job("delivery_watch")
    rows = await chat_rows("delivery_overdue")
    assert [(r.payload["chat_id"], r.payload["language"]) for r in rows] == [
        (5550003, "ru"),
        (5550004, "kk"),
    ]


async def test_old_windows_and_moved_windows(runtime: Runtime, clock: FrozenClock) -> None:
    shop = await shop_in("Asia/Almaty", staff_chat_id=-1001)
    await an_order(shop, delivery_from=WINDOW_START - timedelta(days=5), delivery_to=None)
    order = await an_order(shop)
    clock.set(WINDOW_START - timedelta(minutes=45))
    await runner_for(runtime).run_job("delivery_watch")
    assert len(await chat_rows("order_not_assembled")) == 1
    assert await chat_rows("delivery_overdue") == []  # five days old: left alone

    # The window moves to tomorrow: it is watched again.
    order.delivery_from = WINDOW_START + timedelta(days=1)
    order.delivery_to = WINDOW_END + timedelta(days=1)
    await order.save()
    clock.advance(days=1)
    await runner_for(runtime).run_job("delivery_watch")
    assert len(await chat_rows("order_not_assembled")) == 2
