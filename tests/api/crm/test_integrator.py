"""An integrator walks every endpoint of the crm document over real HTTP on the CRM
port, sending the document's own JSON bodies as they are written there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_apps
from core.auth.apikeys import create_api_key
from core.models import Order, StockMove
from core.runtime import Runtime
from tests.api.crm.conftest import Flowers, Staff, place
from tests.conftest import make_settings
from tests.factories import auth

# The document's product examples, character for character.
DOCUMENT_GET_EXAMPLE = """{
  "name": "Букет роз 'Классик'",
  "product_type": "catalog",
  "catalog_height": null,
  "description": "Букет из 11 красных роз с зеленью",
  "images": "[]",
  "ingredients": null,
  "price": 15000.0,
  "production_time": "",
  "category": "букет",
  "width": "35",
  "preparation_time": 30,
  "height": "45",
  "image_url": "https://example.com/roses.jpg",
  "colors": "[\\"red\\",\\"white\\"]",
  "id": 1,
  "created_at": "2025-09-23T13:20:13.745515",
  "catalog_width": null,
  "is_available": true
}"""

DOCUMENT_POST_EXAMPLE = """{
  "name": "Букет Премиум",
  "description": "Роскошный букет из элитных цветов",
  "price": 25000,
  "category": "букет",
  "preparation_time": 60,
  "image_url": "https://example.com/premium.jpg",
  "is_available": true,
  "product_type": "custom",
  "production_time": "3-4 часа",
  "width": "45",
  "height": "55",
  "colors": "[\\"красный\\", \\"белый\\", \\"розовый\\"]",
  "catalog_width": "40",
  "catalog_height": "50",
  "ingredients": "[\\"розы\\", \\"лилии\\", \\"орхидеи\\", \\"зелень\\"]",
  "images": "[\\"https://example.com/img1.jpg\\", \\"https://example.com/img2.jpg\\"]"
}"""

DOCUMENT_PUT_EXAMPLE = """{
  "price": 35000,
  "is_available": false,
  "width": "50",
  "height": "60",
  "colors": "[\\"золотой\\", \\"белый\\", \\"красный\\", \\"черный\\"]"
}"""

# Every endpoint the document lists (method, path as in the OpenAPI document).
DOCUMENTED = {
    ("get", "/api/clients/"),
    ("post", "/api/clients/"),
    ("get", "/api/clients/{client_id}"),
    ("put", "/api/clients/{client_id}"),
    ("delete", "/api/clients/{client_id}"),
    ("get", "/api/clients/{client_id}/orders"),
    ("get", "/api/products/"),
    ("post", "/api/products/"),
    ("get", "/api/products/{product_id}"),
    ("put", "/api/products/{product_id}"),
    ("delete", "/api/products/{product_id}"),
    ("get", "/api/products/{product_id}/composition"),
    ("post", "/api/products/{product_id}/composition"),
    ("delete", "/api/products/{product_id}/composition/{composition_id}"),
    ("get", "/api/inventory/"),
    ("post", "/api/inventory/"),
    ("get", "/api/inventory/{inventory_id}"),
    ("put", "/api/inventory/{inventory_id}"),
    ("delete", "/api/inventory/{inventory_id}"),
    ("get", "/api/orders/"),
    ("post", "/api/orders/"),
    ("get", "/api/orders/{order_id}"),
    ("put", "/api/orders/{order_id}"),
    ("patch", "/api/orders/{order_id}"),
    ("delete", "/api/orders/{order_id}"),
    ("put", "/api/orders/{order_id}/status"),
    ("post", "/api/orders/{order_id}/items"),
    ("delete", "/api/orders/{order_id}/items/{item_id}"),
    ("put", "/api/orders/{order_id}/manager"),
    ("put", "/api/orders/{order_id}/florists"),
    ("put", "/api/orders/{order_id}/courier"),
    ("get", "/api/orders/{order_id}/team"),
    ("get", "/api/stats/dashboard"),
    ("get", "/api/stats/sales"),
    ("get", "/"),
    ("get", "/health"),
}
PUBLIC = {("get", "/"), ("get", "/health")}


async def call(
    client: TestClient,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
    *,
    raw: str | None = None,
    expect: int = 200,
) -> Any:
    options: dict[str, Any] = {"headers": dict(headers)}
    if raw is not None:
        options["data"] = raw.encode()
        options["headers"]["Content-Type"] = "application/json"
    elif body is not None:
        options["json"] = body
    response = await client.request(method, path, **options)
    payload = await response.json()
    assert response.status == expect, (method, path, response.status, payload)
    return payload


async def test_the_system_endpoints_answer_without_a_token(crm: TestClient) -> None:
    info = await call(crm, "GET", "/", {})
    assert info["name"] == "CRM for Florists API"
    assert info["version"] == "2.1.0"
    assert info["docs"] == "/docs"
    health = await call(crm, "GET", "/health", {})
    assert health["status"] == "ok"
    assert health["database"] == "ok"


async def test_the_openapi_document_lists_every_documented_endpoint_with_shapes(
    crm: TestClient,
) -> None:
    document = await call(crm, "GET", "/openapi.json", {})
    served = {
        (method, path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert served >= DOCUMENTED
    schemas = document["components"]["schemas"]
    for path, fields in (
        ("/api/stats/dashboard", {"today_orders", "month_revenue", "orders_by_status"}),
        ("/api/stats/sales", {"date_from", "date_to", "days"}),
    ):
        ref = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        name = ref["schema"]["$ref"].rsplit("/", 1)[-1]
        assert fields <= set(schemas[name]["properties"])
    product = schemas["Product"]["properties"]
    assert set(json.loads(DOCUMENT_GET_EXAMPLE)) <= set(product)
    for method, path in DOCUMENTED - PUBLIC:
        assert document["paths"][path][method]["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_every_endpoint_but_root_and_health_needs_a_bearer_token(crm: TestClient) -> None:
    for method, path in sorted(DOCUMENTED - PUBLIC):
        concrete = path.format(
            client_id=1, product_id=1, composition_id=1, inventory_id=1, order_id=1, item_id=1
        )
        response = await crm.request(method, concrete, json={})
        assert response.status == 401, (method, path, response.status)
        assert (await response.json())["detail"] == "Not authenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_an_integrator_walks_every_endpoint_of_the_document(
    crm: TestClient, staff: Staff, runtime: Runtime
) -> None:
    h = staff.headers

    # Clients: create (200, not 201), read, list with filters, partial update.
    orderer = await call(
        crm,
        "POST",
        "/api/clients/",
        h,
        {"name": "Айгуль", "phone": "+7 701 555 11 22", "client_type": "заказчик"},
    )
    assert orderer == {
        "id": orderer["id"],
        "name": "Айгуль",
        "phone": "+77015551122",
        "email": None,
        "address": None,
        "client_type": "заказчик",
        "notes": None,
        "created_at": orderer["created_at"],
    }
    recipient = await call(
        crm,
        "POST",
        "/api/clients",
        h,
        {"phone": "87017778899", "client_type": "получатель", "address": "Абая 10"},
    )
    assert recipient["name"] is None
    assert await call(crm, "GET", f"/api/clients/{orderer['id']}", h) == orderer
    assert [c["id"] for c in await call(crm, "GET", "/api/clients/", h)] == [
        orderer["id"],
        recipient["id"],
    ]
    by_type = await call(crm, "GET", "/api/clients/?client_type=получатель", h)
    assert [c["id"] for c in by_type] == [recipient["id"]]
    by_phone = await call(crm, "GET", "/api/clients/?search=555 11", h)
    assert [c["id"] for c in by_phone] == [orderer["id"]]
    by_name = await call(crm, "GET", "/api/clients/?search=Айгуль", h)
    assert [c["id"] for c in by_name] == [orderer["id"]]
    assert len(await call(crm, "GET", "/api/clients/?skip=1&limit=1", h)) == 1
    updated = await call(
        crm, "PUT", f"/api/clients/{orderer['id']}", h, {"email": "aigul@example.kz"}
    )
    assert updated == {**orderer, "email": "aigul@example.kz"}

    # Products: the document's POST example as written, read back with every field.
    created = await call(crm, "POST", "/api/products", h, raw=DOCUMENT_POST_EXAMPLE)
    sent = json.loads(DOCUMENT_POST_EXAMPLE)
    assert set(created) == set(json.loads(DOCUMENT_GET_EXAMPLE))
    for field in ("name", "description", "category", "image_url", "is_available"):
        assert created[field] == sent[field]
    for field in ("product_type", "production_time", "width", "height"):
        assert created[field] == sent[field]
    assert created["price"] == 25000.0
    for field in ("colors", "ingredients", "images"):
        assert json.loads(created[field]) == json.loads(sent[field])
    product_id = created["id"]
    assert await call(crm, "GET", f"/api/products/{product_id}", h) == created

    # ... and its PUT example, a partial update: the fields sent change, the rest stay.
    after = await call(crm, "PUT", f"/api/products/{product_id}", h, raw=DOCUMENT_PUT_EXAMPLE)
    assert after["price"] == 35000.0
    assert after["is_available"] is False
    assert (after["width"], after["height"]) == ("50", "60")
    assert json.loads(after["colors"]) == ["золотой", "белый", "красный", "черный"]
    unchanged = {k: v for k, v in created.items() if k not in json.loads(DOCUMENT_PUT_EXAMPLE)}
    assert {k: after[k] for k in unchanged} == unchanged

    # The GET example's product, every field sent; nulls come back as nulls.
    classic_body = {
        k: v for k, v in json.loads(DOCUMENT_GET_EXAMPLE).items() if k not in {"id", "created_at"}
    }
    classic = await call(crm, "POST", "/api/products/", h, classic_body)
    assert {k: classic[k] for k in classic_body} == classic_body
    assert classic["ingredients"] is None and classic["catalog_width"] is None

    assert [p["id"] for p in await call(crm, "GET", "/api/products/?category=букет", h)] == [
        product_id,
        classic["id"],
    ]
    cheap = await call(crm, "GET", "/api/products/?max_price=15000.5", h)
    assert [p["id"] for p in cheap] == [classic["id"]]
    dear = await call(crm, "GET", "/api/products/?min_price=20000&search=Премиум", h)
    assert [p["id"] for p in dear] == [product_id]
    assert await call(crm, "GET", "/api/products/?category=горшечный", h) == []

    # Inventory: create, read, list (low_stock, search), update (through the ledger).
    roses = await call(
        crm,
        "POST",
        "/api/inventory/",
        h,
        {"name": "Роза белая", "quantity": 100, "unit": "шт", "min_quantity": 20},
    )
    assert roses == {
        "id": roses["id"],
        "name": "Роза белая",
        "quantity": 100.0,
        "unit": "шт",
        "min_quantity": 20.0,
        "price_per_unit": None,
        "created_at": roses["created_at"],
    }
    ribbon = await call(
        crm,
        "POST",
        "/api/inventory",
        h,
        {"name": "Лента", "quantity": 2, "unit": "м", "min_quantity": 5, "price_per_unit": 300},
    )
    assert await call(crm, "GET", f"/api/inventory/{roses['id']}", h) == roses
    low = await call(crm, "GET", "/api/inventory/?low_stock=true", h)
    assert [i["id"] for i in low] == [ribbon["id"]]
    enough = await call(crm, "GET", "/api/inventory/?low_stock=false", h)
    assert [i["id"] for i in enough] == [roses["id"]]
    assert [i["id"] for i in await call(crm, "GET", "/api/inventory/?search=Роза", h)] == [
        roses["id"]
    ]
    ribbon = await call(crm, "PUT", f"/api/inventory/{ribbon['id']}", h, {"quantity": 50})
    assert ribbon["quantity"] == 50.0 and ribbon["min_quantity"] == 5.0
    moves = await StockMove.filter(stock_item_id=ribbon["id"]).order_by("id")
    assert [(m.kind.value, float(m.quantity)) for m in moves] == [
        ("adjustment", 2.0),
        ("adjustment", 48.0),
    ]

    # Composition of the classic bouquet: 11 roses and 1 m of ribbon per bouquet.
    classic_id = classic["id"]
    rose_part = await call(
        crm,
        "POST",
        f"/api/products/{classic_id}/composition",
        h,
        {"product_id": classic_id, "inventory_id": roses["id"], "quantity": 11},
    )
    assert rose_part == {
        "id": rose_part["id"],
        "product_id": classic_id,
        "inventory_id": roses["id"],
        "quantity": 11.0,
        "inventory_name": "Роза белая",
        "unit": "шт",
    }
    ribbon_part = await call(
        crm,
        "POST",
        f"/api/products/{classic_id}/composition",
        h,
        {"inventory_id": ribbon["id"], "quantity": 1},
    )
    assert await call(crm, "GET", f"/api/products/{classic_id}/composition", h) == [
        rose_part,
        ribbon_part,
    ]

    # Orders: create with items and a team, read, list with filters.
    order = await call(
        crm,
        "POST",
        "/api/orders/",
        h,
        {
            "client_id": orderer["id"],
            "recipient_id": recipient["id"],
            "manager_id": staff.manager.id,
            "florist_ids": [staff.florists[0].id, staff.florists[1].id],
            "delivery_date": "2026-03-08T12:00:00",
            "delivery_address": "Абая 10, кв. 5",
            "delivery_time_range": "14:00-16:00",
            "comment": "Позвонить за час",
            "items": [{"product_id": classic_id, "quantity": 2, "price": 15000}],
        },
    )
    order_id = order["id"]
    assert order == {
        "id": order_id,
        "client_id": orderer["id"],
        "recipient_id": recipient["id"],
        "manager_id": staff.manager.id,
        "florist_ids": [staff.florists[0].id, staff.florists[1].id],
        "courier_id": None,
        "executor_id": staff.florists[0].id,
        "status": "новый",
        "delivery_date": "2026-03-08T12:00:00",
        "delivery_address": "Абая 10, кв. 5",
        "delivery_time_range": "14:00-16:00",
        "total_price": 30000.0,
        "comment": "Позвонить за час",
        "created_at": order["created_at"],
        "items": [
            {
                "id": order["items"][0]["id"],
                "order_id": order_id,
                "product_id": classic_id,
                "quantity": 2,
                "price": 15000.0,
                "product_name": "Букет роз 'Классик'",
            }
        ],
    }
    assert await call(crm, "GET", f"/api/orders/{order_id}", h) == order
    second = await call(
        crm,
        "POST",
        "/api/orders",
        h,
        {
            "client_id": recipient["id"],
            "recipient_id": recipient["id"],
            "delivery_date": "2026-03-09T10:00:00",
            "delivery_address": "Сатпаева 1",
            "total_price": 12000,
        },
    )
    assert second["total_price"] == 12000.0 and second["items"] == []
    assert [o["id"] for o in await call(crm, "GET", "/api/orders/", h)] == [
        second["id"],
        order_id,
    ]
    mine = await call(crm, "GET", f"/api/orders/?client_id={orderer['id']}", h)
    assert [o["id"] for o in mine] == [order_id]
    on_the_8th = await call(crm, "GET", "/api/orders/?date_from=2026-03-08&date_to=2026-03-08", h)
    assert [o["id"] for o in on_the_8th] == [order_id]
    assert await call(crm, "GET", "/api/orders/?status=собран", h) == []
    assert len(await call(crm, "GET", "/api/orders/?status=новый&limit=1", h)) == 1
    assert [o["id"] for o in await call(crm, "GET", f"/api/clients/{orderer['id']}/orders", h)] == [
        order_id
    ]

    # Items: add and remove, the total follows; an unavailable product is a 400.
    line = {"order_id": order_id, "product_id": product_id, "quantity": 1, "price": 35000}
    refused = await call(crm, "POST", f"/api/orders/{order_id}/items", h, line, expect=400)
    assert "not available" in refused["detail"]
    await call(crm, "PUT", f"/api/products/{product_id}", h, {"is_available": True})
    grown = await call(
        crm,
        "POST",
        f"/api/orders/{order_id}/items",
        h,
        {"order_id": order_id, "product_id": product_id, "quantity": 1, "price": 35000},
    )
    assert grown["total_price"] == 65000.0 and len(grown["items"]) == 2
    added = grown["items"][1]
    shrunk = await call(crm, "DELETE", f"/api/orders/{order_id}/items/{added['id']}", h)
    assert shrunk["total_price"] == 30000.0 and shrunk["items"] == order["items"]

    # PUT and PATCH change only the fields they are given.
    put = await call(
        crm, "PUT", f"/api/orders/{order_id}", h, {"delivery_time_range": "15:00-17:00"}
    )
    assert put == {**shrunk, "delivery_time_range": "15:00-17:00"}
    patched = await call(
        crm,
        "PATCH",
        f"/api/orders/{order_id}",
        h,
        {"comment": "Без звонка", "delivery_date": "2026-03-08T13:30:00"},
    )
    assert patched == {**put, "comment": "Без звонка", "delivery_date": "2026-03-08T13:30:00"}

    # The team.
    await call(crm, "PUT", f"/api/orders/{order_id}/courier", h, {"courier_id": staff.courier.id})
    trio = [f.id for f in staff.florists[:3]]
    await call(crm, "PUT", f"/api/orders/{order_id}/florists", h, {"florist_ids": trio})
    managed = await call(
        crm, "PUT", f"/api/orders/{order_id}/manager", h, {"manager_id": staff.owner.id}
    )
    assert (managed["manager_id"], managed["florist_ids"], managed["courier_id"]) == (
        staff.owner.id,
        sorted(trio),
        staff.courier.id,
    )
    team = await call(crm, "GET", f"/api/orders/{order_id}/team", h)
    assert team["manager"]["id"] == staff.owner.id and team["manager"]["role"] == "manager"
    assert [(m["id"], m["role"]) for m in team["florists"]] == [
        (i, "florist") for i in sorted(trio)
    ]
    assert team["courier"]["name"] == "Курьер Ержан" and team["courier"]["role"] == "courier"

    # Status: assembling takes 2 × (11 roses + 1 m ribbon) out of stock.
    assembled = await call(
        crm,
        "PUT",
        f"/api/orders/{order_id}/status",
        h,
        {"new_status": "собран", "comment": "Готово к фото"},
    )
    assert assembled["status"] == "собран"
    assert (await call(crm, "GET", f"/api/inventory/{roses['id']}", h))["quantity"] == 78.0
    assert (await call(crm, "GET", f"/api/inventory/{ribbon['id']}", h))["quantity"] == 48.0
    assert [o["id"] for o in await call(crm, "GET", "/api/orders/?status=собран", h)] == [order_id]

    # Statistics.
    board = await call(crm, "GET", "/api/stats/dashboard", h)
    assert board["orders_by_status"]["собран"] == 1
    assert board["orders_by_status"]["новый"] == 1
    assert set(board["orders_by_status"]) == {
        "новый",
        "в работе",
        "готов",
        "доставлен",
        "оплачен",
        "собран",
        "отменен",
    }
    assert board["today_orders"] == 2 and board["month_orders"] == 2
    assert board["today_revenue"] == 30000.0
    assert board["low_stock_count"] == 0
    assert board["top_products"][0] == {
        "product_id": classic_id,
        "name": "Букет роз 'Классик'",
        "quantity": 2,
        "revenue": 30000.0,
    }
    today = order["created_at"][:10]
    sales = await call(crm, "GET", f"/api/stats/sales?date_from={today}&date_to={today}", h)
    assert sales == {
        "date_from": today,
        "date_to": today,
        "total_orders": 2,
        "total_revenue": 30000.0,
        "days": [{"date": today, "orders": 2, "revenue": 30000.0}],
    }
    assert len((await call(crm, "GET", "/api/stats/sales", h))["days"]) == 30

    # Deletes: an order is cancelled (it stays, reading "отменен", stock given back).
    assert await call(crm, "DELETE", f"/api/orders/{order_id}", h) == {
        "message": "Order cancelled",
        "id": order_id,
    }
    assert (await call(crm, "GET", f"/api/orders/{order_id}", h))["status"] == "отменен"
    assert (await call(crm, "GET", f"/api/inventory/{roses['id']}", h))["quantity"] == 100.0
    await call(crm, "DELETE", f"/api/orders/{second['id']}", h)
    await call(crm, "GET", f"/api/orders/{second['id']}/team", h)
    await call(crm, "GET", "/api/orders/999999", h, expect=404)
    in_use = await call(crm, "DELETE", f"/api/inventory/{ribbon['id']}", h, expect=409)
    assert "Букет роз 'Классик'" in in_use["detail"]
    await call(crm, "DELETE", f"/api/products/{classic_id}/composition/{ribbon_part['id']}", h)
    await call(crm, "DELETE", f"/api/inventory/{ribbon['id']}", h)
    await call(crm, "GET", f"/api/inventory/{ribbon['id']}", h, expect=404)
    await call(crm, "DELETE", f"/api/products/{product_id}", h)
    await call(crm, "GET", f"/api/products/{product_id}", h, expect=404)
    await call(crm, "DELETE", f"/api/clients/{recipient['id']}", h)
    await call(crm, "GET", f"/api/clients/{recipient['id']}", h, expect=404)
    kept = await Order.get(id=order_id)
    assert kept.recipient_id is None  # type: ignore[attr-defined]

    # A shop API key works like a user's token.
    _, key = await create_api_key(shop_id=staff.shop.id, name="front-end")
    assert len(await call(crm, "GET", "/api/clients/", auth(key))) == 1


async def test_an_order_read_and_put_back_whole_stays_as_it_was(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    bare = await place(crm, staff, flowers)
    teamed = await place(
        crm,
        staff,
        flowers,
        manager_id=staff.manager.id,
        florist_ids=[staff.florists[2].id, staff.florists[0].id],
        courier_id=staff.courier.id,
        delivery_time_range="10:00-12:00",
    )
    for order in (bare, teamed):
        path = f"/api/orders/{order['id']}"
        read = await call(crm, "GET", path, staff.headers)
        assert await call(crm, "PUT", path, staff.headers, read) == read
        assert await call(crm, "PATCH", path, staff.headers, read) == read


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_a_prefix_setting_serves_the_crm_on_the_api_port(
    runtime: Runtime, staff: Staff, tmp_path: Path
) -> None:
    url = runtime.settings.effective_database_url
    runtime.settings = make_settings(tmp_path, url, contract_prefixes='{"crm": "/crm"}')
    apps = create_apps(runtime)
    assert runtime.settings.crm_port not in apps
    async with TestClient(TestServer(apps[runtime.settings.api_port], host="127.0.0.1")) as api:
        assert (await call(api, "GET", "/crm/", {}))["name"] == "CRM for Florists API"
        assert (await call(api, "GET", "/crm/health", {}))["status"] == "ok"
        assert (await call(api, "GET", "/health", {}))["status"] == "ok"
        assert await call(api, "GET", "/crm/api/clients/", staff.headers) == []
