"""From a job run to Bot API calls: the jobs write outbox rows, the process's outbox
worker (sauda.wiring.build_outbox_worker, with the bot's deliverer) sends them through
the real aiogram Bot to the fake Telegram server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest

from bot.i18n import render
from core.clock import FrozenClock
from core.jobs.delivery_watch import COURIER_SOON
from core.models import DateType, ImportantDate, OutboxEvent, OutboxStatus, Product, Role
from core.orders.service import ItemRequest, place_order
from core.reminders import DATES_DIGEST, REMINDER_NAMED, REORDER_BUTTON
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.factories import make_member
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram
from tests.scheduler.helpers import chat_id_of, customer_of, runner_for, shop_in, utc


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings_overrides(telegram: FakeTelegram) -> dict[str, Any]:
    return {"telegram_bot_token": DEFAULT_TOKEN, "telegram_api_base": telegram.base_url}


@pytest.fixture
async def delivered(runtime: Runtime, clock: FrozenClock) -> AsyncIterator[Any]:
    """Drains the outbox through the bot's deliverer; closes the bot's session after."""

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    runtime.extras["sleep"] = sleep
    worker = build_outbox_worker(runtime)
    yield worker.drain
    bot = runtime.extras.get("telegram_bot")
    if bot is not None:
        await bot.session.close()


async def test_reminders_digest_and_courier_alerts_reach_telegram_once(
    runtime: Runtime, clock: FrozenClock, telegram: FakeTelegram, delivered: Any
) -> None:
    almaty = await shop_in("Asia/Almaty", staff_chat_id=-100777)
    tashkent = await shop_in("Asia/Tashkent")
    maria = await customer_of(almaty, name="Мария", language="ru")
    dilnoza = await customer_of(tashkent, name="Dilnoza", language="uz")
    roses = await Product.create(shop=almaty, name="Розы", price=25000)
    last = await place_order(
        shop_id=almaty.id,
        customer_id=maria.id,
        recipient_name="Айгуль",
        items=[ItemRequest(roses.id, 3)],
    )
    for customer, who in ((maria, "Айгуль"), (dilnoza, "Nodira")):
        await ImportantDate.create(
            shop_id=customer.shop_id,
            customer=customer,
            date_type=DateType.BIRTHDAY,
            date=date(1990, 5, 15),
            recipient_name=who,
        )
    courier = await make_member(tashkent, Role.COURIER)
    courier.telegram_chat_id = 990001
    await courier.save()
    window = utc(2026, 5, 12, 5, 30)
    await place_order(
        shop_id=tashkent.id,
        flower_sum=10000,
        address="Amir Temur 1",
        recipient_name="Nodira",
        delivery_from=window,
        delivery_to=window + timedelta(hours=2),
        courier_id=courier.id,
    )

    clock.set(utc(2026, 5, 12, 5, 0))  # 10:00 in both shops; 30 min before the window
    runner = runner_for(runtime)
    for name in ("important_dates", "dates_digest", "delivery_watch"):
        await runner.run_job(name)
    assert await delivered() == 4
    for name in ("important_dates", "dates_digest", "delivery_watch"):
        await runner.run_job(name)  # a second run sends nothing more
    assert await delivered() == 0
    mine = OutboxEvent.filter(event_type__in=["date_reminder", "dates_digest", "courier_reminder"])
    assert await mine.count() == 4
    assert await mine.exclude(status=OutboxStatus.DELIVERED).count() == 0

    to_maria = telegram.calls_of("sendMessage")
    by_chat = {call.chat_id: call for call in to_maria}
    assert len(to_maria) == 4
    reminder = by_chat[await chat_id_of(maria)]
    params = {"who": "Айгуль", "date": "15.05"}
    assert reminder.text == render(REMINDER_NAMED[DateType.BIRTHDAY], "ru", params)
    # Rendered from the Russian catalogue, not the English msgid.
    assert reminder.text != REMINDER_NAMED[DateType.BIRTHDAY].format(**params)
    assert "Айгуль" in reminder.text and "15.05" in reminder.text
    assert [(b["text"], b["callback_data"]) for b in reminder.buttons()] == [
        (render(REORDER_BUTTON, "ru"), f"reorder:{last.id}")
    ]
    assert by_chat[await chat_id_of(dilnoza)].text == render(
        REMINDER_NAMED[DateType.BIRTHDAY], "uz", {"who": "Nodira", "date": "15.05"}
    )
    assert by_chat[await chat_id_of(dilnoza)].buttons() == []  # no earlier order
    digest = by_chat[-100777]
    assert digest.text.startswith(render(DATES_DIGEST, "ru", {"days": 7, "lines": ""}))
    assert f"15.05 🎂 Айгуль ← Мария, {maria.phone}" in digest.text
    courier_call = by_chat[990001]
    assert "Amir Temur 1" in courier_call.text
    assert "10:30–12:30" in courier_call.text
    assert courier_call.text == render(
        COURIER_SOON,
        "ru",
        {
            "number": 1,
            "date": "12.05",
            "window": "10:30–12:30",
            "address": "Amir Temur 1",
            "recipient": "Nodira",
            "phone": "",
        },
    )
