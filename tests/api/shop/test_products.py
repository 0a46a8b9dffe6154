"""Shop contract: /api/products/ against the document (seed 000)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Product, ProductKind
from core.runtime import Runtime
from tests.api.shop.shapes import PRODUCT_KEYS, assert_shape
from tests.factories import make_product, make_shop, owner_headers

EXAMPLE = {
    "name": "Букет роз 'Классика'",
    "category": "bouquet",
    "description": "25 красных роз премиум класса",
    "cost_price": 12000,
    "retail_price": 25000,
    "sale_price": None,
    "is_active": True,
    "is_popular": True,
    "is_new": False,
}


def assert_product_shape(item: dict[str, Any]) -> None:
    assert_shape(item, PRODUCT_KEYS)


async def ids(api: TestClient, headers: dict[str, str], **params: Any) -> list[int]:
    query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in params.items()}
    response = await api.get("/api/products/", params=query, headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert set(body) == {"items", "total"}
    assert body["total"] >= len(body["items"])
    return [item["id"] for item in body["items"]]


async def test_created_product_reads_back_as_the_document_shows(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.post("/api/products/", json=EXAMPLE, headers=headers)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert_product_shape(created)
    assert {k: created[k] for k in EXAMPLE} == EXAMPLE
    assert created["current_price"] == 25000
    assert created["discount_percentage"] == 0

    listed = await (await api.get("/api/products/", headers=headers)).json()
    assert listed["total"] == 1
    assert listed["items"] == [created]
    one = await api.get(f"/api/products/{created['id']}", headers=headers)
    assert await one.json() == created


async def test_a_sale_price_makes_the_current_price_and_the_discount(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.post(
        "/api/products/",
        json={"name": "Тюльпаны", "retail_price": 10000, "sale_price": 7500},
        headers=headers,
    )
    body = await response.json()
    assert body["current_price"] == 7500
    assert body["discount_percentage"] == 25
    assert body["category"] == "bouquet"


async def test_update_changes_only_the_given_fields_and_delete_removes(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    created = await (await api.post("/api/products/", json=EXAMPLE, headers=headers)).json()
    response = await api.put(
        f"/api/products/{created['id']}",
        json={"sale_price": 20000, "category": "gift"},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    updated = await response.json()
    assert_product_shape(updated)
    assert updated["sale_price"] == 20000
    assert updated["category"] == "gift"
    assert updated["name"] == EXAMPLE["name"]
    assert updated["current_price"] == 20000
    assert updated["discount_percentage"] == 20
    cleared = await api.put(
        f"/api/products/{created['id']}", json={"sale_price": None}, headers=headers
    )
    assert (await cleared.json())["current_price"] == 25000

    deleted = await api.delete(f"/api/products/{created['id']}", headers=headers)
    assert deleted.status == 204
    missing = await api.get(f"/api/products/{created['id']}", headers=headers)
    assert missing.status == 404
    assert await missing.json() == {"detail": "Product not found"}


async def test_every_filter_changes_the_answer(api: TestClient, runtime: Runtime) -> None:
    shop, _, headers = await owner_headers(runtime)
    roses = await make_product(
        shop, "Букет роз", 25000, description="красные розы", is_popular=True
    )
    box = await make_product(
        shop, "Коробка", 18000, kind=ProductKind.COMPOSITION, discount_price=15000, is_new=True
    )
    bear = await make_product(shop, "Мишка", 5000, kind=ProductKind.GIFT, description="плюш")
    card = await make_product(shop, "Открытка", 500, kind=ProductKind.OTHER, is_active=False)
    cactus = await make_product(shop, "Кактус", 3000, kind=ProductKind.POTTED)
    everything = [roses.id, box.id, bear.id, card.id, cactus.id]

    assert await ids(api, headers) == everything
    assert await ids(api, headers, category="bouquet") == [roses.id]
    assert await ids(api, headers, category="composition") == [box.id]
    assert await ids(api, headers, category="gift") == [bear.id]
    assert await ids(api, headers, category="other") == [card.id, cactus.id]
    assert await ids(api, headers, search="роз") == [roses.id]
    assert await ids(api, headers, search="плюш") == [bear.id]
    assert await ids(api, headers, is_popular=True) == [roses.id]
    assert await ids(api, headers, is_popular=False) == [box.id, bear.id, card.id, cactus.id]
    assert await ids(api, headers, is_new=True) == [box.id]
    assert await ids(api, headers, on_sale=True) == [box.id]
    assert await ids(api, headers, on_sale=False) == [roses.id, bear.id, card.id, cactus.id]
    assert await ids(api, headers, is_active=False) == [card.id]
    # Prices filter on what the customer pays: the box costs 15000 on sale.
    assert await ids(api, headers, min_price=15000) == [roses.id, box.id]
    assert await ids(api, headers, max_price=15000) == [box.id, bear.id, card.id, cactus.id]
    assert await ids(api, headers, min_price=16000, max_price=20000) == []
    assert await ids(api, headers, min_price=3000, max_price=5000) == [bear.id, cactus.id]
    assert await ids(api, headers, category="other", max_price=1000) == [card.id]


async def test_pages_split_the_list_and_total_counts_all(api: TestClient, runtime: Runtime) -> None:
    shop, _, headers = await owner_headers(runtime)
    made = [(await make_product(shop, f"P{i}", 1000 + i)).id for i in range(5)]
    first = await (await api.get("/api/products/?page=1&limit=2", headers=headers)).json()
    third = await (await api.get("/api/products/?page=3&limit=2", headers=headers)).json()
    beyond = await (await api.get("/api/products/?page=9&limit=2", headers=headers)).json()
    assert [i["id"] for i in first["items"]] == made[:2]
    assert [i["id"] for i in third["items"]] == made[4:]
    assert first["total"] == third["total"] == beyond["total"] == 5
    assert beyond["items"] == []


async def test_another_shops_products_are_not_found_nor_listed(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    theirs = await make_product(await make_shop("Чужой"), "Чужой букет", 9000)
    assert await ids(api, headers) == []
    for method in ("GET", "DELETE"):
        response = await api.request(method, f"/api/products/{theirs.id}", headers=headers)
        assert response.status == 404
    response = await api.put(
        f"/api/products/{theirs.id}", json={"retail_price": 1}, headers=headers
    )
    assert response.status == 404
    kept = await Product.get(id=theirs.id)
    assert (kept.price, kept.name) == (9000, "Чужой букет")


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"name": "Без цены"}, ["body", "retail_price"]),
        ({"retail_price": 1000}, ["body", "name"]),
        ({"name": "X", "retail_price": "дорого"}, ["body", "retail_price"]),
        ({"name": "X", "retail_price": 10.5}, ["body", "retail_price"]),
        ({"name": "X", "retail_price": "25000"}, ["body", "retail_price"]),
        ({"name": "X", "retail_price": -1}, ["body", "retail_price"]),
        ({"name": "X", "retail_price": 1000, "category": "plant"}, ["body", "category"]),
        ({"name": "X", "retail_price": 1000, "sale_price": 1000}, ["body", "sale_price"]),
        ({"name": "X", "retail_price": 1000, "is_popular": "maybe"}, ["body", "is_popular"]),
        ({"name": "   ", "retail_price": 1000}, ["body", "name"]),
    ],
)
async def test_bad_products_are_refused_in_the_documented_format_and_nothing_is_written(
    api: TestClient, runtime: Runtime, payload: dict[str, Any], loc: list[str]
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.post("/api/products/", json=payload, headers=headers)
    assert response.status == 422, await response.text()
    detail = (await response.json())["detail"]
    assert detail[0]["loc"] == loc
    assert set(detail[0]) == {"loc", "msg", "type"}
    assert await Product.all().count() == 0


async def test_an_update_that_breaks_the_prices_is_refused_and_nothing_changes(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    product = await make_product(shop, "Розы", 25000, discount_price=20000)
    for payload, loc in (
        ({"retail_price": 15000}, ["body", "sale_price"]),
        ({"retail_price": None}, ["body", "retail_price"]),
        ({"name": None}, ["body", "name"]),
        ({"is_new": "often"}, ["body", "is_new"]),
    ):
        response = await api.put(f"/api/products/{product.id}", json=payload, headers=headers)
        assert response.status == 422, payload
        assert (await response.json())["detail"][0]["loc"] == loc
    kept = await Product.get(id=product.id)
    assert (kept.price, kept.discount_price, kept.name) == (25000, 20000, "Розы")


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("page=0", ["query", "page"]),
        ("page=-1", ["query", "page"]),
        ("limit=101", ["query", "limit"]),
        ("limit=0", ["query", "limit"]),
        ("page=two", ["query", "page"]),
        ("category=flowers", ["query", "category"]),
        ("min_price=cheap", ["query", "min_price"]),
        ("on_sale=perhaps", ["query", "on_sale"]),
        ("min_price=5000&max_price=1000", ["query", "min_price"]),
    ],
)
async def test_bad_list_queries_are_a_422(
    api: TestClient, runtime: Runtime, query: str, loc: list[str]
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.get(f"/api/products/?{query}", headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == loc


async def test_products_need_a_token(api: TestClient, runtime: Runtime) -> None:
    response = await api.get("/api/products/")
    assert response.status == 401
    assert set(await response.json()) == {"detail"}
    response = await api.get("/api/products/abc", headers=(await owner_headers(runtime))[2])
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["path", "product_id"]
