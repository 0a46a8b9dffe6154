"""`sauda demo` loads a consistent shop on both databases."""

from __future__ import annotations

import pytest

from core.models import Order, OrderStatus, Product, StockItem
from core.stock import ledger_balance
from sauda.demo import load_demo

pytestmark = pytest.mark.usefixtures("db")


async def test_demo_shop_has_catalog_stock_customers_and_orders() -> None:
    shop = await load_demo()
    assert await Product.filter(shop_id=shop.id).count() == 5
    statuses = {o.status for o in await Order.filter(shop_id=shop.id)}
    assert statuses == {OrderStatus.NEW, OrderStatus.PAID, OrderStatus.ASSEMBLED}
    for item in await StockItem.filter(shop_id=shop.id):
        assert item.quantity == await ledger_balance(item.id)
    white = await StockItem.get(shop_id=shop.id, name="Роза белая 50 см")
    assert white.quantity == 150 - 11
