"""The per-test database: every test starts on an empty, migrated database whose ids
start at 1, however the previous test left it (the reset is what keeps tests apart)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from tortoise import Tortoise

from core.db import close_db
from core.models import Customer, Order, Shop
from tests.conftest import open_database
from tests.factories import make_customer, make_member, make_shop


async def _fill() -> None:
    shop = await make_shop()
    await make_member(shop)
    customer = await make_customer(shop=shop, phone="+77011234567", telegram=555)
    await Order.create(shop=shop, customer=customer, number=1, tracking_token=secrets.token_hex(8))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_each_test_gets_an_empty_database_with_ids_from_one(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    (tmp_path / "first").mkdir()
    await open_database(kind, request, tmp_path / "first")
    try:
        await _fill()
        await _fill()
        assert await Shop.all().count() == 2
    finally:
        await close_db()
    (tmp_path / "second").mkdir()
    await open_database(kind, request, tmp_path / "second")
    try:
        connection = Tortoise.get_connection("default")
        tables = await connection.execute_query_dict(
            "SELECT name AS tablename FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name <> 'tortoise_migrations'"
            if kind == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'tortoise_migrations'"
        )
        assert len(tables) > 30
        for row in tables:
            rows = await connection.execute_query_dict(
                f'SELECT COUNT(*) AS n FROM "{row["tablename"]}"'
            )
            assert rows[0]["n"] == 0, row["tablename"]
        applied = await connection.execute_query_dict(
            "SELECT COUNT(*) AS n FROM tortoise_migrations"
        )
        assert applied[0]["n"] > 0
        await _fill()
        assert [shop.id for shop in await Shop.all()] == [1]
        assert [customer.id for customer in await Customer.all()] == [1]
        assert [order.id for order in await Order.all()] == [1]
    finally:
        await close_db()
