"""Customers read product names and descriptions in their language (core.catalog_texts):
the Telegram catalog card, the cart and the order's lines; the WhatsApp catalog list
and what it says when a product is added. Without a translation in the reader's
language the shop's language is used, then the product's own name."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Customer, Shop
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.bot.conftest import BotHarness
from tests.bot.test_shop_dialogue import clock, graph, settings_overrides  # noqa: F401
from tests.factories import make_product, make_shop
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeGraph, WhatsAppCustomer

KK_ROSES = {"name": "Қызыл раушандар", "description": "Жиырма бес қызыл раушан"}
WA_ID = "77011234567"
PHONE = "+77011234567"


@pytest.fixture
async def shop(runtime: Runtime) -> Shop:
    shop = await make_shop("Гүлдер", slug="gulder", locale="ru")
    await make_product(
        shop,
        "Красные розы",
        price=25000,
        description="25 красных роз",
        is_popular=True,
        translations={"kk": KK_ROSES},
    )
    await make_product(shop, "Тюльпаны", price=12000, description="Девять тюльпанов")
    return shop


async def test_a_kazakh_customer_sees_kazakh_names_and_russian_where_there_are_none(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    user = bot_harness.user(language_code="kk")
    await user.send("/start shop_gulder")
    await user.press("Каталог")
    await user.press("Гүл шоқтары")
    assert user.last_text == "Қызыл раушандар\n\n25\xa0000 ₸\n\nЖиырма бес қызыл раушан"
    await user.press("Себетке қосу")
    popup = telegram.calls_of("answerCallbackQuery")[-1].params["text"]
    assert "Қызыл раушандар × 1" in popup
    await user.press("▶️")
    # No Kazakh texts for the tulips: the shop's own (Russian) name and description.
    assert user.last_text == "Тюльпаны\n\n12\xa0000 ₸\n\nДевять тюльпанов"
    await user.send("/cart")
    assert "• Қызыл раушандар × 1" in user.last_text
    assert "Қызыл раушандар × 1" in user.last().button_texts()


async def test_a_russian_customer_sees_the_shops_own_names(
    bot_harness: BotHarness, shop: Shop
) -> None:
    user = bot_harness.user(language_code="ru")
    await user.send("/start shop_gulder")
    await user.press("Каталог")
    await user.press("Букеты")
    assert user.last_text.startswith("Красные розы\n\n")
    assert user.last_text.endswith("25 красных роз")


async def test_without_the_readers_language_the_shops_language_is_used(
    bot_harness: BotHarness, runtime: Runtime
) -> None:
    shop = await make_shop("Гүл үйі", slug="gul-uyi", locale="kk")
    await make_product(shop, "Розы", price=25000, translations={"kk": KK_ROSES})
    user = bot_harness.user(language_code="en")
    await user.send("/start shop_gul-uyi")
    await user.press("Catalog")
    await user.press("Bouquets")
    assert user.last_text.startswith("Қызыл раушандар\n\n")
    assert user.last_text.endswith("Жиырма бес қызыл раушан")


async def test_whatsapp_list_rows_are_in_the_customers_language(
    api: TestClient,
    graph: FakeGraph,  # noqa: F811 - the fixture imported above
    runtime: Runtime,
    shop: Shop,
) -> None:
    await Customer.create(shop=shop, phone=PHONE, name="Aigerim", language="kk")
    # Four products: more than WhatsApp's three reply buttons, so a list.
    await make_product(shop, "Пионы", price=30000, translations={"kk": {"name": "Пиондар"}})
    await make_product(shop, "Лилии", price=18000)

    async def post(raw: bytes, headers: dict[str, str]) -> Any:
        response = await api.post("/api/v1/webhooks/whatsapp", data=raw, headers=headers)
        assert response.status == 200, await response.text()
        worker = build_outbox_worker(runtime)
        for _ in range(12):
            if not await worker.run_once():
                break
        return await response.json()

    customer = WhatsAppCustomer(graph, post, wa_id=WA_ID, name="Aigerim")
    await customer.send("сәлем")
    await customer.press("🌸 Каталог")
    rows = graph.messages(to=WA_ID)[-1].rows()
    assert [row["title"] for row in rows] == ["Қызыл раушандар", "Лилии", "Пиондар", "Тюльпаны"]
    await customer.press("Қызыл раушандар")
    assert "Қызыл раушандар × 1" in graph.messages(to=WA_ID)[-1].text
