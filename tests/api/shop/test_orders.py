"""Shop contract: /api/orders/ against the document (seed 000), over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import (
    Customer,
    Order,
    OrderIssue,
    OrderItem,
    OrderStatus,
    OrderStatusEvent,
    OutboxEvent,
    Role,
)
from core.orders.service import change_status
from core.runtime import Runtime
from tests.api.shop.shapes import ORDER_CUSTOMER_KEYS, ORDER_ITEM_KEYS, ORDER_KEYS, assert_shape
from tests.factories import auth, make_member, make_product, make_shop, owner_headers, token_for

# The document's "Create Order" example.
EXAMPLE = {
    "customer_phone": "+77011234567",
    "recipient_phone": "+77017654321",
    "recipient_name": "Айгуль Касымова",
    "address": "г. Алматы, пр. Достык 89, кв. 45",
    "delivery_method": "delivery",
    "delivery_window": {"from_time": "2024-12-26T14:00:00", "to_time": "2024-12-26T16:00:00"},
    "flower_sum": 25000,
    "delivery_fee": 2000,
    "total": 27000,
}


def assert_order_shape(order: dict[str, Any]) -> None:
    assert_shape(order, ORDER_KEYS)
    assert set(order["delivery_window"]) == {"from", "to"}
    if order["customer"] is not None:
        assert_shape(order["customer"], ORDER_CUSTOMER_KEYS)
    for item in order["items"]:
        assert_shape(item, ORDER_ITEM_KEYS)
    datetime.fromisoformat(order["created_at"])
    assert "+" not in order["created_at"] and len(order["created_at"]) == 19


async def create(api: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = await api.post("/api/orders/", json={**EXAMPLE, **changes}, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def listed(api: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await api.get(
        "/api/orders/", params={k: str(v) for k, v in params.items()}, headers=headers
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert set(body) == {"items", "total"}
    return body


async def listed_ids(api: TestClient, headers: dict[str, str], **params: Any) -> list[int]:
    return [item["id"] for item in (await listed(api, headers, **params))["items"]]


async def nothing_written(before_orders: int = 0) -> None:
    assert await Order.all().count() == before_orders
    assert await OutboxEvent.filter(event_type="order.created").count() == before_orders


async def set_status(api: TestClient, headers: dict[str, str], order_id: int, status: str) -> Any:
    return await api.patch(
        f"/api/orders/{order_id}/status", json={"status": status}, headers=headers
    )


# --- create -----------------------------------------------------------------------------


async def test_created_order_reads_back_as_the_document_shows(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    assert_order_shape(order)
    assert order["status"] == "new"
    assert order["customer_phone"] == "+77011234567"
    assert order["recipient_phone"] == "+77017654321"
    assert order["recipient_name"] == "Айгуль Касымова"
    assert order["delivery_method"] == "delivery"
    assert order["delivery_window"] == {"from": "2024-12-26T14:00:00", "to": "2024-12-26T16:00:00"}
    assert (order["flower_sum"], order["delivery_fee"], order["total"]) == (25000, 2000, 27000)
    assert len(order["tracking_token"]) >= 22
    assert order["customer"]["phone"] == "+77011234567"
    assert order["customer"]["orders_count"] == 1
    assert order["customer"]["total_spent"] == 0
    assert order["items"] == []
    again = await api.get(f"/api/orders/{order['id']}", headers=headers)
    assert again.status == 200
    assert await again.json() == order


async def test_total_is_computed_when_left_out_and_times_with_offsets_become_utc(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    body = {k: v for k, v in EXAMPLE.items() if k != "total"}
    body["delivery_window"] = {
        "from": "2024-12-26T19:00:00+05:00",
        "to": "2024-12-26T21:00:00+05:00",
    }
    body["customer_phone"] = "8 (701) 123-45-67"
    body["delivery_method"] = "self_pickup"
    order = await create(api, headers, **body)
    assert order["total"] == 27000
    assert order["delivery_window"] == {"from": "2024-12-26T14:00:00", "to": "2024-12-26T16:00:00"}
    assert order["customer_phone"] == "+77011234567"
    assert order["delivery_method"] == "self_pickup"


async def test_a_total_that_disagrees_is_a_422_and_nothing_is_written(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.post("/api/orders/", json={**EXAMPLE, "total": 26000}, headers=headers)
    assert response.status == 422
    problem = (await response.json())["detail"][0]
    assert problem["loc"] == ["body", "total"] and problem["type"] == "value_error"
    await nothing_written()
    assert await Customer.all().count() == 0


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"customer_phone": "+998901234567"}, ["body", "customer_phone"]),
        ({"customer_phone": "12345"}, ["body", "customer_phone"]),
        ({"recipient_phone": "+79161234567"}, ["body", "recipient_phone"]),
        ({"flower_sum": "25000"}, ["body", "flower_sum"]),
        ({"flower_sum": -1}, ["body", "flower_sum"]),
        ({"flower_sum": 2.5}, ["body", "flower_sum"]),
        ({"delivery_fee": None}, ["body", "delivery_fee"]),
        ({"delivery_method": "teleport"}, ["body", "delivery_method"]),
        (
            {
                "delivery_window": {
                    "from_time": "2024-12-26T16:00:00",
                    "to_time": "2024-12-26T14:00:00",
                }
            },
            ["body", "delivery_window"],
        ),
        (
            {"delivery_window": {"from_time": "tomorrow", "to_time": "2024-12-26T14:00:00"}},
            ["body", "delivery_window", "from_time"],
        ),
        ({"address": "x" * 501}, ["body", "address"]),
        (
            {"delivery_window": {"from": "0001-01-01T00:00:00", "to": "0001-01-01T01:00:00"}},
            ["body", "delivery_window", "from"],
        ),
    ],
)
async def test_bad_fields_are_422_at_their_location_and_nothing_is_written(
    api: TestClient, runtime: Runtime, changes: dict[str, Any], loc: list[Any]
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.post("/api/orders/", json={**EXAMPLE, **changes}, headers=headers)
    assert response.status == 422, await response.text()
    detail = (await response.json())["detail"]
    assert isinstance(detail, list) and detail[0]["loc"] == loc, detail
    assert set(detail[0]) == {"loc", "msg", "type"}
    await nothing_written()


async def test_missing_fields_and_non_json_bodies_are_422(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    for field in ("customer_phone", "flower_sum"):
        body = {k: v for k, v in EXAMPLE.items() if k != field}
        response = await api.post("/api/orders/", json=body, headers=headers)
        assert response.status == 422
        problem = (await response.json())["detail"][0]
        assert problem["loc"] == ["body", field] and problem["type"] == "missing"
    for raw in (b"", b"[1, 2]", b"{broken"):
        response = await api.post(
            "/api/orders/", data=raw, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status == 422
    await nothing_written()


# --- create with items -------------------------------------------------------------------


async def test_items_are_priced_from_the_catalog_never_from_the_client(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    roses = await make_product(shop, price=25000, discount_price=20000)
    tulips = await make_product(shop, name="Тюльпаны", price=9000)
    body = {
        "customer_phone": "+77011234567",
        "recipient_name": "Айгуль",
        "address": "пр. Достык 89",
        "delivery_method": "delivery",
        "delivery_fee": 2000,
        "items": [
            {"product_id": roses.id, "quantity": 2, "price": 1},
            {"product_id": tulips.id, "quantity": 1, "price": 1},
        ],
    }
    response = await api.post("/api/orders/with-items", json=body, headers=headers)
    assert response.status == 201, await response.text()
    order = await response.json()
    assert_order_shape(order)
    assert order["flower_sum"] == 2 * 20000 + 9000
    assert order["total"] == order["flower_sum"] + 2000
    assert [(i["product_name"], i["quantity"], i["price"], i["total"]) for i in order["items"]] == [
        ("Букет роз 'Классика'", 2, 20000, 40000),
        ("Тюльпаны", 1, 9000, 9000),
    ]
    assert order["items"][0]["product_id"] == roses.id


@pytest.mark.parametrize(
    ("items", "extra", "loc"),
    [
        ([], {}, ["body", "items"]),
        ([{"product_id": "abc", "quantity": 1}], {}, ["body", "items", 0, "product_id"]),
        ([{"product_id": 1, "quantity": 0}], {}, ["body", "items", 0, "quantity"]),
        ("FOREIGN", {}, ["body", "items", 0, "product_id"]),
        ("UNKNOWN", {}, ["body", "items", 0, "product_id"]),
        ("MINE", {"flower_sum": 1}, ["body", "flower_sum"]),
        ("MINE", {"total": 1}, ["body", "total"]),
    ],
)
async def test_bad_items_are_422_and_nothing_is_written(
    api: TestClient, runtime: Runtime, items: Any, extra: dict[str, Any], loc: list[Any]
) -> None:
    shop, _, headers = await owner_headers(runtime)
    mine = await make_product(shop)
    foreign = await make_product(await make_shop("Чужой"))
    ids = {"FOREIGN": foreign.id, "UNKNOWN": 999_999, "MINE": mine.id}
    if isinstance(items, str):
        items = [{"product_id": ids[items], "quantity": 1}]
    body = {"customer_phone": "+77011234567", "items": items, **extra}
    response = await api.post("/api/orders/with-items", json=body, headers=headers)
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == loc
    await nothing_written()
    assert await OrderItem.all().count() == 0


# --- list and filters --------------------------------------------------------------------


async def test_list_has_the_documented_item_shape_and_customer_summary(
    api: TestClient, runtime: Runtime
) -> None:
    shop, user, headers = await owner_headers(runtime)
    product = await make_product(shop, price=25000)
    first = await create(api, headers, customer_name="Иван Петров")
    response = await api.post(
        "/api/orders/with-items",
        json={"customer_phone": "+77011234567", "items": [{"product_id": product.id}]},
        headers=headers,
    )
    second = await response.json()
    cancelled = await create(api, headers)
    await change_status(shop_id=shop.id, order_id=first["id"], to=OrderStatus.PAID)
    assert (await api.delete(f"/api/orders/{cancelled['id']}", headers=headers)).status == 204
    body = await listed(api, headers)
    assert body["total"] == 3
    assert [i["id"] for i in body["items"]] == [cancelled["id"], second["id"], first["id"]]
    for item in body["items"]:
        assert_order_shape(item)
        assert item["customer"] == {
            "id": item["customer"]["id"],
            "name": "Иван Петров",
            "phone": "+77011234567",
            "orders_count": 2,
            "total_spent": 27000,
        }
    assert body["items"][1]["items"] == [
        {
            "product_id": product.id,
            "product_name": product.name,
            "quantity": 1,
            "price": 25000,
            "total": 25000,
        }
    ]


async def test_status_filter_uses_shop_words(api: TestClient, runtime: Runtime) -> None:
    shop, _, headers = await owner_headers(runtime)
    new = await create(api, headers)
    paid = await create(api, headers)
    sent = await create(api, headers)
    produced = await create(api, headers)
    for status in ("paid", "assembled", "delivery"):
        assert (await set_status(api, headers, sent["id"], status)).status == 200
    assert (await set_status(api, headers, paid["id"], "paid")).status == 200
    await change_status(shop_id=shop.id, order_id=produced["id"], to=OrderStatus.IN_PRODUCTION)
    assert await listed_ids(api, headers, status="new") == [new["id"]]
    assert await listed_ids(api, headers, status="paid") == [paid["id"]]
    assert await listed_ids(api, headers, status="delivery") == [sent["id"]]
    assert await listed_ids(api, headers, status="in_production") == [produced["id"]]
    assert await listed_ids(api, headers, status="completed") == []
    assert len(await listed_ids(api, headers)) == 4
    response = await api.get("/api/orders/", params={"status": "in_delivery"}, headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["query", "status"]


async def test_search_finds_phones_in_any_spelling_names_and_ids(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    aigul = await create(api, headers)
    other = await create(
        api,
        headers,
        customer_phone="+77059998877",
        customer_name="Мария Иванова",
        recipient_phone=None,
        recipient_name="Bolat",
    )
    for term in ("+77011234567", "8 701 123 45 67", "1234567", "7654321"):
        assert await listed_ids(api, headers, search=term) == [aigul["id"]], term
    assert await listed_ids(api, headers, search="Айгуль") == [aigul["id"]]
    assert await listed_ids(api, headers, search="Мария") == [other["id"]]
    assert await listed_ids(api, headers, search="bolat") == [other["id"]]
    assert await listed_ids(api, headers, search=str(other["id"])) == [other["id"]]
    assert await listed_ids(api, headers, search="nobody") == []


async def test_date_filters_bound_the_creation_time(api: TestClient, runtime: Runtime) -> None:
    _, _, headers = await owner_headers(runtime)
    days = {}
    for day in (24, 25, 26):
        order = await create(api, headers)
        await Order.filter(id=order["id"]).update(
            created_at=datetime(2024, 12, day, 10, tzinfo=UTC)
        )
        days[day] = order["id"]
    assert await listed_ids(api, headers, dateFrom="2024-12-25") == [days[26], days[25]]
    assert await listed_ids(api, headers, dateTo="2024-12-25") == [days[25], days[24]]
    assert await listed_ids(api, headers, dateFrom="2024-12-25", dateTo="2024-12-25") == [days[25]]
    assert await listed_ids(api, headers, dateFrom="2024-12-25T10:00:01") == [days[26]]
    assert await listed_ids(api, headers, dateTo="2024-12-25T10:00:00") == [days[25], days[24]]
    response = await api.get(
        "/api/orders/?dateTo=2024-12-25T15%3A00%3A00%2B05%3A00", headers=headers
    )
    assert [i["id"] for i in (await response.json())["items"]] == [days[25], days[24]]
    for params in (
        {"dateFrom": "yesterday"},
        {"dateFrom": "2024-12-26", "dateTo": "2024-12-24"},
        {"dateTo": "9999-12-31"},
        {"dateFrom": "0001-01-01T00:00:00"},
    ):
        response = await api.get("/api/orders/", params=params, headers=headers)
        assert response.status == 422, params
        assert (await response.json())["detail"][0]["loc"][0] == "query"


async def test_pages_and_limits(api: TestClient, runtime: Runtime) -> None:
    _, _, headers = await owner_headers(runtime)
    created = [(await create(api, headers))["id"] for _ in range(5)]
    newest_first = list(reversed(created))
    page = await listed(api, headers, page=1, limit=2)
    assert page["total"] == 5 and [i["id"] for i in page["items"]] == newest_first[:2]
    assert await listed_ids(api, headers, page=3, limit=2) == newest_first[4:]
    assert await listed(api, headers, page=4, limit=2) == {"items": [], "total": 5}
    assert len(await listed_ids(api, headers, limit=100)) == 5
    for params in ({"page": "0"}, {"page": "-1"}, {"limit": "101"}, {"limit": "0"}, {"page": "x"}):
        response = await api.get("/api/orders/", params=params, headers=headers)
        assert response.status == 422, params
        problem = (await response.json())["detail"][0]
        assert problem["loc"] == ["query", next(iter(params))]


async def test_another_shops_orders_are_invisible_and_404(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, mine = await owner_headers(runtime)
    _, _, theirs = await owner_headers(runtime, await make_shop("Другой магазин"))
    order = await create(api, theirs)
    assert await listed(api, mine) == {"items": [], "total": 0}
    path = f"/api/orders/{order['id']}"
    for method, suffix, body in (
        ("GET", "", None),
        ("PUT", "", {"address": "x"}),
        ("PATCH", "", {"address": "x"}),
        ("DELETE", "", None),
        ("PATCH", "/status", {"status": "paid"}),
        ("PATCH", "/issue", {"issue_type": "other"}),
    ):
        response = await api.request(method, path + suffix, json=body, headers=mine)
        assert response.status == 404, (method, suffix)
        assert await response.json() == {"detail": "Order not found"}
    for missing in ("999999", "99999999999999999999"):
        assert (await api.get(f"/api/orders/{missing}", headers=mine)).status == 404
    response = await api.get("/api/orders/abc", headers=mine)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["path", "order_id"]
    stored = await Order.get(id=order["id"])
    assert (stored.status, stored.address) == (OrderStatus.NEW, EXAMPLE["address"])


async def test_every_endpoint_needs_a_token(api: TestClient, runtime: Runtime) -> None:
    for method, path in (
        ("GET", "/api/orders/"),
        ("POST", "/api/orders/"),
        ("POST", "/api/orders/with-items"),
        ("GET", "/api/orders/1"),
        ("PUT", "/api/orders/1"),
        ("PATCH", "/api/orders/1"),
        ("DELETE", "/api/orders/1"),
        ("PATCH", "/api/orders/1/status"),
        ("PATCH", "/api/orders/1/issue"),
        ("PUT", "/api/shop/payment-secret"),
        ("DELETE", "/api/shop/payment-secret"),
    ):
        for headers in ({}, auth("garbage")):
            response = await api.request(method, path, json=EXAMPLE, headers=headers)
            assert response.status == 401, (method, path)
            assert isinstance((await response.json())["detail"], str)
    await nothing_written()


# --- update and delete -------------------------------------------------------------------


async def test_put_and_patch_change_only_what_they_are_given_and_recompute_the_total(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    response = await api.put(
        f"/api/orders/{order['id']}",
        json={"address": "ул. Абая 10", "delivery_fee": 3000},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    changed = await response.json()
    assert_order_shape(changed)
    assert changed["address"] == "ул. Абая 10"
    assert (changed["flower_sum"], changed["delivery_fee"], changed["total"]) == (
        25000,
        3000,
        28000,
    )
    assert changed["recipient_name"] == order["recipient_name"]
    response = await api.patch(
        f"/api/orders/{order['id']}",
        json={
            "delivery_window": {"from": "2024-12-27T09:00:00", "to": "2024-12-27T11:00:00"},
            "delivery_method": "self_pickup",
            "customer_phone": "+77059998877",
            "total": 28000,
        },
        headers=headers,
    )
    assert response.status == 200, await response.text()
    changed = await response.json()
    assert changed["delivery_window"] == {
        "from": "2024-12-27T09:00:00",
        "to": "2024-12-27T11:00:00",
    }
    assert changed["delivery_method"] == "self_pickup"
    assert changed["customer_phone"] == "+77059998877"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"total": 1}, ["body", "total"]),
        ({"flower_sum": None}, ["body", "flower_sum"]),
        ({"delivery_fee": "free"}, ["body", "delivery_fee"]),
        ({"customer_phone": "+1 202 555 0100"}, ["body", "customer_phone"]),
        (
            {"delivery_window": {"from": "2024-12-27T11:00:00", "to": "2024-12-27T09:00:00"}},
            ["body", "delivery_window"],
        ),
    ],
)
async def test_bad_updates_are_422_and_change_nothing(
    api: TestClient, runtime: Runtime, body: dict[str, Any], loc: list[Any]
) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    response = await api.patch(f"/api/orders/{order['id']}", json=body, headers=headers)
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == loc
    assert await (await api.get(f"/api/orders/{order['id']}", headers=headers)).json() == order


async def test_an_order_with_items_keeps_the_catalog_flower_sum(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    product = await make_product(shop, price=10000)
    response = await api.post(
        "/api/orders/with-items",
        json={"customer_phone": "+77011234567", "items": [{"product_id": product.id}]},
        headers=headers,
    )
    order = await response.json()
    response = await api.patch(
        f"/api/orders/{order['id']}", json={"flower_sum": 1}, headers=headers
    )
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["body", "flower_sum"]
    response = await api.patch(
        f"/api/orders/{order['id']}", json={"delivery_fee": 500}, headers=headers
    )
    assert (await response.json())["total"] == 10500


async def test_delete_cancels_the_order_and_a_closed_order_stays_as_it_is(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    response = await api.delete(f"/api/orders/{order['id']}", headers=headers)
    assert response.status == 204
    again = await (await api.get(f"/api/orders/{order['id']}", headers=headers)).json()
    assert again["status"] == "cancelled"
    response = await api.patch(f"/api/orders/{order['id']}", json={"address": "x"}, headers=headers)
    assert response.status == 409
    assert isinstance((await response.json())["detail"], str)
    response = await api.delete(f"/api/orders/{order['id']}", headers=headers)
    assert response.status == 400
    assert "cancelled" in (await response.json())["detail"]
    assert await OrderStatusEvent.filter(order_id=order["id"]).count() == 2


# --- status flow -------------------------------------------------------------------------


async def test_every_documented_step_to_completed(api: TestClient, runtime: Runtime) -> None:
    _, user, headers = await owner_headers(runtime)
    order = await create(api, headers)
    for status in ("paid", "assembled", "delivery", "delivered", "completed"):
        response = await set_status(api, headers, order["id"], status)
        assert response.status == 200, await response.text()
        body = await response.json()
        assert_order_shape(body)
        assert body["status"] == status
    history = await OrderStatusEvent.filter(order_id=order["id"]).order_by("id")
    assert [e.to_status for e in history] == [
        OrderStatus.NEW,
        OrderStatus.PAID,
        OrderStatus.ASSEMBLED,
        OrderStatus.IN_DELIVERY,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    ]
    assert history[-1].actor_id == user.id  # type: ignore[attr-defined]
    changed = await OutboxEvent.filter(event_type="order.status_changed").count()
    assert changed in (0, 5)  # five when a webhook endpoint or the bot subscribes


async def test_pickup_branch_and_resuming_an_order_made_elsewhere(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    order = await create(api, headers, delivery_method="self_pickup")
    for status in ("paid", "assembled", "self_pickup", "delivered"):
        assert (await set_status(api, headers, order["id"], status)).status == 200
    made_in_bot = await create(api, headers)
    await change_status(shop_id=shop.id, order_id=made_in_bot["id"], to=OrderStatus.IN_PRODUCTION)
    got = await (await api.get(f"/api/orders/{made_in_bot['id']}", headers=headers)).json()
    assert got["status"] == "in_production"
    response = await set_status(api, headers, made_in_bot["id"], "assembled")
    assert (await response.json())["status"] == "assembled"


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ([], "assembled", "paid, issue"),
        ([], "in_production", "paid, issue"),
        ([], "cancelled", "paid, issue"),
        (["paid"], "delivery", "assembled, issue"),
        (["paid", "assembled"], "delivered", "delivery, self_pickup, issue"),
        (["paid", "assembled", "delivery", "delivered", "completed"], "issue", "none"),
    ],
)
async def test_moves_outside_the_documented_flow_are_400_naming_the_allowed_ones(
    api: TestClient, runtime: Runtime, path: list[str], target: str, allowed: str
) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    for status in path:
        assert (await set_status(api, headers, order["id"], status)).status == 200
    events = await OrderStatusEvent.filter(order_id=order["id"]).count()
    response = await set_status(api, headers, order["id"], target)
    assert response.status == 400
    detail = (await response.json())["detail"]
    assert f"Allowed next statuses: {allowed}" in detail, detail
    assert await OrderStatusEvent.filter(order_id=order["id"]).count() == events


@pytest.mark.parametrize("body", [{"status": "shipped"}, {"status": 1}, {}, {"state": "paid"}])
async def test_unknown_status_words_are_422(
    api: TestClient, runtime: Runtime, body: dict[str, Any]
) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    response = await api.patch(f"/api/orders/{order['id']}/status", json=body, headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["body", "status"]


# --- issues ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "issue_type",
    [
        "wrong_address",
        "recipient_unavailable",
        "quality_issue",
        "wrong_order",
        "delivery_delay",
        "other",
    ],
)
async def test_each_issue_type_is_recorded_and_the_order_can_go_on(
    api: TestClient, runtime: Runtime, issue_type: str
) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    assert (await set_status(api, headers, order["id"], "paid")).status == 200
    response = await api.patch(
        f"/api/orders/{order['id']}/issue",
        json={"issue_type": issue_type, "comment": "Клиент указал неправильный адрес"},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert_order_shape(body)
    assert body["status"] == "issue"
    issue = await OrderIssue.get(order_id=order["id"])
    assert (issue.issue_type, issue.comment, issue.status_before) == (
        issue_type,
        "Клиент указал неправильный адрес",
        OrderStatus.PAID,
    )
    response = await set_status(api, headers, order["id"], "delivery")
    assert response.status == 400
    assert "Allowed next statuses: paid, assembled" in (await response.json())["detail"]
    assert (await set_status(api, headers, order["id"], "assembled")).status == 200
    assert (await OrderIssue.get(order_id=order["id"])).resolved_at is not None


@pytest.mark.parametrize(
    "body",
    [{"issue_type": "broken_vase"}, {"comment": "no type"}, {"issue_type": "other", "comment": 5}],
)
async def test_bad_issue_reports_are_422_and_write_nothing(
    api: TestClient, runtime: Runtime, body: dict[str, Any]
) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    response = await api.patch(f"/api/orders/{order['id']}/issue", json=body, headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"][0] == "body"
    assert await OrderIssue.all().count() == 0
    assert (await Order.get(id=order["id"])).status == OrderStatus.NEW


async def test_a_closed_order_cannot_get_an_issue(api: TestClient, runtime: Runtime) -> None:
    _, _, headers = await owner_headers(runtime)
    order = await create(api, headers)
    await api.delete(f"/api/orders/{order['id']}", headers=headers)
    response = await api.patch(
        f"/api/orders/{order['id']}/issue", json={"issue_type": "other"}, headers=headers
    )
    assert response.status == 400
    assert await OrderIssue.all().count() == 0


async def test_staff_tokens_and_api_keys_of_the_shop_work_too(
    api: TestClient, runtime: Runtime
) -> None:
    from core.auth.apikeys import create_api_key

    shop, _, headers = await owner_headers(runtime)
    florist = await make_member(shop, Role.FLORIST)
    order = await create(api, headers)
    florist_headers = auth(token_for(runtime, florist, shop, Role.FLORIST))
    assert (await api.get(f"/api/orders/{order['id']}", headers=florist_headers)).status == 200
    _, key = await create_api_key(shop_id=shop.id, name="site")
    assert await listed_ids(api, {"X-API-Key": key}) == [order["id"]]
