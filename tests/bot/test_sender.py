"""The one sender: Telegram's limits kept (per chat, per group, overall) and a 429 waited
out, losing and repeating nothing; outbox rows of topic telegram go out through it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from bot.app import create_bot
from core.channels.telegram_out import send_chat_message
from core.clock import FrozenClock
from core.models import OutboxEvent, OutboxStatus
from core.runtime import Runtime
from tests.bot.conftest import deliver_outbox, virtual_sleep
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
async def bot(runtime: Runtime, clock: FrozenClock, slept: list[float]) -> AsyncIterator[Bot]:
    runtime.extras["sleep"] = virtual_sleep(clock, slept)
    bot = create_bot(runtime)
    runtime.extras["telegram_bot"] = bot
    yield bot
    await bot.session.close()


async def test_a_429_is_waited_out_and_the_message_sent_once(
    bot: Bot, telegram: FakeTelegram, slept: list[float]
) -> None:
    telegram.fail("sendMessage", retry_after=7)
    message = await bot.send_message(chat_id=42, text="Hello")
    attempts = telegram.calls_of("sendMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert 7 in slept
    assert telegram.texts(42) == ["Hello"]
    assert message.message_id == attempts[-1].result["message_id"]


async def test_messages_to_one_chat_go_about_a_second_apart(
    bot: Bot, telegram: FakeTelegram, clock: FrozenClock, slept: list[float]
) -> None:
    start = clock.now()
    for n in range(3):
        await bot.send_message(chat_id=42, text=f"m{n}")
    assert telegram.texts(42) == ["m0", "m1", "m2"]
    assert (clock.now() - start).total_seconds() >= 2
    assert len(slept) == 2


async def test_other_chats_do_not_wait_for_each_other(
    bot: Bot, telegram: FakeTelegram, clock: FrozenClock, slept: list[float]
) -> None:
    clock.set(clock.now().replace(microsecond=0))
    for chat_id in range(100, 110):
        await bot.send_message(chat_id=chat_id, text="hi")
    assert slept == []


async def test_a_group_gets_at_most_twenty_messages_a_minute(
    bot: Bot, telegram: FakeTelegram, clock: FrozenClock, slept: list[float]
) -> None:
    start = clock.now()
    for n in range(21):
        await bot.send_message(chat_id=-100500, text=f"card {n}")
    assert len(telegram.texts(-100500)) == 21
    waited = (clock.now() - start).total_seconds()
    assert 0 < waited <= 60
    assert len([s for s in slept if s > 1]) == 1


async def test_at_most_thirty_messages_a_second_overall(
    bot: Bot, telegram: FakeTelegram, clock: FrozenClock, slept: list[float]
) -> None:
    clock.set(clock.now().replace(microsecond=0))
    for chat_id in range(1, 32):
        await bot.send_message(chat_id=chat_id, text="news")
    assert len(telegram.sent()) == 31
    assert len(slept) == 1


async def test_outbox_chat_messages_are_delivered_through_the_sender_once(
    bot: Bot, runtime: Runtime, telegram: FakeTelegram, slept: list[float], clock: FrozenClock
) -> None:
    await send_chat_message(
        chat_id=42,
        text="Your Sauda login code: {code}\nIt is valid for 5 minutes. Do not share it with anyone.",
        params={"code": "123456"},
        language="en",
    )
    telegram.fail("sendMessage", retry_after=3)
    assert await deliver_outbox(runtime, clock) == 1
    assert telegram.texts(42) == [
        "Your Sauda login code: 123456\nIt is valid for 5 minutes. Do not share it with anyone."
    ]
    assert 3 in slept
    row = await OutboxEvent.get()
    assert row.status == OutboxStatus.DELIVERED
    assert await deliver_outbox(runtime, clock) == 0
    assert len(telegram.sent(42)) == 1


async def test_a_chat_that_blocked_the_bot_is_not_retried(
    bot: Bot, runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock
) -> None:
    await send_chat_message(chat_id=77, text="Thank you!", language="en")
    telegram.fail(
        "sendMessage", error_code=403, description="Forbidden: bot was blocked by the user"
    )
    await deliver_outbox(runtime, clock)
    row = await OutboxEvent.get()
    assert row.status == OutboxStatus.DEAD
    assert "blocked" in (row.last_error or "")


async def test_payload_buttons_and_photo_are_rendered(
    bot: Bot, runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock
) -> None:
    await send_chat_message(
        chat_id=42,
        text="Your order #{number} has been delivered. Thank you!",
        params={"number": 7},
        language="en",
        photo="AgACfile-id-of-the-photo",
        buttons=[[{"text": "Approve", "data": "approve:7"}]],
    )
    await deliver_outbox(runtime, clock)
    call = telegram.calls_of("sendPhoto")[-1]
    assert call.params["photo"] == "AgACfile-id-of-the-photo"
    assert call.params["caption"] == "Your order #7 has been delivered. Thank you!"
    assert call.buttons()[0]["callback_data"] == "approve:7"


@pytest.mark.parametrize("second", [0, 30, 59])
async def test_no_minute_edge_lets_a_group_get_more_than_twenty_a_minute(
    bot: Bot, telegram: FakeTelegram, clock: FrozenClock, slept: list[float], second: int
) -> None:
    # Twenty cards at :59 and twenty more at :00 would be 40 within two seconds.
    clock.set(clock.now().replace(second=second, microsecond=0))
    start = clock.now()
    for n in range(40):
        await bot.send_message(chat_id=-100500, text=f"card {n}")
    assert len(telegram.texts(-100500)) == 40
    assert (clock.now() - start).total_seconds() == 60
    assert [round(s) for s in slept if s > 0.5] == [60]
