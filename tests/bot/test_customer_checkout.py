"""A customer orders in chat: from /start to a confirmed order by buttons and text, on
both stacks (SQLite + in-process FSM store, PostgreSQL + Redis), a restart in the middle,
wrong answers at every step, /cancel, and a repeated update."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.actions import telegram_address
from core.clock import FrozenClock
from core.customers import chat_addresses
from core.models import Category, Channel, Customer, DeliveryMethod, Order, OrderItem, Shop
from tests.bot.conftest import BotHarness
from tests.factories import make_product, make_shop
from tests.fakes.telegram import FakeTelegram, TelegramUser

ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def settings_overrides(telegram: FakeTelegram) -> dict[str, object]:
    from tests.fakes.telegram import DEFAULT_TOKEN

    return {
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base": telegram.base_url,
        "public_base_url": "https://shop.example.kz",
    }


@pytest.fixture
def morning(clock: FrozenClock) -> datetime:
    """08:00 in Almaty: every window of today is still open."""
    moment = datetime(2026, 3, 10, 8, 0, tzinfo=ALMATY).astimezone(UTC)
    clock.set(moment)
    return moment


@pytest.fixture
async def shop(morning: datetime) -> Shop:
    shop = await make_shop("Flowers of Almaty", slug="flowers")
    shop.settings = {
        "slots": ["09:00-12:00", "12:00-15:00", "15:00-18:00"],
        "delivery_fee": 2000,
        "payment_info": "Kaspi transfer to +7 701 000 00 00",
    }
    shop.phone = "+77010000000"
    shop.address = "Abay ave 1"
    await shop.save()
    roses = await Category.create(shop=shop, name="Roses")
    await make_product(shop, "Red roses", price=25000, category=roses, description="15 roses")
    await make_product(shop, "White roses", price=30000, discount_price=27000, category=roses)
    await make_product(shop, "Tulips", price=12000, image_url="https://cdn.example.kz/t.jpg")
    return shop


def customer(harness: BotHarness, **kwargs: object) -> TelegramUser:
    return harness.user(first_name="Aru", language_code="en", phone="+77011234567", **kwargs)  # type: ignore[arg-type]


async def fill_cart(user: TelegramUser) -> None:
    await user.send("/start shop_flowers")
    await user.press("Catalog")
    await user.press("Roses")
    await user.press("+", exact=True)
    await user.press("Add to cart")


async def checkout_until_address(user: TelegramUser) -> None:
    await fill_cart(user)
    await user.press("Cart")
    await user.press("Checkout")
    await user.share_contact()
    await user.send("Asel")
    await user.send("+7 701 765 43 21")
    await user.press("Delivery")


async def test_customer_goes_from_start_to_a_confirmed_order(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    user = customer(bot_harness)
    await user.send("/start shop_flowers")
    assert "Hello, Aru! Welcome to Flowers of Almaty." in user.last_text
    assert "🌸 Catalog" in user.last().button_texts()

    await user.press("Catalog")
    assert user.last().button_texts()[:2] == ["Roses (2)", "Bouquets (1)"]
    await user.press("Roses")
    card = user.last()
    assert card.method == "editMessageText"  # the catalog browses in one message
    assert card.text.startswith("Red roses\n\n25,000 ₸\n\n15 roses")
    await user.press("▶️")
    assert "27,000 ₸ instead of 30,000 ₸" in user.last_text
    await user.press("◀️")
    await user.press("+", exact=True)
    assert telegram.calls_of("editMessageReplyMarkup")[-1].button_texts()[:3] == ["−", "2", "+"]
    await user.press("Add to cart")
    answer = telegram.calls_of("answerCallbackQuery")[-1]
    assert answer.params["text"] == "Added to the cart: Red roses × 2"

    await user.press("Cart")
    assert "• Red roses × 2 — 50,000 ₸" in user.last_text
    await user.press("Checkout")
    ask_phone = user.last()
    assert "share your phone number" in user.last_text
    assert ask_phone.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True

    await user.share_contact()
    assert "Who will receive the order?" in user.last_text
    await user.send("Asel Nurlanovna")
    assert "recipient's phone number" in user.last_text
    await user.send("+7 701 765 43 21")
    assert user.last_text == "Delivery or pickup?"
    await user.press("Delivery")
    assert "delivery address" in user.last_text
    await user.send("Abay ave 10, flat 5")
    assert "Which day?" in user.last_text
    await user.press("Tomorrow")
    assert user.last_text.startswith("Which time window on Wed, 11 March?")
    assert user.last().button_texts()[:3] == ["09:00-12:00", "12:00-15:00", "15:00-18:00"]
    await user.press("12:00-15:00")
    assert "greeting card" in user.last_text
    await user.send("Happy birthday!")
    await user.press("No, thanks")
    summary = user.last_text
    for line in (
        "• Red roses × 2 — 50,000 ₸",
        "Items: 50,000 ₸",
        "Delivery: 2,000 ₸",
        "Total: 52,000 ₸",
        "Recipient: Asel Nurlanovna, +77017654321",
        "Delivery to: Abay ave 10, flat 5",
        "When: Wed, 11 March, 12:00-15:00",
        "Card: Happy birthday!",
    ):
        assert line in summary
    assert await Order.all().count() == 0

    await user.press("Confirm the order")
    order = await Order.get()
    done = user.last_text
    assert f"Thank you! Your order #{order.number} is placed." in done
    assert f"https://shop.example.kz/tracking/{order.tracking_token}" in done
    assert "How to pay: Kaspi transfer to +7 701 000 00 00" in done
    assert "Total to pay: 52,000 ₸" in done

    assert order.channel == Channel.TELEGRAM
    assert (order.flower_sum, order.delivery_fee, order.total) == (50000, 2000, 52000)
    assert order.delivery_method == DeliveryMethod.DELIVERY
    assert order.recipient_name == "Asel Nurlanovna"
    assert order.recipient_phone == "+77017654321"
    assert order.address == "Abay ave 10, flat 5"
    assert order.card_text == "Happy birthday!"
    assert order.delivery_time_range == "12:00-15:00"
    assert order.delivery_from == datetime(2026, 3, 11, 12, 0, tzinfo=ALMATY)
    assert order.delivery_to == datetime(2026, 3, 11, 15, 0, tzinfo=ALMATY)
    items = await OrderItem.filter(order=order)
    assert [(i.product_name, i.quantity, i.price) for i in items] == [("Red roses", 2, 25000)]
    buyer = await Customer.get(id=order.customer_id)  # type: ignore[attr-defined]
    assert buyer.phone == "+77011234567"
    assert buyer.language == "en"
    assert await chat_addresses(customer_id=buyer.id) == [telegram_address(user.id)]

    await user.press("My orders")
    assert user.last().button_texts()[0] == f"#{order.number} · New · 52,000 ₸"
    await user.press(f"#{order.number}")
    assert "Status: New" in user.last_text


async def test_pickup_with_a_shared_location_free_of_delivery_fee(
    bot_harness: BotHarness, shop: Shop
) -> None:
    user = customer(bot_harness)
    await fill_cart(user)
    await user.press("Cart")
    await user.press("Checkout")
    await user.share_contact()
    await user.press("It's me")
    await user.press("Pickup")
    assert "Which day?" in user.last_text
    await user.press("Today")
    await user.press("09:00-12:00")
    await user.press("No card")
    await user.press("No, thanks")
    assert "Delivery:" not in user.last_text
    assert "Pickup from: Abay ave 1" in user.last_text
    assert "Total: 50,000 ₸" in user.last_text
    await user.press("Confirm the order")
    order = await Order.get()
    assert (order.delivery_method, order.delivery_fee, order.total) == (
        DeliveryMethod.PICKUP,
        0,
        50000,
    )
    assert order.recipient_name == "Aru"
    assert order.recipient_phone == "+77011234567"


async def test_a_location_is_taken_as_the_address(bot_harness: BotHarness, shop: Shop) -> None:
    user = customer(bot_harness)
    await checkout_until_address(user)
    assert user.last().params["reply_markup"]["keyboard"][0][0]["request_location"] is True
    await user.send_location(43.238949, 76.889709)
    await user.press("Tomorrow")
    await user.press("15:00-18:00")
    await user.press("No card")
    await user.press("No, thanks")
    await user.press("Confirm the order")
    order = await Order.get()
    assert (order.latitude, order.longitude) == (43.238949, 76.889709)
    assert order.address == "43.238949, 76.889709"


async def test_checkout_resumes_at_the_same_step_after_a_bot_restart(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    user = customer(bot_harness)
    await checkout_until_address(user)
    assert "delivery address" in user.last_text

    await bot_harness.restart()
    await user.send("Dostyk 5")
    assert "Which day?" in user.last_text
    await user.press("Tomorrow")
    await user.press("09:00-12:00")
    await user.send("With love")
    await user.press("No, thanks")

    await bot_harness.restart()
    await user.press("Confirm the order")
    order = await Order.get()
    assert (order.address, order.card_text, order.total) == ("Dostyk 5", "With love", 52000)


async def test_cancel_leaves_checkout_and_keeps_the_cart(
    bot_harness: BotHarness, shop: Shop
) -> None:
    user = customer(bot_harness)
    await checkout_until_address(user)
    await user.send("/cancel")
    assert user.texts()[-2:] == ["Cancelled. Your cart is kept.", "What would you like to do?"]
    await user.send("Dostyk 5")
    assert "did not understand" in user.last_text
    await user.press("Cart")
    assert "• Red roses × 2" in user.last_text
    assert await Order.all().count() == 0


async def test_a_repeated_update_takes_effect_once(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    user = customer(bot_harness)
    await checkout_until_address(user)
    await user.send("Dostyk 5")
    await user.press("Tomorrow")
    await user.press("09:00-12:00")
    await user.press("No card")
    await user.press("No, thanks")
    confirm = await user.press("Confirm the order")
    sent_before = len(telegram.sent(user.id))
    await bot_harness.feed(confirm)
    await bot_harness.restart()
    await bot_harness.feed(confirm)
    assert await Order.all().count() == 1
    assert len(telegram.sent(user.id)) == sent_before


async def test_a_second_confirm_press_places_nothing_more(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    user = customer(bot_harness)
    await checkout_until_address(user)
    await user.send("Dostyk 5")
    await user.press("Tomorrow")
    await user.press("09:00-12:00")
    await user.press("No card")
    await user.press("No, thanks")
    await user.press("Confirm the order")
    await user.press("Confirm the order")
    assert await Order.all().count() == 1
    answer = telegram.calls_of("answerCallbackQuery")[-1]
    assert answer.params["text"] == "This checkout is already finished."


async def assert_nothing_written() -> None:
    assert await Order.all().count() == 0
    assert await Customer.all().count() == 0


async def test_wrong_answers_at_every_step_get_the_question_again(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop, clock: FrozenClock
) -> None:
    # 14:10 in Almaty: today's 09-12 window is over, 12-15 ends within the lead hour.
    clock.set(datetime(2026, 3, 10, 14, 10, tzinfo=ALMATY).astimezone(UTC))
    user = customer(bot_harness)
    await fill_cart(user)
    await user.press("Cart")
    await user.press("Checkout")
    phone_question = "please share your phone number with the button below"

    await user.send("+7 701 123 45 67")
    assert "Please use the button below to share your phone number." in user.last_text
    assert phone_question in user.last_text
    await user.share_contact("+77019998877", own=False, first_name="Someone")
    assert "That is not your contact." in user.last_text
    assert phone_question in user.last_text
    await user.send_photo()
    assert phone_question in user.last_text
    await assert_nothing_written()
    await user.share_contact()

    recipient_question = "Who will receive the order?"
    await user.send("12345")
    assert "That looks like a number, not a name." in user.last_text
    assert recipient_question in user.last_text
    await user.send_photo()
    assert "Please send the recipient's name as text." in user.last_text
    assert recipient_question in user.last_text
    await user.send("A" * 150)
    assert "The name is too long." in user.last_text
    await user.send("Asel")

    phone2_question = "Send the recipient's phone number"
    await user.send("call me maybe")
    assert "That is not a phone number we can call." in user.last_text
    assert phone2_question in user.last_text
    await user.send("123")
    assert phone2_question in user.last_text
    await user.send("+7 701 765 43 21")

    await user.send("delivery please")
    assert "Please choose one of the buttons." in user.last_text
    assert "Delivery or pickup?" in user.last_text
    await user.press("Delivery")

    address_question = "Send the delivery address"
    await user.send(".")
    assert "The address is empty or too short." in user.last_text
    assert address_question in user.last_text
    await user.send_photo()
    assert "Please send the address as text or share a location." in user.last_text
    assert address_question in user.last_text
    await user.send("x" * 600)
    assert "The address is too long." in user.last_text
    await user.send("Abay ave 10")

    day_question = "Which day?"
    await user.send("01.01.2020")
    assert "That day has already passed." in user.last_text
    assert day_question in user.last_text
    yesterday = date(2026, 3, 9).strftime("%Y%m%d")
    await user.press_data(f"co:day:{yesterday}")
    assert "That day has already passed." in user.last_text
    await user.send("next friday-ish")
    assert "I could not read the date." in user.last_text
    await user.send("10.05.2026")
    assert "We do not take orders that far ahead." in user.last_text
    await user.send_photo()
    assert day_question in user.last_text
    await user.press("Today")
    assert user.last_text.startswith("Which time window on Tue, 10 March?")
    assert user.last().button_texts()[:1] == ["15:00-18:00"]

    window_question = "Which time window"
    await user.press_data("co:window:0900-1200")
    assert "This window has already closed." in user.last_text
    assert window_question in user.last_text
    await user.send("07:00-08:00")
    assert "Please choose a time window with the buttons." in user.last_text
    await user.send_photo()
    assert window_question in user.last_text
    await user.press_data("co:me:")
    assert telegram.calls_of("answerCallbackQuery")[-1].params["text"] == (
        "This button is no longer active."
    )
    assert window_question in user.last_text
    await user.press("15:00-18:00")

    card_question = "Text for the greeting card?"
    await user.send_photo()
    assert "Please send the card text as a message" in user.last_text
    assert card_question in user.last_text
    await user.send("♥" * 501)
    assert "The card text is too long" in user.last_text
    assert card_question in user.last_text
    await user.send("With love")
    await user.press("No, thanks")

    await user.send("yes")
    assert "Please confirm the order or cancel it." in user.last_text
    assert "Total: 52,000 ₸" in user.last_text
    await assert_nothing_written()

    await user.press("Confirm the order")
    order = await Order.get()
    assert order.delivery_time_range == "15:00-18:00"
    assert order.delivery_from == datetime(2026, 3, 10, 15, 0, tzinfo=ALMATY)


async def test_a_window_that_closed_before_confirming_is_asked_again(
    bot_harness: BotHarness, shop: Shop, clock: FrozenClock
) -> None:
    user = customer(bot_harness)
    await checkout_until_address(user)
    await user.send("Dostyk 5")
    await user.press("Today")
    await user.press("09:00-12:00")
    await user.press("No card")
    await user.press("No, thanks")
    clock.set(datetime(2026, 3, 10, 11, 30, tzinfo=ALMATY).astimezone(UTC))
    await user.press("Confirm the order")
    assert "Sorry, that time is no longer available." in user.last_text
    assert "Which time window" in user.last_text
    assert await Order.all().count() == 0
    await user.press("15:00-18:00")
    await user.press("No card")
    await user.press("Confirm the order")
    assert (await Order.get()).delivery_time_range == "15:00-18:00"
