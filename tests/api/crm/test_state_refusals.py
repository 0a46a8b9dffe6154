"""A well-formed crm request refused by the state of what it names is no validation
error (issue 9: `make fuzz`, positive_data_acceptance): an id in the body that names
nothing of this shop (a client, an inventory item, a team member with that role) is a
400 (a 404 says the path's resource is missing: ensure_resource_availability), a
component already in the composition a 409, and a rule two fields make together (a
period too long or backwards, min_price above max_price, a body id that contradicts
the path's) a 400. The document allows each request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from core.models import Order, ProductComponent
from tests.api.crm.conftest import Flowers, Staff, place, send
from tests.api.crm.test_document_agrees import body_allowed

MISSING = 2147483646


async def test_an_id_in_the_body_that_names_nothing_is_a_400(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers)
    document = dict(await (await crm.get("/openapi.json")).json())
    new_order = {
        "client_id": flowers.client.id,
        "recipient_id": flowers.client.id,
        "delivery_date": "2026-03-08T12:00:00",
        "delivery_address": "Абая 10",
    }
    oid, bouquet = order["id"], flowers.bouquet.id
    cases: list[tuple[str, str, str, dict[str, Any], str]] = [
        ("PATCH", f"/api/orders/{oid}", "/api/orders/{order_id}", {"client_id": MISSING}, "Client"),
        (
            "PUT",
            f"/api/orders/{oid}",
            "/api/orders/{order_id}",
            {"recipient_id": MISSING},
            "Client",
        ),
        ("POST", "/api/orders/", "/api/orders/", {**new_order, "client_id": MISSING}, "Client"),
        ("POST", "/api/orders/", "/api/orders/", {**new_order, "courier_id": MISSING}, "Courier"),
        (
            "PUT",
            f"/api/orders/{oid}/courier",
            "/api/orders/{order_id}/courier",
            {"courier_id": MISSING},
            "Courier",
        ),
        (
            "PUT",
            f"/api/orders/{oid}/manager",
            "/api/orders/{order_id}/manager",
            {"manager_id": staff.courier.id},  # a member, but no manager
            "Manager",
        ),
        (
            "PUT",
            f"/api/orders/{oid}/florists",
            "/api/orders/{order_id}/florists",
            {"florist_ids": [MISSING]},
            "Florist",
        ),
        (
            "POST",
            f"/api/products/{bouquet}/composition",
            "/api/products/{product_id}/composition",
            {"inventory_id": MISSING, "quantity": 1},
            "Inventory item",
        ),
    ]
    for method, path, template, body, what in cases:
        assert body_allowed(document, method, template, body), (method, template, body)
        status, answer = await send(crm, method, path, staff.headers, body)
        assert status == 400, (method, path, body, answer)
        assert answer["detail"].startswith(what) and "not found" in answer["detail"]
    assert await Order.all().count() == 1


async def test_what_the_catalog_or_the_order_disagrees_with_is_a_400(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    """fuzz (stateful): `Product 732 not found or not available` and `total must equal
    flower_sum + delivery_fee` were 422s for well-formed bodies."""
    order = await place(crm, staff, flowers)
    path = f"/api/orders/{order['id']}"
    for method, suffix, body, words in [
        ("POST", "/items", {"product_id": MISSING}, "not found or not available"),
        ("POST", "/items", {"product_id": flowers.bouquet.id, "price": 1}, "catalog price"),
        ("PATCH", "", {"total_price": 805183}, "total must equal"),
    ]:
        status, answer = await send(crm, method, path + suffix, staff.headers, body)
        assert status == 400, (body, answer)
        assert words in answer["detail"], answer
    unchanged = await send(crm, "GET", path, staff.headers)
    assert unchanged == (200, order)


async def test_a_component_already_in_the_composition_is_a_409(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    path = f"/api/products/{flowers.bouquet.id}/composition"
    status, answer = await send(
        crm, "POST", path, staff.headers, {"inventory_id": flowers.roses.id, "quantity": 2}
    )
    assert status == 409, answer
    assert "already in the composition" in answer["detail"]
    assert await ProductComponent.filter(product_id=flowers.bouquet.id).count() == 2


async def test_a_period_its_dates_make_too_long_or_backwards_is_a_400(
    crm: TestClient, staff: Staff
) -> None:
    document = dict(await (await crm.get("/openapi.json")).json())
    assert "400" in document["paths"]["/api/stats/sales"]["get"]["responses"]
    for query in ("date_from=1970-01-01", "date_from=2026-03-09&date_to=2026-03-08"):
        status, answer = await send(crm, "GET", f"/api/stats/sales?{query}", staff.headers)
        assert status == 400, (query, answer)
        assert isinstance(answer["detail"], str)
    status, answer = await send(
        crm, "GET", "/api/stats/sales?date_from=2025-03-08&date_to=2026-03-08", staff.headers
    )
    assert status == 200, answer


async def test_two_fields_that_contradict_each_other_are_a_400(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    document = dict(await (await crm.get("/openapi.json")).json())
    assert "400" in document["paths"]["/api/products/"]["get"]["responses"]
    status, answer = await send(crm, "GET", "/api/products/?min_price=1&max_price=0", staff.headers)
    assert status == 400, answer
    order = await place(crm, staff, flowers)
    for path, body in (
        (
            f"/api/products/{flowers.bouquet.id}/composition",
            {"inventory_id": flowers.ribbon.id, "quantity": 1, "product_id": flowers.plant.id},
        ),
        (
            f"/api/orders/{order['id']}/items",
            {"product_id": flowers.bouquet.id, "order_id": order["id"] + 1},
        ),
    ):
        status, answer = await send(crm, "POST", path, staff.headers, body)
        assert status == 400, (path, answer)
        assert "must match" in answer["detail"]


async def test_moving_the_delivery_time_moves_the_whole_window(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    """fuzz: an order whose window had an end (placed by the shop contract) refused a
    later delivery_date: the kept end came before the new start (a 422)."""
    order = await place(crm, staff, flowers)
    stored = await Order.get(id=order["id"])
    stored.delivery_to = stored.delivery_from + timedelta(hours=2)
    await stored.save(update_fields=["delivery_to"])
    status, answer = await send(
        crm,
        "PUT",
        f"/api/orders/{order['id']}",
        staff.headers,
        {"delivery_date": "2960-07-30T23:30"},
    )
    assert status == 200, answer
    assert answer["delivery_date"] == "2960-07-30T23:30:00"
    moved = await Order.get(id=order["id"])
    assert moved.delivery_to - moved.delivery_from == timedelta(hours=2)
