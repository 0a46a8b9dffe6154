"""One core under two contracts: an order placed through crm (port 8011) is the order
the shop contract (port 8000) shows, and a status set in either reads back in the other.

The staff bot's order card for such an order is covered by the bot's own tests."""

from __future__ import annotations

from core.models import Channel, Order
from tests.api.crm.conftest import Flowers, Ports, Staff, ok


async def test_an_order_placed_in_crm_with_a_team_is_the_order_the_shop_contract_sees(
    ports: Ports, staff: Staff, flowers: Flowers
) -> None:
    h = staff.headers
    placed = await ok(
        ports.crm,
        "POST",
        "/api/orders/",
        h,
        {
            "client_id": flowers.client.id,
            "recipient_id": flowers.client.id,
            "manager_id": staff.manager.id,
            "florist_ids": [staff.florists[0].id, staff.florists[1].id],
            "courier_id": staff.courier.id,
            "delivery_date": "2026-03-08T12:00:00",
            "delivery_address": "Абая 10",
            "comment": "Позвонить за час",
            "items": [
                {"product_id": flowers.bouquet.id, "quantity": 2, "price": 15000},
                {"product_id": flowers.plant.id, "quantity": 1},
            ],
        },
    )
    seen = await ok(ports.api, "GET", f"/api/orders/{placed['id']}", h)
    assert seen["status"] == "new"
    assert seen["total"] == placed["total_price"] == 39000
    assert seen["address"] == placed["delivery_address"]
    assert seen["comment"] == placed["comment"]
    assert seen["customer_phone"] == flowers.client.phone
    assert [(i["product_id"], i["quantity"], i["price"]) for i in seen["items"]] == [
        (i["product_id"], i["quantity"], i["price"]) for i in placed["items"]
    ]
    # 12:00 in Almaty is 07:00 UTC, the shop document's convention.
    assert seen["delivery_window"]["from"] == "2026-03-08T07:00:00"

    order = await Order.get(id=placed["id"])
    assert order.channel is Channel.CRM
    assert (order.manager_id, order.courier_id) == (staff.manager.id, staff.courier.id)  # type: ignore[attr-defined]
    assert sorted(u.id for u in await order.florists.all()) == placed["florist_ids"]
    team = await ok(ports.crm, "GET", f"/api/orders/{placed['id']}/team", h)
    assert [m["name"] for m in team["florists"]] == ["Флорист 1", "Флорист 2"]


async def test_a_status_set_in_one_contract_reads_back_in_the_other(
    ports: Ports, staff: Staff, flowers: Flowers
) -> None:
    h = staff.headers
    placed = await ok(
        ports.crm,
        "POST",
        "/api/orders/",
        h,
        {
            "client_id": flowers.client.id,
            "recipient_id": flowers.client.id,
            "delivery_date": "2026-03-08T12:00:00",
            "delivery_address": "Абая 10",
            "items": [{"product_id": flowers.bouquet.id, "quantity": 1}],
        },
    )
    crm_path = f"/api/orders/{placed['id']}"
    shop_path = f"/api/orders/{placed['id']}"

    async def crm_reads() -> str:
        return (await ok(ports.crm, "GET", crm_path, h))["status"]

    async def shop_reads() -> str:
        return (await ok(ports.api, "GET", shop_path, h))["status"]

    await ok(ports.crm, "PUT", crm_path + "/status", h, {"new_status": "оплачен"})
    assert (await crm_reads(), await shop_reads()) == ("оплачен", "paid")

    await ok(ports.api, "PATCH", shop_path + "/status", h, {"status": "assembled"})
    assert (await crm_reads(), await shop_reads()) == ("собран", "assembled")

    await ok(ports.crm, "PUT", crm_path + "/status", h, {"new_status": "готов"})
    assert (await crm_reads(), await shop_reads()) == ("готов", "assembled")

    await ok(ports.api, "PATCH", shop_path + "/status", h, {"status": "delivery"})
    assert (await crm_reads(), await shop_reads()) == ("готов", "delivery")

    await ok(ports.crm, "PUT", crm_path + "/status", h, {"new_status": "доставлен"})
    assert (await crm_reads(), await shop_reads()) == ("доставлен", "delivered")

    await ok(ports.api, "PATCH", shop_path + "/status", h, {"status": "completed"})
    assert (await crm_reads(), await shop_reads()) == ("доставлен", "completed")
