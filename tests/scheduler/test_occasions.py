"""Occasion memory: an occasion remembered at checkout becomes a reminded date."""

from __future__ import annotations

from datetime import date

import pytest

from core.clock import FrozenClock
from core.errors import NotFound, ValidationFailed
from core.models import DateType, ImportantDate
from core.occasions import remember_occasion
from core.runtime import Runtime
from tests.scheduler.helpers import chat_rows, customer_of, runner_for, shop_in, utc


async def test_a_remembered_occasion_uses_the_shops_reminder_offset(
    runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Tashkent", settings={"reminder_days": 5})
    customer = await customer_of(shop)
    important = await remember_occasion(
        shop_id=shop.id,
        customer_id=customer.id,
        date_type="anniversary",
        date=date(2015, 9, 12),
        recipient_name=" Нодира ",
    )
    assert important.reminder_days == 5
    assert important.date_type is DateType.ANNIVERSARY
    assert important.recipient_name == "Нодира"

    clock.set(utc(2026, 9, 7, 5, 0))  # 10:00 in Tashkent, five days before
    await runner_for(runtime).run_job("important_dates")
    (row,) = await chat_rows("date_reminder")
    assert row.payload["message"]["params"] == {"who": "Нодира", "date": "12.09"}


async def test_remembering_the_same_occasion_twice_keeps_one_date(runtime: Runtime) -> None:
    shop = await shop_in("Asia/Almaty")
    customer = await customer_of(shop)
    values = {
        "shop_id": shop.id,
        "customer_id": customer.id,
        "date_type": DateType.BIRTHDAY,
        "recipient_name": "Айгуль",
    }
    first = await remember_occasion(date=date(1990, 5, 15), **values)
    again = await remember_occasion(date=date(2026, 5, 15), **values)
    other = await remember_occasion(date=date(1990, 5, 15), **{**values, "recipient_name": None})
    assert again.id == first.id
    assert other.id != first.id
    assert first.reminder_days == 3  # the default offset
    assert await ImportantDate.filter(customer_id=customer.id).count() == 2


async def test_another_shops_customer_or_an_unknown_kind_is_refused(runtime: Runtime) -> None:
    mine, theirs = await shop_in("Asia/Almaty"), await shop_in("Asia/Tashkent")
    stranger = await customer_of(theirs)
    with pytest.raises(NotFound):
        await remember_occasion(
            shop_id=mine.id, customer_id=stranger.id, date_type="birthday", date=date(1990, 1, 1)
        )
    with pytest.raises(ValidationFailed):
        await remember_occasion(
            shop_id=theirs.id, customer_id=stranger.id, date_type="wedding", date=date(1990, 1, 1)
        )
    assert await ImportantDate.all().count() == 0
