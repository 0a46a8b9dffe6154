"""The tracking view's cache follows the order, and never stands in the way of a change."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redis.asyncio as redis

from core import tracking
from core.models import Order, OrderStatus
from core.orders.service import change_status, place_order
from tests.factories import make_shop

pytestmark = pytest.mark.usefixtures("db")


async def order_of(shop_id: int) -> Order:
    return await place_order(
        shop_id=shop_id,
        customer_phone="+77011234567",
        customer_name="Айгуль",
        flower_sum=25000,
        address="пр. Достык 89",
    )


async def test_a_change_drops_the_cached_view(kv: object) -> None:
    tracking.register(SimpleNamespace(kv=kv))
    shop = await make_shop()
    order = await order_of(shop.id)
    token = str(order.tracking_token)
    assert (await tracking.cached_tracking(kv=kv, token=token)).status is OrderStatus.NEW
    await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.PAID)
    assert (await tracking.cached_tracking(kv=kv, token=token)).status is OrderStatus.PAID


async def test_an_order_is_saved_while_the_cache_store_is_down() -> None:
    # Nothing listens on port 1: every command to this store fails to connect.
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    tracking.register(SimpleNamespace(kv=down))
    try:
        shop = await make_shop()
        order = await order_of(shop.id)
        await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.PAID)
    finally:
        await down.aclose()
    assert (await Order.get(id=order.id)).status is OrderStatus.PAID


async def test_without_a_runtime_nothing_is_cached_or_dropped() -> None:
    # A runtime of an earlier test registered the plugin; reset (as the test fixture
    # does between tests) leaves no store behind that belongs to a closed event loop.
    tracking.register(SimpleNamespace(kv=object()))
    tracking.reset()
    shop = await make_shop()
    order = await order_of(shop.id)
    await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.PAID)
    assert (await Order.get(id=order.id)).status is OrderStatus.PAID
