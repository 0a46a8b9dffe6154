"""`sauda demo` loads a consistent shop on both databases, refreshes the same shop when
run again, and its pictures are ours: served by us, so they load with the network off."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from core.models import (
    ApiKey,
    Membership,
    Order,
    OrderItem,
    OrderPhoto,
    OrderStatus,
    Product,
    Shop,
    StockItem,
)
from core.stock import ledger_balance
from sauda.demo import load_demo

BASE = "http://localhost:8000"


@pytest.mark.usefixtures("db")
async def test_demo_shop_has_catalog_stock_customers_and_orders(tmp_path: Path) -> None:
    demo = await load_demo(data_dir=tmp_path, public_base_url=BASE)
    shop = demo.shop
    assert shop.slug == "demo"
    assert await Product.filter(shop_id=shop.id).count() == 5
    statuses = {o.status for o in await Order.filter(shop_id=shop.id)}
    assert statuses == {
        OrderStatus.NEW,
        OrderStatus.PAID,
        OrderStatus.ASSEMBLED,
        OrderStatus.DELIVERED,
    }
    for item in await StockItem.filter(shop_id=shop.id):
        assert item.quantity == await ledger_balance(item.id)
    white = await StockItem.get(shop_id=shop.id, name="Роза белая 50 см")
    assert white.quantity == 150 - 11
    assert [status for status, _ in demo.tracking] == [
        OrderStatus.NEW,
        OrderStatus.PAID,
        OrderStatus.ASSEMBLED,
        OrderStatus.DELIVERED,
    ]
    assert demo.api_key.startswith("sk_")
    # Every bouquet reads in Kazakh, Uzbek and English too, and its orders keep the names.
    for product in await Product.filter(shop_id=shop.id):
        assert set(product.translations) == {"kk", "uz", "en"}, product.name
    classic = await OrderItem.filter(
        order__shop_id=shop.id, product_name="Букет роз 'Классика'"
    ).first()
    assert classic is not None and classic.product_names is not None
    assert classic.product_names["kk"] == "«Классика» раушан гүл шоғы"


@pytest.mark.usefixtures("db")
async def test_a_second_demo_refreshes_the_same_shop(tmp_path: Path) -> None:
    first = await load_demo(data_dir=tmp_path, public_base_url=BASE)
    second = await load_demo(data_dir=tmp_path, public_base_url=BASE)
    assert await Shop.all().count() == 1
    assert second.shop.id == first.shop.id and second.shop.slug == "demo"
    assert await Product.filter(shop_id=second.shop.id).count() == 5
    assert await Order.filter(shop_id=second.shop.id).count() == 4
    assert await ApiKey.filter(shop_id=second.shop.id, name="demo").count() == 1
    assert await Membership.filter(shop_id=second.shop.id).count() == 4
    white = await StockItem.get(shop_id=second.shop.id, name="Роза белая 50 см")
    assert white.quantity == 150 - 11


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_demo_pictures_are_served_by_us(api: TestClient, runtime, tmp_path: Path) -> None:
    demo = await load_demo(data_dir=runtime.settings.data_dir, public_base_url="")
    for product in await Product.filter(shop_id=demo.shop.id):
        assert product.image_url and product.image_url.startswith("/static/demo/")
        response = await api.get(product.image_url)
        assert response.status == 200 and response.content_type == "image/jpeg"
        assert len(await response.read()) > 5000
    delivered = await Order.get(shop_id=demo.shop.id, status=OrderStatus.DELIVERED)
    photos = await OrderPhoto.filter(order_id=delivered.id)
    assert {p.kind for p in photos} == {"assembled", "delivered"}
    page = await api.get(f"/tracking/{delivered.tracking_token}")
    assert page.status == 200
    html = await page.text()
    assert all(p.url in html for p in photos)
