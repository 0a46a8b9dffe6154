"""crm products take the optional `translations` extension (core.catalog_texts): read
back on every product, validated in the crm error shape, documented in its OpenAPI."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient

from core.models import Product
from tests.api.crm.conftest import Staff, ok, send

PRODUCT = {"name": "Букет", "price": 15000, "category": "букет"}
KK = {"name": "Гүлшоқ", "description": "Қызыл раушандар"}


async def test_crm_translations_round_trip_and_a_partial_put_keeps_them(
    crm: TestClient, staff: Staff
) -> None:
    created = await ok(
        crm, "POST", "/api/products/", staff.headers, {**PRODUCT, "translations": {"kk": KK}}
    )
    assert created["translations"] == {"kk": KK}
    assert await ok(crm, "GET", f"/api/products/{created['id']}", staff.headers) == created
    after = await ok(crm, "PUT", f"/api/products/{created['id']}", staff.headers, {"price": 20000})
    assert after["translations"] == {"kk": KK} and after["price"] == 20000.0
    after = await ok(
        crm,
        "PUT",
        f"/api/products/{created['id']}",
        staff.headers,
        {"translations": {"en": {"name": "Bouquet"}, "kk": None}},
    )
    assert after["translations"] == {"en": {"name": "Bouquet", "description": None}}
    plain = await ok(crm, "POST", "/api/products/", staff.headers, PRODUCT)
    assert "translations" not in plain


async def test_crm_bad_translations_are_a_422_and_nothing_is_written(
    crm: TestClient, staff: Staff
) -> None:
    for translations, loc in (
        ({"fr": {"name": "Bouquet"}}, ["body", "translations", "fr"]),
        ({"uz": {"name": "x" * 301}}, ["body", "translations", "uz", "name"]),
    ):
        status, answer = await send(
            crm, "POST", "/api/products/", staff.headers, {**PRODUCT, "translations": translations}
        )
        assert status == 422, answer
        assert [p["loc"] for p in answer["detail"]] == [loc]
        assert set(answer["detail"][0]) == {"loc", "msg", "type"}
    assert await Product.filter(shop_id=staff.shop.id).count() == 0


async def test_crm_openapi_documents_translations(crm: TestClient) -> None:
    document = await (await crm.get("/openapi.json")).json()
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    assert "translations" in schemas["ProductCreate"]["properties"]
    assert "translations" in schemas["Product"]["properties"]
    assert "translations" not in schemas["Product"].get("required", [])
    assert "TranslationsIn" in text
