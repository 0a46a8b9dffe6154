"""Product names in the reader's language outside the catalog cards: the channel-neutral
shop chat's cart and checkout summary (core.flows.shop_chat), a reorder's "no longer
sold" names, the assistant's catalog search and order details; the shop's own name
where there is no translation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

from core import catalog, storefront
from core.assistant import tools
from core.catalog_texts import product_text
from core.clock import FrozenClock
from core.db import apply_migrations, tortoise_config
from core.flows import shop_chat
from core.models import Customer, Product
from core.orders.service import ItemRequest, place_order
from core.ports.chat import ChannelName, ChatAddress
from tests.conftest import run_in_thread
from tests.factories import give_chats, make_product, make_shop


@pytest.mark.usefixtures("db")
async def test_cart_and_checkout_summary_are_in_the_readers_language() -> None:
    shop = await make_shop("Гүлдер", locale="ru")
    roses = await make_product(
        shop, "Красные розы", price=25000, translations={"kk": {"name": "Қызыл раушандар"}}
    )
    tulips = await make_product(shop, "Тюльпаны", price=9000)
    session = shop_chat.Session(cart={str(roses.id): 2, str(tulips.id): 1})

    def turn(language: str) -> shop_chat.Turn:
        return shop_chat.Turn(
            shop,
            ChatAddress(ChannelName.WHATSAPP, "77011234567"),
            session,
            language,
            "+77011234567",
            "Айгуль",
            FrozenClock(datetime(2026, 3, 10, 5, 0, tzinfo=UTC)),
        )

    kazakh = turn("kk")
    await shop_chat.show_cart(kazakh)
    [cart] = kazakh.replies
    assert "• Қызыл раушандар × 2" in cart.text and "• Тюльпаны × 1" in cart.text

    session.data = {
        "id": "c1",
        "phone": "+77011234567",
        "method": "pickup",
        "recipient_name": "Айгуль",
        "recipient_phone": "+77011234567",
        "day": "2026-03-11",
        "window": "09:00-12:00",
    }
    summary = turn("kk")
    await shop_chat.ask_confirm(summary)
    text = summary.replies[-1].text
    assert "• Қызыл раушандар × 2" in text and "• Тюльпаны × 1" in text

    russian = turn("ru")
    await shop_chat.ask_confirm(russian)
    assert "• Красные розы × 2" in russian.replies[-1].text


@pytest.mark.usefixtures("db")
async def test_a_reorder_names_what_is_no_longer_sold_as_it_was_sold() -> None:
    shop = await make_shop("Гүлдер", locale="ru")
    roses = await make_product(
        shop, "Красные розы", price=25000, translations={"kk": {"name": "Қызыл раушандар"}}
    )
    order = await place_order(
        shop_id=shop.id,
        customer_phone="+77011234567",
        items=[ItemRequest(roses.id, 2)],
        language="kk",
    )
    await give_chats(await Customer.get(id=order.customer_id), whatsapp="77011234567")  # type: ignore[attr-defined]
    # Renamed and taken off sale since.
    roses.name, roses.translations, roses.is_active = "Розы", {"kk": {"name": "Раушан"}}, False
    await roses.save()
    address = ChatAddress(ChannelName.WHATSAPP, "77011234567")
    again = await storefront.reorder(address=address, order_id=order.id, language="kk")
    assert again.skipped == ["Қызыл раушандар"] and again.cart == {}
    again = await storefront.reorder(address=address, order_id=order.id, language="en")
    assert again.skipped == ["Красные розы"]  # no English name: the shop's own, as sold


@pytest.mark.usefixtures("db")
async def test_the_assistant_names_products_and_order_items_in_the_customers_language() -> None:
    shop = await make_shop("Гүлдер", locale="ru")
    roses = await make_product(
        shop, "Красные розы", price=25000, translations={"kk": {"name": "Қызыл раушандар"}}
    )
    order = await place_order(
        shop_id=shop.id, customer_phone="+77011234567", items=[ItemRequest(roses.id, 1)]
    )
    kazakh = tools.Scope.customer(shop, order.customer_id, "kk")  # type: ignore[attr-defined]
    found = await tools.search_catalog(kazakh, {"query": "розы"})
    assert [p["name"] for p in found["products"]] == ["Қызыл раушандар"]
    # Asked in Kazakh: found by its Kazakh name.
    found = await tools.search_catalog(kazakh, {"query": "раушандар бар ма?"})
    assert [p["name"] for p in found["products"]] == ["Қызыл раушандар"]
    assert (await tools.search_catalog(kazakh, {"query": "қызғалдақ"}))["products"] == []
    details = await tools.order_details(kazakh, order)
    assert details["items"] == [{"name": "Қызыл раушандар", "quantity": 1}]
    russian = tools.Scope.customer(shop, order.customer_id, "ru")  # type: ignore[attr-defined]
    assert (await tools.order_details(russian, order))["items"][0]["name"] == "Красные розы"


def test_migration_0014_keeps_the_products_already_there(tmp_path: Path) -> None:
    """A shop's existing catalog survives the migration that adds translations:
    they read with none (the shop's own names), and a translation can be given then."""
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"

    async def before() -> None:
        await migrate(config=tortoise_config(url), target="models.0007_chat_addresses")
        await Tortoise.get_connection("default").execute_script(
            "INSERT INTO shops (id, name, slug, timezone, currency, locale, settings, is_active,"
            " created_at, updated_at) VALUES (1, 'S', 's', 'Asia/Almaty', 'KZT', 'ru', '{}', 1,"
            " '2026-01-01', '2026-01-01');"
            "INSERT INTO products (id, shop_id, kind, name, price, tax_rate, unit, is_active,"
            " is_popular, is_new, product_type, images, sizes, created_at, updated_at) VALUES"
            " (1, 1, 'bouquet', 'Розы', 100, 0, 'pcs', 1, 0, 0, 'catalog', '[]', '[]',"
            " '2026-01-01', '2026-01-01');"
        )
        await Tortoise.close_connections()

    async def after() -> tuple[str, str, dict]:
        await apply_migrations(url)
        await Tortoise.init(config=tortoise_config(url))
        try:
            product = await Product.get(id=1)
            old = product_text(product, "kk", "ru").name
            await catalog.update_product(
                shop_id=1, product_id=1, changes={"translations": {"kk": {"name": "Раушан"}}}
            )
            product = await Product.get(id=1)
            return old, product_text(product, "kk", "ru").name, product.translations
        finally:
            await Tortoise.close_connections()

    run_in_thread(before)
    assert run_in_thread(after) == (
        "Розы",
        "Раушан",
        {"kk": {"name": "Раушан", "description": None}},
    )
