"""The date reminder's "order the same as last time": the job's message reaches the chat
through the outbox and the fake Bot API, and a press fills the cart with the earlier
order's products still sold (today's prices) and opens checkout at the recipient with
that order's recipient offered again; somebody else's order is refused. Both stacks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.actions import telegram_address
from core import reminders
from core.clock import FrozenClock
from core.customers import chat_addresses
from core.models import (
    Channel,
    Customer,
    CustomerChat,
    DateType,
    ImportantDate,
    Order,
    OrderItem,
    OutboxEvent,
    OutboxStatus,
    Product,
    Shop,
)
from core.orders.service import ItemRequest, place_order
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.bot.conftest import BotHarness
from tests.factories import give_chats, make_product, make_shop
from tests.fakes.telegram import FakeTelegram, TelegramUser

ALMATY = ZoneInfo("Asia/Almaty")
PHONE = "+77011234567"
RECIPIENT_QUESTION = "Who will receive the order?"


@pytest.fixture
def morning(clock: FrozenClock) -> datetime:
    """10:30 in Almaty on 10 March 2026: reminders of the day are due, windows open."""
    moment = datetime(2026, 3, 10, 10, 30, tzinfo=ALMATY).astimezone(UTC)
    clock.set(moment)
    return moment


@pytest.fixture
async def shop(morning: datetime) -> Shop:
    shop = await make_shop("Flowers of Almaty", slug="flowers")
    shop.settings = {"slots": ["12:00-15:00", "15:00-18:00"], "delivery_fee": 2000}
    await shop.save()
    # A second shop: the press must find its shop through the order, not as the only one.
    await make_shop("Second shop", slug="second")
    return shop


@pytest.fixture
async def products(shop: Shop) -> dict[str, Product]:
    return {
        "roses": await make_product(shop, "Red roses", price=25000),
        "tulips": await make_product(shop, "Tulips", price=12000),
        "peonies": await make_product(shop, "Peonies", price=30000),
    }


def person(harness: BotHarness) -> TelegramUser:
    return harness.user(first_name="Aru", language_code="en", phone=PHONE)


async def earlier_order(
    shop: Shop,
    user: TelegramUser,
    items: list[ItemRequest],
    *,
    recipient_phone: str | None = "+77017654321",
    customer: Customer | None = None,
) -> Order:
    """An order of `user` placed before, by the customer linked to their chat."""
    order = await place_order(
        shop_id=shop.id,
        customer_phone=None if customer else PHONE,
        customer_id=customer.id if customer else None,
        customer_name="Aru",
        recipient_name="Asel",
        recipient_phone=recipient_phone,
        address="Abay ave 10",
        items=items,
        delivery_fee=2000,
        channel=Channel.TELEGRAM,
        language="en",
    )
    await Customer.filter(id=order.customer_id).update(language="en")  # type: ignore[attr-defined]
    await give_chats(await Customer.get(id=order.customer_id), telegram=user.id)  # type: ignore[attr-defined]
    return order


async def drain(runtime: Runtime, clock: FrozenClock) -> int:
    """Deliver what is queued now (rows dated by the wall clock are made due)."""
    await OutboxEvent.filter(status=OutboxStatus.PENDING, next_attempt_at__gt=clock.now()).update(
        next_attempt_at=clock.now()
    )
    return await build_outbox_worker(runtime).drain()


async def test_the_reminder_button_repeats_the_order_at_todays_prices(
    bot_harness: BotHarness,
    telegram: FakeTelegram,
    runtime: Runtime,
    clock: FrozenClock,
    shop: Shop,
    products: dict[str, Product],
) -> None:
    user = person(bot_harness)
    roses, tulips, peonies = products["roses"], products["tulips"], products["peonies"]
    last = await earlier_order(
        shop,
        user,
        [ItemRequest(roses.id, 2), ItemRequest(tulips.id, 1), ItemRequest(peonies.id, 1)],
    )
    await Product.filter(id=peonies.id).update(is_active=False)
    await Product.filter(id=roses.id).update(price=27000)
    await ImportantDate.create(
        shop=shop,
        customer_id=last.customer_id,  # type: ignore[attr-defined]
        date_type=DateType.BIRTHDAY,
        date=date(1990, 3, 13),
        reminder_days=3,
        recipient_name="Asel",
    )
    assert await reminders.send_date_reminders(shop_id=shop.id, now=clock.now()) == 1
    assert await drain(runtime, clock) == 1
    reminder = user.last()
    assert "Asel has a birthday on 13.03." in user.last_text
    assert [(b["text"], b["callback_data"]) for b in reminder.buttons()] == [
        ("🔁 Order the same as last time", f"reorder:{last.id}")
    ]

    calls_before = len(telegram.calls)
    await user.press("Order the same as last time")
    opened = user.last()
    assert opened.text == (
        f"Your cart now has the products of order #{last.number}.\n"
        "No longer sold, so left out: Peonies.\n\n"
        "Who will receive the order? Send the recipient's name, or press “It's me”."
    )
    assert opened.button_texts() == ["🙋 It's me", "🔁 To Asel again", "✖ Cancel"]
    # The phone is known: nobody asks to share it.
    assert not any(
        "keyboard" in (c.params.get("reply_markup") or {}) for c in telegram.calls[calls_before:]
    )

    await user.press("To Asel again")
    assert user.last_text == "Delivery or pickup?"
    await user.press("Delivery")
    await user.send("Dostyk 5")
    await user.press("Today")
    await user.press("15:00-18:00")
    await user.press("No card")
    await user.press("No, thanks")
    summary = user.last_text
    for line in (
        "• Red roses × 2 — 54,000 ₸",
        "• Tulips × 1 — 12,000 ₸",
        "Delivery: 2,000 ₸",
        "Total: 68,000 ₸",
        "Recipient: Asel, +77017654321",
    ):
        assert line in summary
    assert "Peonies" not in summary
    assert await Order.all().count() == 1

    await user.press("Confirm the order")
    again = await Order.filter(id__gt=last.id).get()
    assert again.customer_id == last.customer_id  # type: ignore[attr-defined]
    assert (again.shop_id, again.channel) == (shop.id, Channel.TELEGRAM)  # type: ignore[attr-defined]
    assert (again.recipient_name, again.recipient_phone) == ("Asel", "+77017654321")
    assert (again.address, again.total) == ("Dostyk 5", 68000)
    items = await OrderItem.filter(order=again).order_by("id")
    assert [(i.product_name, i.quantity, i.price) for i in items] == [
        ("Red roses", 2, 27000),
        ("Tulips", 1, 12000),
    ]
    assert await Customer.filter(shop=shop).count() == 1


async def test_somebody_elses_order_is_refused_with_an_alert(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop, products: dict[str, Product]
) -> None:
    owner = person(bot_harness)
    order = await earlier_order(shop, owner, [ItemRequest(products["roses"].id, 1)])
    stranger = bot_harness.user(first_name="Bob", language_code="en", phone="+77019990000")
    await stranger.send("/start shop_flowers")
    sent_before = len(telegram.sent(stranger.id))

    for data in (f"reorder:{order.id}", "reorder:999999"):
        await stranger.press_data(data)
        answer = telegram.calls_of("answerCallbackQuery")[-1]
        assert (answer.params["text"], answer.params["show_alert"]) == (
            "This order is not one of yours.",
            True,
        )
    assert len(telegram.sent(stranger.id)) == sent_before
    await stranger.press("Cart")
    assert stranger.last_text == "Your cart is empty."
    await stranger.send("Asel")
    assert "did not understand" in stranger.last_text

    # An order whose customer is no longer linked to this Telegram user is refused too.
    await owner.send("/start shop_flowers")
    await CustomerChat.filter(customer_id=order.customer_id).delete()  # type: ignore[attr-defined]
    await owner.press_data(f"reorder:{order.id}")
    assert telegram.calls_of("answerCallbackQuery")[-1].params["show_alert"] is True
    assert await Order.all().count() == 1


async def test_without_a_known_phone_checkout_starts_at_the_phone(
    bot_harness: BotHarness, shop: Shop, products: dict[str, Product]
) -> None:
    user = person(bot_harness)
    phoneless = await Customer.create(shop=shop, phone="", name="Aru")
    order = await earlier_order(
        shop,
        user,
        [ItemRequest(products["tulips"].id, 3)],
        recipient_phone=None,
        customer=phoneless,
    )
    await user.send("/start")
    await bot_harness.restart()
    await user.press_data(f"reorder:{order.id}")
    ask_phone = user.last()
    assert user.last_text.startswith(f"Your cart now has the products of order #{order.number}.")
    assert "share your phone number" in user.last_text
    assert ask_phone.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True

    await user.share_contact()
    assert RECIPIENT_QUESTION in user.last_text
    await user.press("To Asel again")
    # The earlier order had no recipient phone: it is asked.
    assert "Send the recipient's phone number" in user.last_text
    await user.send("+7 701 765 43 21")
    assert user.last_text == "Delivery or pickup?"
    await user.press("Pickup")
    await user.press("Today")
    await user.press("12:00-15:00")
    await user.press("No card")
    await user.press("No, thanks")
    assert "• Tulips × 3 — 36,000 ₸" in user.last_text
    await user.press("Confirm the order")
    again = await Order.filter(id__gt=order.id).get()
    assert (again.recipient_name, again.recipient_phone) == ("Asel", "+77017654321")
    buyer = await Customer.get(id=again.customer_id)  # type: ignore[attr-defined]
    assert buyer.phone == PHONE
    assert await chat_addresses(customer_id=buyer.id) == [telegram_address(user.id)]


async def test_an_order_with_nothing_left_to_sell_opens_no_checkout(
    bot_harness: BotHarness, shop: Shop, products: dict[str, Product]
) -> None:
    user = person(bot_harness)
    order = await earlier_order(shop, user, [ItemRequest(products["peonies"].id, 1)])
    await Product.filter(id=products["peonies"].id).update(is_active=False)
    await user.send("/start shop_second")
    await user.press("Catalog")
    await user.press_data(f"reorder:{order.id}")
    assert user.last_text == (
        f"The products of order #{order.number} are no longer sold. "
        "Please choose something in the catalog."
    )
    assert "🌸 Catalog" in user.last().button_texts()
    # The conversation is in the order's shop now, with nothing in the cart.
    await user.press("Catalog")
    assert user.last().button_texts()[:1] == ["Bouquets (2)"]
    await user.press("Cart")
    assert user.last_text == "Your cart is empty."
    await user.send("Asel")
    assert "did not understand" in user.last_text
