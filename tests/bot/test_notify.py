"""Customers hear about their order in their own language: paid, assembled, out for
delivery with the courier's first name, delivered with the delivery photo, cancelled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiohttp.test_utils import TestClient

from bot.app import create_bot
from core.clock import FrozenClock
from core.models import Customer, Order, OrderPhoto, PhotoKind, Role, Shop
from core.orders.service import ItemRequest, change_status, place_order, set_team
from core.orders.status import OrderStatus
from core.runtime import Runtime
from tests.bot.conftest import deliver_outbox, virtual_sleep
from tests.factories import give_chats, make_member, make_product, make_shop, owner_headers
from tests.fakes.telegram import FakeTelegram

CHAT = 7_700_001


@pytest.fixture
async def bot(runtime: Runtime, clock: FrozenClock) -> AsyncIterator[Bot]:
    runtime.extras["sleep"] = virtual_sleep(clock)
    bot = create_bot(runtime)
    runtime.extras["telegram_bot"] = bot
    yield bot
    await bot.session.close()


@pytest.fixture
async def shop() -> Shop:
    return await make_shop("Flowers", slug="flowers")


async def order_for(shop: Shop, *, chat_id: int | None, language: str) -> Order:
    product = await make_product(shop, "Red roses", price=25000)
    order = await place_order(
        shop_id=shop.id,
        customer_phone="+77011234567",
        customer_name="Aru",
        items=[ItemRequest(product.id, 1)],
        address="Abay 10",
    )
    await Customer.filter(id=order.customer_id).update(language=language)  # type: ignore[attr-defined]
    await give_chats(await Customer.get(id=order.customer_id), telegram=chat_id)  # type: ignore[attr-defined]
    return order


async def move(shop: Shop, order: Order, *statuses: OrderStatus) -> None:
    for status in statuses:
        await change_status(shop_id=shop.id, order_id=order.id, to=status)


async def test_the_customer_is_told_each_step_in_their_language(
    bot: Bot, runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock, shop: Shop
) -> None:
    order = await order_for(shop, chat_id=CHAT, language="en")
    courier = await make_member(shop, Role.COURIER, name="Bolat Akhmetov")
    await move(shop, order, OrderStatus.PAID, OrderStatus.IN_PRODUCTION, OrderStatus.ASSEMBLED)
    await set_team(shop_id=shop.id, order_id=order.id, courier_id=courier.id)
    await move(shop, order, OrderStatus.IN_DELIVERY)
    await OrderPhoto.create(
        order=order, kind=PhotoKind.DELIVERED, telegram_file_id="AgACdelivered-photo"
    )
    await move(shop, order, OrderStatus.DELIVERED)
    await deliver_outbox(runtime, clock)

    number = order.number
    assert telegram.texts(CHAT) == [
        f"We have received the payment for order #{number}. Thank you!",
        f"Your order #{number} is assembled.",
        f"Your order #{number} is on its way. Your courier is Bolat.",
        f"Your order #{number} has been delivered. Thank you!",
    ]
    delivered = telegram.calls_of("sendPhoto")[-1]
    assert delivered.chat_id == CHAT
    assert delivered.params["photo"] == "AgACdelivered-photo"


async def test_notices_are_translated(
    bot: Bot, runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock, shop: Shop
) -> None:
    order = await order_for(shop, chat_id=CHAT, language="kk")
    await move(shop, order, OrderStatus.PAID)
    await deliver_outbox(runtime, clock)
    assert telegram.texts(CHAT) == [f"№{order.number} тапсырыстың төлемін алдық. Рақмет!"]


async def test_without_a_courier_the_notice_names_nobody(
    bot: Bot, runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock, shop: Shop
) -> None:
    order = await order_for(shop, chat_id=CHAT, language="en")
    await move(shop, order, OrderStatus.IN_PRODUCTION, OrderStatus.ASSEMBLED)
    await move(shop, order, OrderStatus.IN_DELIVERY)
    await deliver_outbox(runtime, clock)
    assert telegram.texts(CHAT)[-1] == f"Your order #{order.number} is on its way."


async def test_customers_without_a_telegram_chat_get_nothing(
    bot: Bot, runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock, shop: Shop
) -> None:
    order = await order_for(shop, chat_id=None, language="en")
    await move(shop, order, OrderStatus.PAID)
    await deliver_outbox(runtime, clock)
    assert telegram.sent() == []


async def test_a_cancelled_order_is_told_in_the_customers_language_over_rest(
    bot: Bot,
    runtime: Runtime,
    telegram: FakeTelegram,
    clock: FrozenClock,
    api: TestClient,
) -> None:
    shop, _, headers = await owner_headers(runtime)
    order = await order_for(shop, chat_id=CHAT, language="uz")
    response = await api.delete(f"/api/orders/{order.id}", headers=headers)
    assert response.status == 204
    await deliver_outbox(runtime, clock)
    assert telegram.texts(CHAT) == [
        f"Sizning №{order.number} buyurtmangiz bekor qilindi. "
        "Agar bu kutilmagan boʻlsa, bizga yozing."
    ]
