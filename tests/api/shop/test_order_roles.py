"""Status moves over REST follow the same role table as the bot's buttons."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.models import Order, OrderStatus, OrderStatusEvent, Role
from core.orders.service import place_order
from core.runtime import Runtime
from tests.factories import auth, make_member, make_shop, token_for


async def test_a_courier_may_not_mark_an_order_paid_but_a_cashier_may(
    api: TestClient, runtime: Runtime
) -> None:
    shop = await make_shop()
    courier = await make_member(shop, Role.COURIER)
    cashier = await make_member(shop, Role.CASHIER)
    order = await place_order(shop_id=shop.id, flower_sum=5000)
    path = f"/api/orders/{order.id}/status"

    refused = await api.patch(
        path, json={"status": "paid"}, headers=auth(token_for(runtime, courier, shop, Role.COURIER))
    )
    assert refused.status == 403
    assert set(await refused.json()) == {"detail"}
    assert (await Order.get(id=order.id)).status is OrderStatus.NEW
    assert await OrderStatusEvent.filter(order_id=order.id).count() == 1

    allowed = await api.patch(
        path, json={"status": "paid"}, headers=auth(token_for(runtime, cashier, shop, Role.CASHIER))
    )
    assert allowed.status == 200
    assert (await Order.get(id=order.id)).status is OrderStatus.PAID


async def test_an_impossible_move_is_still_a_400_naming_the_allowed_statuses(
    api: TestClient, runtime: Runtime
) -> None:
    shop = await make_shop()
    courier = await make_member(shop, Role.COURIER)
    order = await place_order(shop_id=shop.id, flower_sum=5000)
    response = await api.patch(
        f"/api/orders/{order.id}/status",
        json={"status": "delivered"},
        headers=auth(token_for(runtime, courier, shop, Role.COURIER)),
    )
    assert response.status == 400
    assert "paid" in (await response.json())["detail"]
