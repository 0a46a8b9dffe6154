"""The customer dialogue is ONE table of (what the customer does, what the shop
answers), run through both channels on both stacks (SQLite + in-process store,
PostgreSQL + Redis):

- Telegram: the real aiogram Bot and Dispatcher against the fake Bot API (the
  checkout rendered by bot.routers.customer.checkout);
- WhatsApp: the signed webhook in, the outbox, the real Graph client over HTTP and the
  fake Graph server on loopback out (bot.whatsapp.dialogue, on by default).

Both run the same flow table (core.flows.shop_chat.STEPS): the same questions, choices
and validators, a wrong answer at every step re-asked. The rows before the checkout
differ (Telegram's catalog is its own; WhatsApp says "hi"), and Telegram asks its own
contact where WhatsApp knows the phone: those rows name their channel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.actions import telegram_address
from core.clock import FrozenClock
from core.customers import chat_addresses
from core.models import Customer, DateType, DeliveryMethod, ImportantDate, Order, Shop
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.bot.conftest import BotHarness
from tests.factories import make_product, make_shop
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram, TelegramUser
from tests.fakes.whatsapp import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERSION,
    FakeGraph,
    WhatsAppCustomer,
)

WA_ID = "77011234567"
PHONE = "+77011234567"
NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
TG, WA = "telegram", "whatsapp"
BOTH = (TG, WA)

# (the channels of the row, what the customer does, texts the shop's answer contains).
DIALOGUE: list[tuple[tuple[str, ...], tuple[str, str], tuple[str, ...]]] = [
    ((WA,), ("send", "hi"), ("What would you like to do?",)),
    ((WA,), ("press", "Catalog"), ("Choose a section:",)),
    ((WA,), ("press", "Roses"), ("Added to the cart: Roses × 1",)),
    ((TG,), ("send", "/start shop_flowers"), ("Welcome to Flowers",)),
    ((TG,), ("press", "Catalog"), ()),
    ((TG,), ("press", "Bouquets"), ("Roses",)),
    ((TG,), ("press", "Add to cart"), ("Added to the cart: Roses × 1",)),
    ((TG,), ("press", "Cart"), ("• Roses × 1",)),
    ((TG,), ("press", "Checkout"), ("share your phone number",)),
    ((TG,), ("photo", ""), ("Please use the button below to share your phone number.",)),
    ((TG,), ("contact", ""), ("Who will receive the order?",)),
    ((WA,), ("press", "Checkout"), ("Who will receive the order?",)),
    # From here on both channels walk the same table.
    (BOTH, ("send", "12345"), ("That looks like a number, not a name", "Who will receive")),
    (BOTH, ("photo", ""), ("Please send the recipient's name as text.", "Who will receive")),
    (BOTH, ("send", "Asel"), ("Send the recipient's phone number",)),
    (BOTH, ("send", "no phone"), ("That is not a phone number we can call", "recipient's phone")),
    (BOTH, ("send", "+7 701 765 43 21"), ("Delivery or pickup?",)),
    (BOTH, ("send", "deliver it"), ("Please choose one of the buttons.", "Delivery or pickup?")),
    (BOTH, ("press", "Delivery"), ("Send the delivery address",)),
    (BOTH, ("photo", ""), ("Please send the address as text or share a location.", "address")),
    (BOTH, ("send", "."), ("The address is empty or too short.", "delivery address")),
    (BOTH, ("send", "Abay 10, flat 5"), ("Which day?",)),
    (BOTH, ("send", "31.02"), ("I could not read the date", "Which day?")),
    (BOTH, ("send", "01.01.2020"), ("That day has already passed.", "Which day?")),
    (BOTH, ("press", "Tomorrow"), ("Which time window on Wed, 11 March?",)),
    (BOTH, ("send", "25:00-26:00"), ("Please choose a time window with the buttons.", "11 March")),
    (BOTH, ("press", "It's me"), ("This button is no longer active.", "Which time window")),
    (BOTH, ("press", "12:00-15:00"), ("Text for the greeting card?",)),
    (BOTH, ("photo", ""), ("Please send the card text as a message", "greeting card")),
    (BOTH, ("send", "Happy birthday!"), ("Is it a special occasion?",)),
    (BOTH, ("send", "birthday"), ("Please choose one of the buttons.", "special occasion")),
    (BOTH, ("press", "Birthday"), ("When is the birthday?",)),
    (BOTH, ("send", "31.02"), ("I could not read that date.", "When is the birthday?")),
    (
        BOTH,
        ("send", "15.05"),
        (
            "Recipient: Asel, +77017654321",
            "Delivery to: Abay 10, flat 5",
            "When: Wed, 11 March, 12:00-15:00",
            "Total: 25,000 ₸",
            "We will remember: Birthday, 15.05",
            "Is everything right?",
        ),
    ),
    (BOTH, ("send", "yes"), ("Please confirm the order or cancel it.", "Is everything right?")),
    (
        BOTH,
        ("press", "Confirm"),
        ("Thank you! Your order #", "We will remind you a few days before 15.05."),
    ),
    (BOTH, ("press", "Confirm"), ("This checkout is already finished.",)),
]


@dataclass
class Chat:
    """One customer on one channel: `do` performs a row's action and returns every text
    the shop answered with (messages, and popups on Telegram)."""

    channel: str
    do: Callable[[tuple[str, str]], Awaitable[list[str]]]
    address: ChatAddress


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
def settings_overrides(telegram: FakeTelegram, graph: FakeGraph) -> dict[str, Any]:
    # No WHATSAPP_DIALOGUE here: the shop chat answers WhatsApp by default.
    return {
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base": telegram.base_url,
        "whatsapp_api_base": graph.base_url,
        "whatsapp_api_version": VERSION,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_token": TOKEN,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
    }


@pytest.fixture
async def shop(runtime: Runtime) -> Shop:
    shop = await make_shop("Flowers", slug="flowers", locale="en")
    await make_product(shop, "Roses", price=25000)
    # Known to the shop already (its language remembered), on no messenger yet.
    await Customer.create(shop=shop, phone=PHONE, name="Aigerim", language="en")
    return shop


def telegram_chat(harness: BotHarness, telegram: FakeTelegram) -> Chat:
    user: TelegramUser = harness.user(first_name="Aigerim", language_code="en", phone=PHONE)

    async def do(step: tuple[str, str]) -> list[str]:
        before = len(telegram.calls)
        kind, value = step
        if kind == "send":
            await user.send(value)
        elif kind == "press":
            await user.press(value)
        elif kind == "contact":
            await user.share_contact()
        else:
            await user.send_photo()
        said = []
        for call in telegram.calls[before:]:
            if not call.ok:
                continue
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                said.append(str(call.params["text"]))
            elif call.chat_id == user.id and call.text and call.method != "sendChatAction":
                said.append(call.text)
        return said

    return Chat(TG, do, telegram_address(user.id))


def whatsapp_chat(api: TestClient, graph: FakeGraph, runtime: Runtime) -> Chat:
    async def post(raw: bytes, headers: dict[str, str]) -> Any:
        response = await api.post("/api/v1/webhooks/whatsapp", data=raw, headers=headers)
        assert response.status == 200, await response.text()
        worker = build_outbox_worker(runtime)
        for _ in range(12):  # one row of a customer per round
            if not await worker.run_once():
                break
        return await response.json()

    customer = WhatsAppCustomer(graph, post, wa_id=WA_ID, name="Aigerim")

    async def press(label: str) -> None:
        """Press the newest button or list row whose title contains `label`."""
        for call in reversed(graph.messages(to=WA_ID)):
            for button in call.buttons():
                if label in button["title"]:
                    await customer.deliver(graph.button_reply(WA_ID, button["id"], button["title"]))
                    return
            for row in call.rows():
                if label in row["title"]:
                    await customer.deliver(graph.list_reply(WA_ID, row["id"], row["title"]))
                    return
        raise AssertionError(f"no button or row {label!r} was sent to {WA_ID}")

    async def do(step: tuple[str, str]) -> list[str]:
        before = len(graph.messages(to=WA_ID))
        kind, value = step
        if kind == "send":
            await customer.send(value)
        elif kind == "press":
            await press(value)
        else:
            await customer.send_photo()
        return [call.text for call in graph.messages(to=WA_ID)[before:]]

    return Chat(WA, do, ChatAddress(ChannelName.WHATSAPP, WA_ID))


@pytest.fixture(params=BOTH)
def chat(request: pytest.FixtureRequest, runtime: Runtime, shop: Shop) -> Chat:
    if request.param == TG:
        harness = request.getfixturevalue("bot_harness")
        return telegram_chat(harness, request.getfixturevalue("telegram"))
    api = request.getfixturevalue("api")
    return whatsapp_chat(api, request.getfixturevalue("graph"), runtime)


async def test_a_customer_goes_from_hello_to_a_confirmed_order(
    chat: Chat, shop: Shop, graph: FakeGraph
) -> None:
    for channels, step, expected in DIALOGUE:
        if chat.channel not in channels:
            continue
        answers = await chat.do(step)
        said = "\n".join(answers)
        assert answers, f"{chat.channel} {step}: no answer"
        for part in expected:
            assert part in said, f"{chat.channel} {step}: {part!r} not in {answers!r}"

    order = await Order.get(shop=shop)
    assert order.channel == chat.channel
    assert (order.recipient_name, order.recipient_phone) == ("Asel", "+77017654321")
    assert order.delivery_method == DeliveryMethod.DELIVERY
    assert (order.address, order.card_text, order.delivery_time_range) == (
        "Abay 10, flat 5",
        "Happy birthday!",
        "12:00-15:00",
    )
    # One customer: the shop's own, found by the phone (shared in Telegram, the
    # WhatsApp id), never asked on WhatsApp.
    buyer = await Customer.get(shop=shop)
    assert order.customer_id == buyer.id  # type: ignore[attr-defined]
    assert buyer.phone == PHONE
    assert await chat_addresses(customer_id=buyer.id) == [chat.address]
    remembered = await ImportantDate.get(customer_id=buyer.id)
    assert (remembered.date_type, remembered.date) == (DateType.BIRTHDAY, date(2026, 5, 15))
    if chat.channel == WA:
        # The choices fit WhatsApp: at most 3 buttons, titles within 20/24 characters.
        for call in graph.messages(to=WA_ID):
            assert len(call.buttons()) <= 3
            assert all(len(b["title"]) <= 20 for b in call.buttons())
            assert all(len(r["title"]) <= 24 for r in call.rows())
        assert any(
            c.interactive.get("type") == "location_request_message"
            for c in graph.messages(to=WA_ID)
        )


async def test_a_repeated_whatsapp_delivery_is_answered_once(
    runtime: Runtime, shop: Shop, api: TestClient, graph: FakeGraph
) -> None:
    customer_post = WhatsAppCustomer(
        graph, lambda raw, headers: _post(api, runtime, raw, headers), wa_id=WA_ID
    )
    delivery = graph.text(WA_ID, "hi", message_id="wamid.HI")
    await customer_post.deliver(delivery)
    await customer_post.deliver(delivery)
    assert graph.texts(WA_ID) == ["What would you like to do?"]


async def _post(api: TestClient, runtime: Runtime, raw: bytes, headers: dict[str, str]) -> Any:
    response = await api.post("/api/v1/webhooks/whatsapp", data=raw, headers=headers)
    assert response.status == 200, await response.text()
    await build_outbox_worker(runtime).run_once()
    return await response.json()


async def test_the_setting_turns_the_whatsapp_dialogue_off(
    runtime: Runtime, shop: Shop, api: TestClient, graph: FakeGraph
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"whatsapp_dialogue": False})
    customer = WhatsAppCustomer(
        graph, lambda raw, headers: _post(api, runtime, raw, headers), wa_id=WA_ID
    )
    await customer.send("hi")
    assert graph.texts(WA_ID) == []
