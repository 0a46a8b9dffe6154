"""A customer's chats are addresses (channel, external id): one person is one customer
per shop across messengers, found by their phone; migration 0007 moved the Telegram and
WhatsApp ids of existing customers into addresses."""

from __future__ import annotations

from pathlib import Path

from tortoise import Tortoise

from core.customers import (
    chat_addresses,
    customer_by_address,
    customer_for_chat,
    customers_of_address,
    link_chat,
)
from core.db import apply_migrations, tortoise_config
from core.models import Customer, CustomerChat, ImportantDate
from core.ports.chat import ChannelName, ChatAddress
from core.storefront import recognise
from tests.conftest import migrated_sqlite, run_in_thread
from tests.factories import make_customer, make_shop

TELEGRAM = ChatAddress(ChannelName.TELEGRAM, "555")
WHATSAPP = ChatAddress(ChannelName.WHATSAPP, "77011234567")


async def test_a_whatsapp_message_and_a_telegram_contact_find_the_same_customer(db: str) -> None:
    shop = await make_shop()
    customer, created = await customer_for_chat(
        shop_id=shop.id, address=WHATSAPP, phone="+77011234567", name="Айгерим"
    )
    assert created
    assert await recognise(shop_id=shop.id, address=TELEGRAM, phone="+77011234567") == customer
    assert await chat_addresses(customer_id=customer.id) == [WHATSAPP, TELEGRAM]
    assert await customer_by_address(shop_id=shop.id, address=TELEGRAM) == customer
    assert await Customer.filter(shop=shop).count() == 1
    # A phone new to the shop registers nobody before an order does.
    stranger = ChatAddress(ChannelName.TELEGRAM, "777")
    assert await recognise(shop_id=shop.id, address=stranger, phone="+77019998877") is None
    assert await Customer.filter(shop=shop).count() == 1


async def test_an_address_is_one_person_per_shop_and_moves_to_the_newer_one(db: str) -> None:
    shop, other_shop = await make_shop(), await make_shop("Другой")
    first = await make_customer(shop=shop, phone="+77011234567", telegram=555)
    second = await make_customer(shop=shop, phone="+77017654321")
    elsewhere = await make_customer(shop=other_shop, phone="+77011234567", telegram=555)
    assert await link_chat(shop_id=shop.id, customer_id=second.id, address=TELEGRAM)
    assert not await link_chat(shop_id=shop.id, customer_id=second.id, address=TELEGRAM)
    assert await chat_addresses(customer_id=first.id) == []
    assert await chat_addresses(customer_id=second.id) == [TELEGRAM]
    # The other shop's customer keeps the same chat: shops do not share customers.
    assert await chat_addresses(customer_id=elsewhere.id) == [TELEGRAM]
    assert {c.id for c in await customers_of_address(address=TELEGRAM)} == {
        second.id,
        elsewhere.id,
    }


async def test_deleting_a_customer_forgets_their_chats(db: str) -> None:
    shop = await make_shop()
    customer = await make_customer(shop=shop, phone="+77011234567", telegram=555, whatsapp="7701")
    await customer.delete()
    assert await CustomerChat.all().count() == 0


def test_the_migration_moves_telegram_and_whatsapp_ids_into_addresses(tmp_path: Path) -> None:
    # A database as it was before 0007 (migrated up to 0006 once per schema, and copied).
    url = migrated_sqlite(tmp_path / "old.sqlite3", target="0006_idempotency_records")

    async def before() -> None:
        await Tortoise.init(config=tortoise_config(url))
        connection = Tortoise.get_connection("default")
        await connection.execute_script(
            "INSERT INTO shops (id, name, slug, timezone, currency, locale, settings, is_active,"
            " created_at, updated_at) VALUES (1, 'S', 's', 'Asia/Almaty', 'KZT', 'ru', '{}', 1,"
            " '2026-01-01', '2026-01-01');"
            "INSERT INTO customers (id, shop_id, phone, name, client_type, language, public_id,"
            " telegram_user_id, telegram_chat_id, whatsapp_id, created_at, updated_at) VALUES"
            " (1, 1, '+77011111111', 'A', 'both', 'ru', 'a1', 555, 555, '77011111111',"
            " '2026-01-01', '2026-01-01'),"
            " (2, 1, '+77012222222', 'B', 'both', 'ru', 'b2', NULL, 666, NULL,"
            " '2026-01-01', '2026-01-01'),"
            " (3, 1, '+77013333333', 'C', 'both', 'ru', 'c3', 555, 555, NULL,"
            " '2026-01-01', '2026-02-01'),"
            " (4, 1, '+77014444444', 'D', 'both', 'ru', 'd4', NULL, NULL, NULL,"
            " '2026-01-01', '2026-01-01');"
            "INSERT INTO important_dates (id, shop_id, customer_id, date_type, date, description,"
            " reminder_days, created_at, updated_at) VALUES (1, 1, 1, 'birthday', '1990-05-15',"
            " '', 3, '2026-01-01', '2026-01-01');"
        )
        await Tortoise.close_connections()

    async def after() -> list[tuple[int, str, str]]:
        await apply_migrations(url)
        await Tortoise.init(config=tortoise_config(url))
        try:
            # Nothing that refers to a customer is lost on the way (SQLite drops the
            # columns in place rather than rebuilding the table).
            assert await ImportantDate.filter(customer_id=1).count() == 1
            rows = await CustomerChat.all().order_by("customer_id", "channel")
            return [(r.customer_id, r.channel, r.external_id) for r in rows]  # type: ignore[attr-defined]
        finally:
            await Tortoise.close_connections()

    run_in_thread(before)
    # 555 was on two customers: the more recently changed one (3) keeps it.
    assert run_in_thread(after) == [
        (1, "whatsapp", "77011111111"),
        (2, "telegram", "666"),
        (3, "telegram", "555"),
    ]
