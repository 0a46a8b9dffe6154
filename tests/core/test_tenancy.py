"""Shop B cannot read, change or guess shop A's rows: they answer as missing."""

from __future__ import annotations

import pytest

from core.errors import NotFound
from core.models import Customer, Order, OrderStatus
from core.orders.service import change_status, place_order
from core.tenancy import get_owned, scoped
from tests.factories import make_shop

pytestmark = pytest.mark.usefixtures("db")


async def test_another_shops_rows_are_not_found() -> None:
    a, b = await make_shop("A"), await make_shop("B")
    order = await place_order(shop_id=a.id, customer_phone="+77011234567", flower_sum=1000)
    assert (await get_owned(Order, shop_id=a.id, id=order.id)).id == order.id
    with pytest.raises(NotFound) as raised:
        await get_owned(Order, shop_id=b.id, id=order.id)
    missing = pytest.raises(NotFound)
    with missing as raised_missing:
        await get_owned(Order, shop_id=b.id, id=order.id + 1000)
    assert raised.value.detail == raised_missing.value.detail == "Order not found"
    assert await scoped(Customer, b.id).count() == 0


async def test_another_shop_cannot_change_an_order() -> None:
    a, b = await make_shop("A"), await make_shop("B")
    order = await place_order(shop_id=a.id, flower_sum=1000)
    with pytest.raises(NotFound):
        await change_status(shop_id=b.id, order_id=order.id, to=OrderStatus.PAID)
    assert (await Order.get(id=order.id)).status is OrderStatus.NEW


async def test_garbage_ids_are_not_found() -> None:
    a = await make_shop("A")
    for garbage in ("abc", None, "1; drop table orders"):
        with pytest.raises(NotFound):
            await get_owned(Order, shop_id=a.id, id=garbage)
