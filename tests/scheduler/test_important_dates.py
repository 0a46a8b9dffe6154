"""Important-date reminders and the staff's digest, driven by a frozen clock.

January 2024 is used where the two timezones must differ: Asia/Almaty was UTC+6
until March 2024, Asia/Tashkent is UTC+5, so 10:00 comes an hour apart.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from core.clock import FrozenClock
from core.leader import RedisLeaderLock
from core.models import DateType, ImportantDate, Notification, Product
from core.orders.service import ItemRequest, place_order
from core.reminders import (
    DATES_DIGEST,
    REMINDER_NAMED,
    REMINDER_UNNAMED,
    REORDER_BUTTON,
    send_date_reminders,
)
from core.runtime import Runtime
from tests.scheduler.helpers import (
    chat_id_of,
    chat_rows,
    customer_of,
    runner_for,
    shop_in,
    shown,
    utc,
)


async def remember(customer, day: date, *, days: int = 3, who: str | None = "Айгуль", kind=None):
    return await ImportantDate.create(
        shop_id=customer.shop_id,
        customer=customer,
        date_type=kind or DateType.BIRTHDAY,
        date=day,
        reminder_days=days,
        recipient_name=who,
    )


async def test_reminders_fire_at_ten_on_each_shops_own_clock(
    runtime: Runtime, clock: FrozenClock
) -> None:
    almaty = await shop_in("Asia/Almaty")
    tashkent = await shop_in("Asia/Tashkent")
    in_almaty = await customer_of(almaty, name="Мария")
    in_tashkent = await customer_of(tashkent, name="Dilnoza", language="uz")
    await remember(in_almaty, date(1990, 1, 20))
    await remember(in_tashkent, date(1985, 1, 20), who="Nodira")
    runner = runner_for(runtime)

    clock.set(utc(2024, 1, 16, 5, 0))  # a day early: 11:00 / 10:00 local on the 16th
    await runner.run_job("important_dates")
    assert await chat_rows("date_reminder") == []

    clock.set(utc(2024, 1, 17, 3, 59))  # 09:59 in Almaty
    await runner.run_job("important_dates")
    assert await chat_rows("date_reminder") == []

    clock.set(utc(2024, 1, 17, 4, 0))  # 10:00 in Almaty, 09:00 in Tashkent
    await runner.run_job("important_dates")
    rows = await chat_rows("date_reminder")
    assert [shown(r)["chat_id"] for r in rows] == [await chat_id_of(in_almaty)]
    assert shown(rows[0])["params"] == {"who": "Айгуль", "date": "20.01"}
    assert shown(rows[0])["text"] == REMINDER_NAMED[DateType.BIRTHDAY]
    assert shown(rows[0])["language"] == "ru"
    assert rows[0].next_attempt_at == clock.now()

    clock.set(utc(2024, 1, 17, 5, 0))  # 10:00 in Tashkent
    await runner.run_job("important_dates")
    rows = await chat_rows("date_reminder")
    assert [shown(r)["chat_id"] for r in rows] == [
        await chat_id_of(in_almaty),
        await chat_id_of(in_tashkent),
    ]
    assert shown(rows[1])["language"] == "uz"
    assert shown(rows[1])["params"]["who"] == "Nodira"


async def test_a_reminder_is_sent_once_per_date_and_year(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty")
    customer = await customer_of(shop)
    important = await remember(customer, date(1990, 5, 15), who=None)
    runner = runner_for(runtime)

    clock.set(utc(2026, 5, 12, 5, 0))  # 10:00 in Almaty (UTC+5 since 2024)
    await runner.run_job("important_dates")
    await runner.run_job("important_dates")
    clock.advance(hours=30)  # later runs until the date itself send nothing more
    await runner.run_job("important_dates")
    rows = await chat_rows("date_reminder")
    assert len(rows) == 1
    assert shown(rows[0])["text"] == REMINDER_UNNAMED[DateType.BIRTHDAY]
    record = await Notification.get(kind="date_reminder", ref=str(important.id))
    assert record.period == "2026"

    clock.set(utc(2027, 5, 12, 5, 0))  # next year's occurrence is reminded again
    await runner.run_job("important_dates")
    assert len(await chat_rows("date_reminder")) == 2


async def test_a_missed_reminder_is_caught_up_until_the_day_ends(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Tashkent")
    customer = await customer_of(shop)
    await remember(customer, date(2000, 3, 8), days=2)
    clock.set(utc(2026, 3, 8, 18, 59))  # 23:59 on the day itself in Tashkent
    assert await send_date_reminders(shop_id=shop.id, now=clock.now()) == 1

    late = await customer_of(shop, name="Late")
    await remember(late, date(2000, 3, 8), days=2)
    clock.set(utc(2026, 3, 8, 19, 0))  # the 9th has begun: too late for this year
    assert await send_date_reminders(shop_id=shop.id, now=clock.now()) == 0


async def test_reminders_wrap_around_the_new_year(runtime: Runtime, clock: FrozenClock) -> None:
    shop = await shop_in("Asia/Almaty")
    customer = await customer_of(shop)
    important = await remember(customer, date(1995, 1, 2), days=5)
    clock.set(utc(2026, 12, 28, 5, 0))  # 10:00 on 28 December, five days before
    assert await send_date_reminders(shop_id=shop.id, now=clock.now()) == 1
    record = await Notification.get(kind="date_reminder", ref=str(important.id))
    assert record.period == "2027"


async def test_customers_without_a_chat_are_not_messaged(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty")
    customer = await customer_of(shop, linked=False)
    await remember(customer, date(1990, 5, 15))
    clock.set(utc(2026, 5, 12, 5, 0))
    await runner_for(runtime).run_job("important_dates")
    assert await chat_rows() == []
    assert await Notification.all().count() == 0


async def test_the_reminder_offers_the_last_order_for_that_recipient(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty")
    customer = await customer_of(shop)
    roses = await Product.create(shop=shop, name="Розы", price=25000)
    tulips = await Product.create(shop=shop, name="Тюльпаны", price=9000)
    for_aigul = await place_order(
        shop_id=shop.id,
        customer_id=customer.id,
        recipient_name="Айгуль",
        items=[ItemRequest(roses.id, 1)],
    )
    await place_order(
        shop_id=shop.id,
        customer_id=customer.id,
        recipient_name="Коллега",
        items=[ItemRequest(tulips.id, 1)],
    )
    await remember(customer, date(1990, 5, 15), who="айгуль")
    clock.set(utc(2026, 5, 12, 5, 0))
    await runner_for(runtime).run_job("important_dates")
    (row,) = await chat_rows("date_reminder")
    assert shown(row)["buttons"] == [[{"text": REORDER_BUTTON, "data": f"reorder:{for_aigul.id}"}]]


async def test_two_schedulers_at_once_send_each_reminder_once(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """Both instances think they lead (no lock): the database still lets one through."""
    shops = [await shop_in("Asia/Almaty"), await shop_in("Asia/Tashkent")]
    for shop in shops:
        for n in range(3):
            await remember(await customer_of(shop, name=f"c{n}"), date(1990, 5, 15))
    clock.set(utc(2026, 5, 12, 6, 0))
    first, second = runner_for(runtime), runner_for(runtime)
    await asyncio.gather(
        first.run_job("important_dates"),
        second.run_job("important_dates"),
        first.run_job("important_dates"),
    )
    rows = await chat_rows("date_reminder")
    assert len(rows) == 6
    assert len({shown(r)["chat_id"] for r in rows}) == 6
    assert await Notification.filter(kind="date_reminder").count() == 6


async def test_with_a_leader_lock_only_the_leader_runs(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty")
    await remember(await customer_of(shop), date(1990, 5, 15))
    clock.set(utc(2026, 5, 12, 6, 0))
    leader = runner_for(runtime, leadership=RedisLeaderLock(runtime.kv, ttl_seconds=30))
    standby = runner_for(runtime, leadership=RedisLeaderLock(runtime.kv, ttl_seconds=30))
    await leader.leadership.hold()
    results = await asyncio.gather(
        standby.run_job("important_dates"), leader.run_job("important_dates")
    )
    assert results[0] is None
    assert results[1] == {shop.id: 1}
    assert len(await chat_rows("date_reminder")) == 1
    await leader.stop()
    await standby.stop()


async def test_staff_get_a_morning_digest_of_the_weeks_dates(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty", staff_chat_id=-100500, locale="kk")
    maria = await customer_of(shop, name="Мария")
    unlinked = await customer_of(shop, name="Асель", linked=False)
    await remember(maria, date(1990, 5, 15), who="Айгуль")
    await remember(unlinked, date(2010, 5, 20), who=None, kind=DateType.ANNIVERSARY)
    await remember(maria, date(1990, 6, 30), who="Далеко")  # beyond seven days
    runner = runner_for(runtime)

    clock.set(utc(2026, 5, 14, 3, 59))  # 08:59 in Almaty: not yet
    await runner.run_job("dates_digest")
    assert await chat_rows("dates_digest") == []

    clock.set(utc(2026, 5, 14, 4, 0))  # 09:00
    await runner.run_job("dates_digest")
    await runner.run_job("dates_digest")
    (row,) = await chat_rows("dates_digest")
    assert shown(row)["chat_id"] == -100500
    assert shown(row)["text"] == DATES_DIGEST
    assert shown(row)["language"] == "kk"
    lines = shown(row)["params"]["lines"].splitlines()
    assert lines == [
        f"15.05 🎂 Айгуль ← Мария, {maria.phone}",
        f"20.05 💍 — ← Асель, {unlinked.phone}",
    ]

    clock.advance(days=1)  # the next morning: a new digest
    await runner.run_job("dates_digest")
    assert len(await chat_rows("dates_digest")) == 2


@pytest.mark.parametrize("kind", list(DateType))
async def test_every_kind_of_date_has_its_text(kind: DateType) -> None:
    assert "{who}" in REMINDER_NAMED[kind]
    assert "{date}" in REMINDER_UNNAMED[kind]
