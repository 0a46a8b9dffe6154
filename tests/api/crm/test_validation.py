"""Bad input is a clear 4xx in the crm document's shapes, and nothing is half-written;
another shop's ids answer 404 like missing ones."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Customer, Order, Product, Role
from core.runtime import Runtime
from tests.api.crm.conftest import Flowers, Staff, ok, place, send
from tests.factories import auth, make_member, make_shop, token_for

PRODUCT = {"name": "Букет", "price": 15000, "category": "букет"}


@pytest.mark.parametrize(
    "colors",
    [
        "red",
        "[1, 2]",
        '{"red": true}',
        '["red", null]',
        ["red", "white"],
        '"red"',
    ],
)
async def test_a_list_field_that_is_not_a_json_array_of_strings_is_a_422(
    crm: TestClient, staff: Staff, colors: Any
) -> None:
    status, answer = await send(
        crm, "POST", "/api/products/", staff.headers, {**PRODUCT, "colors": colors}
    )
    assert status == 422
    assert answer["detail"][0]["loc"] == ["body", "colors"]
    assert await Product.filter(shop_id=staff.shop.id).count() == 0


async def test_list_fields_are_real_lists_in_core_and_json_strings_here(
    crm: TestClient, staff: Staff
) -> None:
    body = {
        **PRODUCT,
        "colors": '[ "red" , "white" ]',
        "ingredients": "[]",
        "images": None,
    }
    created = await ok(crm, "POST", "/api/products/", staff.headers, body)
    assert (created["colors"], created["ingredients"], created["images"]) == (
        '["red","white"]',
        "[]",
        "[]",
    )
    product = await Product.get(id=created["id"])
    assert (product.colors, product.ingredients, product.images) == (["red", "white"], [], [])
    cleared = await ok(
        crm, "PUT", f"/api/products/{created['id']}", staff.headers, {"colors": None}
    )
    assert cleared["colors"] is None and cleared["ingredients"] == "[]"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({**PRODUCT, "price": 15000.5}, ["body", "price"]),
        ({**PRODUCT, "price": -1}, ["body", "price"]),
        ({**PRODUCT, "category": "цветы"}, ["body", "category"]),
        ({**PRODUCT, "product_type": "other"}, ["body", "product_type"]),
        ({"price": 1000, "category": "букет"}, ["body", "name"]),
        ({**PRODUCT, "width": "x" * 21}, ["body", "width"]),
        ({**PRODUCT, "name": "a\u0000b"}, ["body", "name"]),
        ({**PRODUCT, "colors": '["a\u0000"]'}, ["body", "colors"]),
        ({**PRODUCT, "colors": '["a\\u0000"]'}, ["body", "colors"]),
    ],
)
async def test_product_fields_are_validated_in_the_documented_shape(
    crm: TestClient, staff: Staff, body: dict[str, Any], loc: list[str]
) -> None:
    status, answer = await send(crm, "POST", "/api/products/", staff.headers, body)
    assert status == 422
    assert [p["loc"] for p in answer["detail"]] == [loc]
    assert set(answer["detail"][0]) == {"loc", "msg", "type"}


BAD_URLS = [
    "file:///etc/passwd",
    "javascript:alert(document.cookie)",
    "JavaScript://example.com/%0Aalert(1)",
    "data:image/png;base64,iVBORw0KGgo=",
    "/static/roses.jpg",
    "//example.com/roses.jpg",
    "ftp://example.com/roses.jpg",
    "http://",
    "https://exa mple.com/a.jpg",
    "https://example.com/a.jpg\n",
    "https://example.com:99999/a.jpg",
]


@pytest.mark.parametrize("url", BAD_URLS)
async def test_only_http_urls_are_stored_as_pictures(
    crm: TestClient, staff: Staff, url: str
) -> None:
    status, answer = await send(
        crm, "POST", "/api/products/", staff.headers, {**PRODUCT, "image_url": url}
    )
    assert status == 422, answer
    assert [p["loc"] for p in answer["detail"]] == [["body", "image_url"]]
    status, answer = await send(
        crm, "POST", "/api/products/", staff.headers, {**PRODUCT, "images": json.dumps([url])}
    )
    assert status == 422, answer
    assert [p["loc"] for p in answer["detail"]] == [["body", "images"]]
    assert await Product.filter(shop_id=staff.shop.id).count() == 0
    created = await ok(crm, "POST", "/api/products/", staff.headers, PRODUCT)
    for body in ({"image_url": url}, {"images": json.dumps(["https://a.kz/1.jpg", url])}):
        status, answer = await send(
            crm, "PUT", f"/api/products/{created['id']}", staff.headers, body
        )
        assert status == 422, answer
    product = await Product.get(id=created["id"])
    assert (product.image_url, product.images) == (None, [])


async def test_http_and_https_pictures_are_stored(crm: TestClient, staff: Staff) -> None:
    body = {
        **PRODUCT,
        "image_url": "HTTPS://cdn.example.kz:8443/roses/1.jpg?size=large#top",
        "images": '["http://example.com/a.jpg", "https://xn--80ak6aa92e.kz/b.jpg"]',
    }
    created = await ok(crm, "POST", "/api/products/", staff.headers, body)
    assert created["image_url"] == body["image_url"]
    product = await Product.get(id=created["id"])
    assert product.images == ["http://example.com/a.jpg", "https://xn--80ak6aa92e.kz/b.jpg"]


async def test_a_partial_update_refuses_nulls_for_required_fields(
    crm: TestClient, staff: Staff
) -> None:
    created = await ok(crm, "POST", "/api/products/", staff.headers, PRODUCT)
    status, answer = await send(
        crm, "PUT", f"/api/products/{created['id']}", staff.headers, {"price": None}
    )
    assert status == 422
    assert answer["detail"][0]["loc"] == ["body", "price"]


async def test_a_client_phone_is_normalised_and_unique_in_the_shop(
    crm: TestClient, staff: Staff
) -> None:
    status, answer = await send(crm, "POST", "/api/clients/", staff.headers, {"phone": "12"})
    assert status == 422
    assert answer["detail"][0]["loc"] == ["body", "phone"]
    await ok(crm, "POST", "/api/clients/", staff.headers, {"phone": "+77011112233"})
    status, answer = await send(
        crm, "POST", "/api/clients/", staff.headers, {"phone": "8 701 111 22 33"}
    )
    assert status == 409
    assert "+77011112233" in answer["detail"]
    assert await Customer.filter(shop_id=staff.shop.id).count() == 1


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        ("/api/clients/?limit=1001", ["query", "limit"]),
        ("/api/clients/?client_type=vip", ["query", "client_type"]),
        ("/api/products/?category=flowers", ["query", "category"]),
        ("/api/products/?min_price=inf", ["query", "min_price"]),
        ("/api/products/?max_price=-1", ["query", "max_price"]),
        ("/api/inventory/?low_stock=maybe", ["query", "low_stock"]),
        ("/api/orders/?status=new", ["query", "status"]),
        ("/api/orders/?date_from=08.03.2026", ["query", "date_from"]),
        ("/api/orders/?date_from=0001-01-01", ["query", "date_from"]),
        ("/api/orders/?date_to=9999-12-31", ["query", "date_to"]),
        ("/api/stats/sales?date_from=0001-01-01&date_to=0001-01-02", ["query", "date_from"]),
        ("/api/orders/abc", ["path", "order_id"]),
        ("/api/clients/?search=a%00b", ["query", "search"]),
        ("/api/orders/?client_id=99999999999", ["query", "client_id"]),
    ],
)
async def test_bad_query_and_path_values_are_422s_located_at_the_parameter(
    crm: TestClient, staff: Staff, path: str, loc: list[str]
) -> None:
    status, answer = await send(crm, "GET", path, staff.headers)
    assert status == 422
    assert answer["detail"][0]["loc"] == loc


async def test_an_order_names_the_field_that_is_wrong_and_writes_nothing(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    base = {
        "client_id": flowers.client.id,
        "recipient_id": flowers.client.id,
        "delivery_date": "2026-03-08T12:00:00",
        "delivery_address": "Абая 10",
        "items": [{"product_id": flowers.bouquet.id, "quantity": 1}],
    }
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        ({"client_id": 2**40}, ["body", "client_id"]),
        ({"items": [{"product_id": 2**40}]}, ["body", "items", 0, "product_id"]),
        ({"delivery_address": ""}, ["body", "delivery_address"]),
        ({"delivery_date": "0001-01-01T00:00:00"}, ["body", "delivery_date"]),
        ({"status": "shipped"}, ["body", "status"]),
        ({"florist_ids": [f.id for f in staff.florists]}, ["body", "florist_ids"]),
    ]
    for change, loc in cases:
        status, answer = await send(crm, "POST", "/api/orders/", staff.headers, {**base, **change})
        assert status == 422, (change, answer)
        assert answer["detail"][0]["loc"] == loc, (change, answer)
    # Well-formed ids naming nothing of the shop: 400 (test_state_refusals.py).
    for change in (
        {"items": [{"product_id": 999999}]},
        {"items": [{"product_id": flowers.bouquet.id, "price": 14000}]},
        {"total_price": 1},
        {"client_id": 999999},
        {"recipient_id": 999999},
        {"manager_id": staff.florists[0].id},
        {"courier_id": staff.manager.id},
        {"florist_ids": [staff.courier.id]},
    ):
        status, answer = await send(crm, "POST", "/api/orders/", staff.headers, {**base, **change})
        assert status == 400, (change, answer)
    assert await Order.filter(shop_id=staff.shop.id).count() == 0


async def test_a_team_needs_one_to_three_florists_and_members_with_the_role(
    crm: TestClient, staff: Staff, flowers: Flowers, runtime: Runtime
) -> None:
    order = await place(crm, staff, flowers)
    path = f"/api/orders/{order['id']}"
    outsider = await make_member(await make_shop("Другой магазин"), Role.FLORIST)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/florists", {"florist_ids": []}, "florist_ids"),
        ("/florists", {"florist_ids": [f.id for f in staff.florists]}, "florist_ids"),
        ("/courier", {}, "courier_id"),
    ]
    for suffix, body, field in cases:
        status, answer = await send(crm, "PUT", path + suffix, staff.headers, body)
        assert status == 422, (suffix, body, answer)
        assert answer["detail"][0]["loc"] == ["body", field], (suffix, body, answer)
    # A member without the role, or of another shop, is no such team member: 400.
    for suffix, body in [
        ("/florists", {"florist_ids": [staff.courier.id]}),
        ("/florists", {"florist_ids": [outsider.id]}),
        ("/manager", {"manager_id": staff.courier.id}),
        ("/courier", {"courier_id": staff.florists[0].id}),
    ]:
        status, answer = await send(crm, "PUT", path + suffix, staff.headers, body)
        assert status == 400, (suffix, body, answer)
    team = await ok(crm, "GET", path + "/team", staff.headers)
    assert (team["manager"], team["florists"], team["courier"]) == (None, [], None)
    three = [f.id for f in staff.florists[:3]]
    assert (await ok(crm, "PUT", path + "/florists", staff.headers, {"florist_ids": three}))[
        "florist_ids"
    ] == three
    await ok(crm, "PUT", path + "/courier", staff.headers, {"courier_id": staff.courier.id})
    unassigned = await ok(crm, "PUT", path + "/courier", staff.headers, {"courier_id": None})
    assert unassigned["courier_id"] is None


async def test_another_shops_ids_answer_404_like_missing_ones(
    crm: TestClient, staff: Staff, flowers: Flowers, runtime: Runtime
) -> None:
    order = await place(crm, staff, flowers)
    other = await make_shop("Чужой магазин")
    stranger = await make_member(other, Role.OWNER)
    theirs = auth(token_for(runtime, stranger, other))
    for method, path, body in [
        ("GET", f"/api/clients/{flowers.client.id}", None),
        ("PUT", f"/api/clients/{flowers.client.id}", {"name": "X"}),
        ("DELETE", f"/api/clients/{flowers.client.id}", None),
        ("GET", f"/api/clients/{flowers.client.id}/orders", None),
        ("GET", f"/api/products/{flowers.bouquet.id}", None),
        ("PUT", f"/api/products/{flowers.bouquet.id}", {"price": 1}),
        ("DELETE", f"/api/products/{flowers.bouquet.id}", None),
        ("GET", f"/api/products/{flowers.bouquet.id}/composition", None),
        (
            "POST",
            f"/api/products/{flowers.bouquet.id}/composition",
            {"inventory_id": flowers.roses.id, "quantity": 1},
        ),
        ("GET", f"/api/inventory/{flowers.roses.id}", None),
        ("PUT", f"/api/inventory/{flowers.roses.id}", {"quantity": 0}),
        ("DELETE", f"/api/inventory/{flowers.roses.id}", None),
        ("GET", f"/api/orders/{order['id']}", None),
        ("PATCH", f"/api/orders/{order['id']}", {"comment": "x"}),
        ("DELETE", f"/api/orders/{order['id']}", None),
        ("PUT", f"/api/orders/{order['id']}/status", {"new_status": "отменен"}),
        ("GET", f"/api/orders/{order['id']}/team", None),
        ("DELETE", f"/api/orders/{order['id']}/items/{order['items'][0]['id']}", None),
    ]:
        status, answer = await send(crm, method, path, theirs, body)
        assert status == 404, (method, path, status, answer)
        assert answer["detail"].endswith("not found")
    assert await ok(crm, "GET", "/api/orders/", theirs) == []
    mine = await ok(crm, "GET", f"/api/orders/{order['id']}", staff.headers)
    assert mine == order


async def test_a_component_must_be_an_inventory_item_of_the_shop_with_a_positive_quantity(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    path = f"/api/products/{flowers.plant.id}/composition"
    status, answer = await send(
        crm, "POST", path, staff.headers, {"inventory_id": 999999, "quantity": 1}
    )
    assert status == 400, answer  # tests/api/crm/test_state_refusals.py
    for body, loc in [
        ({"inventory_id": flowers.roses.id, "quantity": 0}, ["body", "quantity"]),
    ]:
        status, answer = await send(crm, "POST", path, staff.headers, body)
        assert status == 422, (body, answer)
        assert answer["detail"][0]["loc"] == loc
    status, answer = await send(
        crm,
        "POST",
        f"/api/products/{flowers.bouquet.id}/composition",
        staff.headers,
        {"inventory_id": flowers.roses.id, "quantity": 2},
    )
    assert status == 409
    assert "already in the composition" in answer["detail"]
    for missing in (999999, 2**40):
        status, _ = await send(crm, "DELETE", f"{path}/{missing}", staff.headers)
        assert status == 404


async def test_item_prices_and_totals_follow_the_catalog(
    crm: TestClient, staff: Staff, flowers: Flowers
) -> None:
    order = await place(crm, staff, flowers)
    path = f"/api/orders/{order['id']}"
    for method, suffix, body, loc in [
        ("POST", "/items", {"product_id": flowers.bouquet.id, "quantity": 0}, ["body", "quantity"]),
        ("PUT", "", {"delivery_date": None}, ["body", "delivery_date"]),
    ]:
        status, answer = await send(crm, method, path + suffix, staff.headers, body)
        assert status == 422, (body, answer)
        assert answer["detail"][0]["loc"] == loc, (body, answer)
    # Well-formed prices the catalog disagrees with: 400 (test_state_refusals.py).
    for method, suffix, body, field in [
        ("POST", "/items", {"product_id": flowers.bouquet.id, "price": 1}, "price"),
        ("PATCH", "", {"total_price": 1}, "total_price"),
    ]:
        status, answer = await send(crm, method, path + suffix, staff.headers, body)
        assert status == 400, (body, answer)
        assert answer["detail"].startswith(field), (body, answer)
    assert await ok(crm, "GET", path, staff.headers) == order
    for missing in (path + f"/items/{2**40}", f"/api/orders/{2**40}"):
        status, _ = await send(crm, "DELETE", missing, staff.headers)
        assert status == 404

    manual = await ok(
        crm,
        "POST",
        "/api/orders/",
        staff.headers,
        {
            "client_id": flowers.client.id,
            "recipient_id": flowers.client.id,
            "delivery_date": "2026-03-08T12:00:00",
            "delivery_address": "Абая 10",
            "total_price": 5000,
        },
    )
    repriced = await ok(
        crm, "PATCH", f"/api/orders/{manual['id']}", staff.headers, {"total_price": 7000}
    )
    assert repriced["total_price"] == 7000.0
    added = await ok(
        crm,
        "POST",
        f"/api/orders/{manual['id']}/items",
        staff.headers,
        {"product_id": flowers.plant.id, "quantity": 2},
    )
    assert added["total_price"] == 18000.0
    emptied = await ok(
        crm, "DELETE", f"/api/orders/{manual['id']}/items/{added['items'][0]['id']}", staff.headers
    )
    assert (emptied["items"], emptied["total_price"]) == ([], 0.0)
