"""A well-formed crm request refused by the state of what it names is no validation
error (issue 9: `make fuzz`, positive_data_acceptance): an id in the body that names
nothing of this shop (a client, an inventory item, a team member with that role) is a
404 like an id in the path, a component already in the composition a 409, and a period
its two dates make too long (or backwards) a 400. The document allows each request."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from core.models import Order, ProductComponent
from tests.api.crm.conftest import Flowers, Staff, place, send
from tests.api.crm.test_document_agrees import body_allowed

MISSING = 2147483646


async def test_an_id_in_the_body_that_names_nothing_is_a_404(
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
        assert status == 404, (method, path, body, answer)
        assert answer["detail"].startswith(what) and answer["detail"].endswith("not found")
    assert await Order.all().count() == 1


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
