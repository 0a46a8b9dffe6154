"""`Idempotency-Key` on the crm contract: orders and order items are created once per
key, and a key reused for another request is refused in crm's validation shape."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.models import Order, OrderItem
from tests.api.crm.conftest import Flowers, Staff

KEY = "Idempotency-Key"


def order_body(flowers: Flowers, quantity: int = 1) -> dict[str, object]:
    return {
        "client_id": flowers.client.id,
        "recipient_id": flowers.client.id,
        "delivery_date": "2026-03-08T12:00:00",
        "delivery_address": "Абая 10",
        "items": [{"product_id": flowers.bouquet.id, "quantity": quantity}],
    }


async def test_a_retried_crm_order_is_created_once_and_another_body_is_refused(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    headers = {**staff.headers, KEY: "crm-order-1"}
    first = await crm.post("/api/orders/", json=order_body(flowers), headers=headers)
    assert first.status == 200, await first.text()
    again = await crm.post("/api/orders/", json=order_body(flowers), headers=headers)
    assert again.status == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == await first.json()
    refused = await crm.post("/api/orders/", json=order_body(flowers, 2), headers=headers)
    assert refused.status == 422
    (problem,) = (await refused.json())["detail"]
    assert problem["loc"] == ["header", KEY] and problem["type"] == "idempotency_key_reused"
    assert await Order.filter(shop_id=staff.shop.id).count() == 1


async def test_a_retried_crm_order_item_is_added_once(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    placed = await crm.post("/api/orders/", json=order_body(flowers), headers=staff.headers)
    order_id = (await placed.json())["id"]
    item = {"product_id": flowers.plant.id, "quantity": 1}
    headers = {**staff.headers, KEY: "crm-item-1"}
    path = f"/api/orders/{order_id}/items"
    first = await crm.post(path, json=item, headers=headers)
    assert first.status == 200, await first.text()
    again = await crm.post(path, json=item, headers=headers)
    assert again.status == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == await first.json()
    assert await OrderItem.filter(order_id=order_id).count() == 2  # the bouquet and one plant
