"""A shop with its people, linked to the bot the way they would link themselves, for the
staff and courier tests: owner, florist, courier and cashier share their own contact in a
private chat, the owner links the staff group, and a customer with a Telegram chat has
an order of roses that need stock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import FrozenClock
from core.models import (
    Customer,
    Order,
    OutboxEvent,
    OutboxStatus,
    ProductComponent,
    Role,
    Shop,
    User,
)
from core.orders.service import ItemRequest, place_order
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.bot.conftest import BotHarness
from tests.factories import give_chats, make_member, make_product, make_shop, make_stock_item
from tests.fakes.telegram import Call, FakeTelegram, TelegramUser

STAFF_CHAT = -100500600
CUSTOMER_TG = 9_100_001


@dataclass
class World:
    runtime: Runtime
    harness: BotHarness
    telegram: FakeTelegram
    clock: FrozenClock
    shop: Shop
    users: dict[str, User] = field(default_factory=dict)
    private: dict[str, TelegramUser] = field(default_factory=dict)
    group: dict[str, TelegramUser] = field(default_factory=dict)
    customer: TelegramUser | None = None
    product_id: int = 0

    async def drain(self) -> int:
        """Deliver every pending outbox row now. Some subscribers date their rows by the
        wall clock, which runs apart from the test's frozen one: those are made due."""
        await OutboxEvent.filter(
            status=OutboxStatus.PENDING, next_attempt_at__gt=self.clock.now()
        ).update(next_attempt_at=self.clock.now())
        return await build_outbox_worker(self.runtime).drain()

    async def place_order(self, **extra: Any) -> Order:
        values: dict[str, Any] = {
            "shop_id": self.shop.id,
            "customer_phone": "+77019998877",
            "customer_name": "Айгуль",
            "recipient_name": "Айгуль",
            "recipient_phone": "+77017654321",
            "address": "г. Алматы, пр. Достык 89, кв. 45",
            "items": [ItemRequest(self.product_id, 2)],
            "delivery_fee": 2000,
            "delivery_from": self.clock.now() + timedelta(hours=3),
            "delivery_to": self.clock.now() + timedelta(hours=5),
            "latitude": 43.2389,
            "longitude": 76.9454,
        }
        values.update(extra)
        order = await place_order(**values)
        if order.customer_id is not None:
            await Customer.filter(id=order.customer_id).update(language="en")
            customer = await Customer.get(id=order.customer_id)
            await give_chats(customer, telegram=CUSTOMER_TG)
        return order

    def card(self) -> dict[str, Any]:
        """The order card as the staff chat shows it now (the newest card message)."""
        cards = [
            m
            for (chat, _), m in sorted(self.telegram.messages.items())
            if chat == STAFF_CHAT and str(m.get("text", "")).startswith("🧾")
        ]
        assert cards, "no order card in the staff chat"
        return cards[-1]

    def card_edits(self, message_id: int) -> list[Call]:
        return [
            c
            for c in self.telegram.calls_of("editMessageText", ok=True)
            if c.chat_id == STAFF_CHAT and c.params.get("message_id") == message_id
        ]

    def last_answer(self) -> Call:
        return self.telegram.calls_of("answerCallbackQuery")[-1]


async def build_world(
    runtime: Runtime,
    harness: BotHarness,
    telegram: FakeTelegram,
    clock: FrozenClock,
    *,
    locale: str = "en",
    approval: bool = True,
    stock: int = 20,
) -> World:
    shop = await make_shop("Flowers of Almaty", locale=locale)
    # 09:00 in the shop today, so the orders' windows (3 to 5 hours on) are today too.
    local_today = datetime.now(ZoneInfo(shop.timezone)).date()
    clock.set(datetime.combine(local_today, time(9, 0), tzinfo=ZoneInfo(shop.timezone)))
    if not approval:
        shop.settings = {"bouquet_approval": {"enabled": False}}
        await shop.save()
    world = World(runtime=runtime, harness=harness, telegram=telegram, clock=clock, shop=shop)
    people = {
        "owner": (Role.OWNER, "Aigerim", 7_000_001),
        "florist": (Role.FLORIST, "Dana", 7_000_002),
        "courier": (Role.COURIER, "Erlan Bekov", 7_000_003),
        "cashier": (Role.CASHIER, "Saule", 7_000_004),
    }
    for key, (role, name, telegram_id) in people.items():
        user = await make_member(shop, role, name=name)
        world.users[key] = user
        person = harness.user(
            user_id=telegram_id, first_name=name, language_code="en", phone=user.phone
        )
        world.private[key] = person
        world.group[key] = harness.group_member(
            STAFF_CHAT, user_id=telegram_id, first_name=name, language_code="en"
        )
        await person.send("/staff")
        await person.share_contact()
    world.customer = harness.user(user_id=CUSTOMER_TG, first_name="Айгуль", language_code="en")
    await world.group["owner"].send("/link_staff_chat")
    rose = await make_stock_item(shop, name="Red rose", quantity=stock)
    product = await make_product(shop, name="Bouquet of 9 roses", price=25000)
    await ProductComponent.create(product=product, stock_item=rose, quantity=Decimal(9))
    world.product_id = product.id
    return world


async def pending_rows() -> list[OutboxEvent]:
    return await OutboxEvent.filter(status=OutboxStatus.PENDING).order_by("id")
