"""The shop chat (core.flows.shop_chat) on WhatsApp, on both stacks: the customer's
messages go through the signed webhook, the shop's answers out through the outbox, the
real Graph client and the fake Graph server. The dialogue is a table of (what the
customer does, what the shop answers), with a wrong answer at every checkout step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.customers import chat_addresses
from core.models import Customer, DeliveryMethod, Order, Shop
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.factories import make_product, make_shop
from tests.fakes.whatsapp import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERSION,
    FakeGraph,
    WhatsAppCustomer,
)

WA_ID = "77011234567"
NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 10:00 in Almaty

# (what the customer does, a text every answer of the shop to it contains some of).
CHECKOUT: list[tuple[tuple[str, str], tuple[str, ...]]] = [
    (("send", "hi"), ("What would you like to do?",)),
    (("press", "🌸 Catalog"), ("Choose a section:",)),
    (("press", "Roses"), ("Added to the cart: Roses × 1",)),
    (("press", "✅ Checkout"), ("Who will receive the order?",)),
    (("send", "12345"), ("That looks like a number, not a name", "Who will receive")),
    (("send", "Asel"), ("Send the recipient's phone number",)),
    (("send", "no phone"), ("That is not a phone number we can call", "recipient's phone")),
    (("send", "+7 701 765 43 21"), ("Delivery or pickup?",)),
    (("send", "deliver it"), ("Please choose one of the buttons.", "Delivery or pickup?")),
    (("press", "🚚 Delivery"), ("Send the delivery address",)),
    (("photo", ""), ("Please send the address as text or share a location.", "delivery address")),
    (("send", "Abay 10, flat 5"), ("Which day?",)),
    (("send", "31.02"), ("I could not read the date", "Which day?")),
    (("press", "10.03"), ("Which time window on 10.03?",)),
    (("send", "25:00-26:00"), ("Please choose a time window with the buttons.", "10.03")),
    (("press", "12:00-15:00"), ("Text for the greeting card?",)),
    (("photo", ""), ("Please send the card text as a message", "greeting card")),
    (("send", "Happy birthday!"), ("Total: 25,000 ₸", "Is everything right?")),
    (("send", "yes"), ("Please confirm the order or cancel it.", "Is everything right?")),
    (("press", "✅ Confirm the order"), ("Thank you! Your order #",)),
]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def graph(clock: FrozenClock) -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(clock=clock, enforce_window=True)
    fake.add_number(PHONE_NUMBER_ID, TOKEN)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings_overrides(graph: FakeGraph) -> dict[str, Any]:
    return {
        "whatsapp_api_base": graph.base_url,
        "whatsapp_api_version": VERSION,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_token": TOKEN,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_dialogue": True,
    }


@pytest.fixture
async def shop(runtime: Runtime) -> Shop:
    shop = await make_shop("Flowers", slug="flowers", locale="en")
    await make_product(shop, "Roses", price=25000)
    # Known to the shop already (its language remembered), not yet on WhatsApp.
    await Customer.create(shop=shop, phone="+77011234567", name="Aigerim", language="en")
    return shop


@pytest.fixture
def customer(api: TestClient, graph: FakeGraph, runtime: Runtime) -> WhatsAppCustomer:
    async def post(raw: bytes, headers: dict[str, str]) -> Any:
        response = await api.post("/api/v1/webhooks/whatsapp", data=raw, headers=headers)
        assert response.status == 200, await response.text()
        worker = build_outbox_worker(runtime)
        for _ in range(8):  # one row of a customer per round
            if not await worker.run_once():
                break
        return await response.json()

    return WhatsAppCustomer(graph, post, wa_id=WA_ID, name="Aigerim")


async def act(customer: WhatsAppCustomer, graph: FakeGraph, do: tuple[str, str]) -> list[str]:
    """Do one thing as the customer; the texts the shop answered with."""
    before = len(graph.messages(to=WA_ID))
    kind, value = do
    if kind == "send":
        await customer.send(value)
    elif kind == "press":
        await customer.press(value)
    else:
        await customer.send_photo()
    return [call.text for call in graph.messages(to=WA_ID)[before:]]


async def test_a_whatsapp_customer_goes_from_hi_to_a_confirmed_order(
    shop: Shop, customer: WhatsAppCustomer, graph: FakeGraph
) -> None:
    for do, expected in CHECKOUT:
        answers = await act(customer, graph, do)
        said = "\n".join(answers)
        for part in expected:
            assert part in said, f"{do}: {part!r} not in {answers!r}"
    order = await Order.get(shop=shop)
    assert order.channel == "whatsapp"
    assert (order.recipient_name, order.recipient_phone) == ("Asel", "+77017654321")
    assert order.delivery_method == DeliveryMethod.DELIVERY
    assert (order.address, order.card_text, order.delivery_time_range) == (
        "Abay 10, flat 5",
        "Happy birthday!",
        "12:00-15:00",
    )
    buyer = await Customer.get(id=order.customer_id)  # type: ignore[attr-defined]
    assert buyer.phone == "+77011234567"  # never asked: the WhatsApp id is the phone
    assert await chat_addresses(customer_id=buyer.id) == [ChatAddress(ChannelName.WHATSAPP, WA_ID)]
    # The choices fit WhatsApp: at most 3 buttons, titles within 20/24 characters.
    for call in graph.messages(to=WA_ID):
        assert len(call.buttons()) <= 3
        assert all(len(b["title"]) <= 20 for b in call.buttons())
        assert all(len(r["title"]) <= 24 for r in call.rows())

    answers = await act(customer, graph, ("press", "📦 My orders"))
    assert f"Order #{order.number}" in "\n".join(answers)


async def test_a_repeated_delivery_of_a_message_is_answered_once(
    shop: Shop, customer: WhatsAppCustomer, graph: FakeGraph
) -> None:
    delivery = graph.text(WA_ID, "hi", message_id="wamid.HI")
    await customer.deliver(delivery)
    await customer.deliver(delivery)
    assert graph.texts(WA_ID) == ["What would you like to do?"]
