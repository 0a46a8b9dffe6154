"""The order's own move rules (core.orders.rules) bind every contract, not just the bot:
a bouquet awaiting the customer's approval may not leave the shop, a courier moves only
their own deliveries, and a courier's `delivered` needs a delivery photo."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from core.models import ApprovalStatus, Order, OrderStatus, OrderStatusEvent, Role, Shop
from core.orders.service import change_status, place_order, set_team
from core.runtime import Runtime
from tests.factories import auth, make_member, make_shop, token_for

S = OrderStatus


async def assembled_awaiting_approval(shop: Shop) -> Order:
    order = await place_order(shop_id=shop.id, flower_sum=5000, address="Абая 10")
    await change_status(shop_id=shop.id, order_id=order.id, to=S.IN_PRODUCTION)
    await change_status(shop_id=shop.id, order_id=order.id, to=S.ASSEMBLED)
    await Order.filter(id=order.id).update(approval_status=ApprovalStatus.PENDING)
    return order


async def test_an_order_awaiting_approval_may_not_leave_for_delivery_over_shop_or_crm(
    serve_apps: Callable[[], Awaitable[dict[int, TestClient]]], runtime: Runtime
) -> None:
    clients = await serve_apps()
    shop_api, crm_api = clients[runtime.settings.api_port], clients[runtime.settings.crm_port]
    shop = await make_shop()
    owner = await make_member(shop, Role.OWNER)
    headers = auth(token_for(runtime, owner, shop))
    order = await assembled_awaiting_approval(shop)
    events_before = await OrderStatusEvent.filter(order_id=order.id).count()

    refused = await shop_api.patch(
        f"/api/orders/{order.id}/status", json={"status": "delivery"}, headers=headers
    )
    assert refused.status == 409
    assert "approved the bouquet" in (await refused.json())["detail"]

    refused = await crm_api.put(
        f"/api/orders/{order.id}/status", json={"new_status": "доставлен"}, headers=headers
    )
    assert refused.status == 409
    assert "approved the bouquet" in (await refused.json())["detail"]
    pickup = await shop_api.patch(
        f"/api/orders/{order.id}/status", json={"status": "self_pickup"}, headers=headers
    )
    assert pickup.status == 409

    assert (await Order.get(id=order.id)).status is S.ASSEMBLED
    assert await OrderStatusEvent.filter(order_id=order.id).count() == events_before

    await Order.filter(id=order.id).update(approval_status=ApprovalStatus.APPROVED)
    allowed = await shop_api.patch(
        f"/api/orders/{order.id}/status", json={"status": "delivery"}, headers=headers
    )
    assert allowed.status == 200
    assert (await Order.get(id=order.id)).status is S.IN_DELIVERY


async def test_over_rest_a_courier_moves_only_their_own_delivery_and_delivers_with_a_photo(
    api: TestClient, runtime: Runtime
) -> None:
    shop = await make_shop()
    mine = await make_member(shop, Role.COURIER)
    other = await make_member(shop, Role.COURIER)
    order = await place_order(shop_id=shop.id, flower_sum=5000, address="Абая 10")
    for step in (S.IN_PRODUCTION, S.ASSEMBLED, S.IN_DELIVERY):
        await change_status(shop_id=shop.id, order_id=order.id, to=step)
    await set_team(shop_id=shop.id, order_id=order.id, courier_id=mine.id)
    path = f"/api/orders/{order.id}/status"

    foreign = await api.patch(
        path,
        json={"status": "delivered"},
        headers=auth(token_for(runtime, other, shop, Role.COURIER)),
    )
    assert foreign.status == 403
    assert "another courier" in (await foreign.json())["detail"]

    no_photo = await api.patch(
        path,
        json={"status": "delivered"},
        headers=auth(token_for(runtime, mine, shop, Role.COURIER)),
    )
    assert no_photo.status == 409
    assert "photo" in (await no_photo.json())["detail"]
    assert (await Order.get(id=order.id)).status is S.IN_DELIVERY
