"""Occasion memory at checkout: after the card text the bot offers to remember the
occasion (birthday, anniversary, no thanks), asks its date, and on confirm the order
and the recipient's important date are written together; on both stacks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.clock import FrozenClock
from core.models import Customer, DateType, ImportantDate, Order, Shop
from tests.bot.conftest import BotHarness
from tests.factories import make_product, make_shop
from tests.fakes.telegram import FakeTelegram, TelegramUser

ALMATY = ZoneInfo("Asia/Almaty")
OCCASION_QUESTION = "Is it a special occasion?"
BIRTHDAY_QUESTION = "When is the birthday? Send the date like 25.12 or 25.12.1990."
ANNIVERSARY_QUESTION = "When is the anniversary? Send the date like 25.12 or 25.12.2015."


@pytest.fixture
def morning(clock: FrozenClock) -> datetime:
    """08:00 in Almaty on 10 March 2026: every window of the day is open."""
    moment = datetime(2026, 3, 10, 8, 0, tzinfo=ALMATY).astimezone(UTC)
    clock.set(moment)
    return moment


@pytest.fixture
async def shop(morning: datetime) -> Shop:
    shop = await make_shop("Flowers of Almaty", slug="flowers")
    shop.settings = {"slots": ["09:00-12:00", "15:00-18:00"], "reminder_days": 5}
    await shop.save()
    await make_product(shop, "Red roses", price=25000)
    return shop


async def until_card(harness: BotHarness) -> TelegramUser:
    """A customer with roses in the cart, at the card question of a pickup checkout
    for Asel."""
    user = harness.user(first_name="Aru", language_code="en", phone="+77011234567")
    await user.send("/start shop_flowers")
    await user.press("Catalog")
    await user.press("Bouquets")
    await user.press("Add to cart")
    await user.press("Cart")
    await user.press("Checkout")
    await user.share_contact()
    await user.send("Asel")
    await user.send("+7 701 765 43 21")
    await user.press("Pickup")
    await user.press("Tomorrow")
    await user.press("09:00-12:00")
    assert "greeting card" in user.last_text
    return user


async def test_an_accepted_birthday_is_remembered_with_the_order(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    user = await until_card(bot_harness)
    await user.send("Happy birthday!")
    offer = user.last()
    assert offer.text.startswith(OCCASION_QUESTION)
    assert offer.button_texts() == ["🎂 Birthday", "💍 Anniversary", "No, thanks", "✖ Cancel"]

    await user.press("Birthday")
    assert user.last_text == BIRTHDAY_QUESTION
    await user.send("15.05")
    summary = user.last_text
    assert "Card: Happy birthday!" in summary
    assert "We will remember: Birthday, 15.05" in summary
    assert await ImportantDate.all().count() == 0
    assert await Order.all().count() == 0

    await user.press("Confirm the order")
    order = await Order.get()
    assert "We will remind you a few days before 15.05." in user.last_text
    customer = await Customer.get(id=order.customer_id)  # type: ignore[attr-defined]
    remembered = await ImportantDate.get()
    assert remembered.customer_id == customer.id  # type: ignore[attr-defined]
    assert remembered.shop_id == shop.id  # type: ignore[attr-defined]
    assert (remembered.date_type, remembered.date) == (DateType.BIRTHDAY, date(2026, 5, 15))
    assert (remembered.recipient_name, remembered.reminder_days) == ("Asel", 5)
    assert order.recipient_name == "Asel"

    # A second press on Confirm places nothing and remembers nothing more.
    await user.press("Confirm the order")
    assert telegram.calls_of("answerCallbackQuery")[-1].params["text"] == (
        "This checkout is already finished."
    )
    assert (await Order.all().count(), await ImportantDate.all().count()) == (1, 1)


async def test_no_thanks_places_the_order_and_remembers_nothing(
    bot_harness: BotHarness, shop: Shop
) -> None:
    user = await until_card(bot_harness)
    await user.press("No card")
    assert user.last_text.startswith(OCCASION_QUESTION)
    await user.press("No, thanks")
    assert "Please check your order:" in user.last_text
    assert "We will remember" not in user.last_text
    await user.press("Confirm the order")
    assert await Order.all().count() == 1
    assert "We will remind you" not in user.last_text
    assert await ImportantDate.all().count() == 0


async def test_the_date_question_can_still_be_declined(bot_harness: BotHarness, shop: Shop) -> None:
    user = await until_card(bot_harness)
    await user.press("No card")
    await user.press("Anniversary")
    assert user.last_text == ANNIVERSARY_QUESTION
    assert user.last().button_texts() == ["No, thanks", "✖ Cancel"]
    await user.press("No, thanks")
    assert "We will remember" not in user.last_text
    await user.press("Confirm the order")
    assert (await Order.all().count(), await ImportantDate.all().count()) == (1, 0)


async def test_wrong_answers_to_the_occasion_get_the_question_again(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    user = await until_card(bot_harness)
    await user.press("No card")

    await user.send("birthday")
    assert user.last_text.startswith("Please choose one of the buttons.")
    assert OCCASION_QUESTION in user.last_text
    await user.press_data("co:occasion:wedding")
    assert user.last_text.startswith("Please choose one of the buttons.")
    await user.press_data("co:nocard:")
    assert telegram.calls_of("answerCallbackQuery")[-1].params["text"] == (
        "This button is no longer active."
    )
    assert OCCASION_QUESTION in user.last_text
    await user.press("Anniversary")

    for wrong, problem in (
        ("next summer", "I could not read that date."),
        ("31.02", "I could not read that date."),
        ("15.13.2015", "I could not read that date."),
        ("2015-08-20", "I could not read that date."),
        ("20.08.1815", "That year does not look right."),
        ("20.08.2030", "That year does not look right."),
    ):
        await user.send(wrong)
        assert user.last_text == f"{problem}\n\n{ANNIVERSARY_QUESTION}", wrong
    await user.send_photo()
    assert user.last_text == f"Please send the date as a message.\n\n{ANNIVERSARY_QUESTION}"
    assert await ImportantDate.all().count() == 0
    assert await Order.all().count() == 0

    await user.send("20.08.2015")
    assert "We will remember: Anniversary, 20.08" in user.last_text
    await user.press("Confirm the order")
    remembered = await ImportantDate.get()
    assert (remembered.date_type, remembered.date) == (DateType.ANNIVERSARY, date(2015, 8, 20))


async def test_the_occasion_survives_a_window_that_closed_before_confirming(
    bot_harness: BotHarness, shop: Shop, clock: FrozenClock
) -> None:
    user = await until_card(bot_harness)
    await user.send("With love")
    await user.press("Birthday")
    await bot_harness.restart()
    await user.send("29.02")
    assert "We will remember: Birthday, 29.02" in user.last_text

    # Tomorrow 11:30: the 09-12 window closed; the card is asked again, the occasion not.
    clock.set(datetime(2026, 3, 11, 11, 30, tzinfo=ALMATY).astimezone(UTC))
    await user.press("Confirm the order")
    assert "Sorry, that time is no longer available." in user.last_text
    await user.press("15:00-18:00")
    await user.press("No card")
    assert "We will remember: Birthday, 29.02" in user.last_text
    await user.press("Confirm the order")
    remembered = await ImportantDate.get()
    # Without a year, the latest leap year keeps 29 February.
    assert (remembered.date_type, remembered.date) == (DateType.BIRTHDAY, date(2024, 2, 29))
    assert remembered.recipient_name == "Asel"
