"""Product names and descriptions per language (core.catalog_texts) through the shop and
erp contracts: an optional `translations` object, validated, in the OpenAPI document,
read back on every product; a product without translations reads as the document shows."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Product
from core.runtime import Runtime
from tests.api.shop.shapes import PRODUCT_KEYS, assert_shape
from tests.factories import owner_headers

KK = {"name": "Қызыл раушандар", "description": "25 қызыл раушан"}
EN = {"name": "Red roses", "description": None}


async def test_translations_round_trip_and_merge_by_language(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    body = {"name": "Красные розы", "retail_price": 25000, "translations": {"kk": KK}}
    response = await api.post("/api/products/", json=body, headers=headers)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["translations"] == {"kk": KK | {"description": "25 қызыл раушан"}}
    assert_shape({k: v for k, v in created.items() if k != "translations"}, PRODUCT_KEYS)
    one = await (await api.get(f"/api/products/{created['id']}", headers=headers)).json()
    assert one == created
    listed = await (await api.get("/api/products/", headers=headers)).json()
    assert listed["items"] == [created]

    # A language given adds or replaces its texts; the others stay.
    response = await api.put(
        f"/api/products/{created['id']}", json={"translations": {"en": EN}}, headers=headers
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["translations"] == {"kk": KK, "en": EN}
    # Null removes a language; other fields are untouched.
    response = await api.put(
        f"/api/products/{created['id']}", json={"translations": {"kk": None}}, headers=headers
    )
    after = await response.json()
    assert after["translations"] == {"en": EN}
    assert (after["name"], after["retail_price"]) == ("Красные розы", 25000)
    stored = await Product.get(id=created["id"])
    assert stored.translations == {"en": {"name": "Red roses", "description": None}}

    # The last one removed: the product reads exactly as the document shows again.
    response = await api.put(
        f"/api/products/{created['id']}", json={"translations": {"en": None}}, headers=headers
    )
    assert_shape(await response.json(), PRODUCT_KEYS)


@pytest.mark.parametrize(
    ("translations", "loc"),
    [
        ({"de": {"name": "Rosen"}}, ["body", "translations", "de"]),
        ({"kk": {"name": ""}}, ["body", "translations", "kk", "name"]),
        ({"kk": {"name": "   "}}, ["body", "translations", "kk", "name"]),
        ({"kk": {"name": "р" * 301}}, ["body", "translations", "kk", "name"]),
        (
            {"kk": {"name": "Раушан", "description": "р" * 5001}},
            ["body", "translations", "kk", "description"],
        ),
        ({"kk": {"description": "тек сипаттама"}}, ["body", "translations", "kk", "name"]),
        ({"kk": {"name": "Раушан", "price": 1}}, ["body", "translations", "kk", "price"]),
        ({"kk": "Раушан"}, ["body", "translations", "kk"]),
        (["kk"], ["body", "translations"]),
    ],
)
async def test_bad_translations_are_a_422_in_the_documented_format(
    api: TestClient, runtime: Runtime, translations: Any, loc: list[str]
) -> None:
    _, _, headers = await owner_headers(runtime)
    body = {"name": "Розы", "retail_price": 1000, "translations": translations}
    response = await api.post("/api/products/", json=body, headers=headers)
    assert response.status == 422, await response.text()
    detail = (await response.json())["detail"]
    assert [d["loc"] for d in detail] == [loc]
    assert set(detail[0]) == {"loc", "msg", "type"}
    assert await Product.all().count() == 0


async def test_the_openapi_documents_show_translations(api: TestClient) -> None:
    document = await (await api.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for model in ("ProductIn", "ProductChanges", "ProductOut", "erp.ProductIn", "ProductPatch"):
        assert "translations" in schemas[model]["properties"], model
        assert "translations" not in schemas[model].get("required", []), model
    assert set(schemas["TranslationsIn"]["properties"]) == {"ru", "kk", "uz", "en"}
    assert schemas["TranslationsIn"]["additionalProperties"] is False
    one = schemas["ProductTranslation"]
    assert one["required"] == ["name"]
    assert one["properties"]["name"]["maxLength"] == 300
    assert one["properties"]["description"]["anyOf"][0]["maxLength"] == 5000


async def test_erp_products_take_and_show_translations(api: TestClient, runtime: Runtime) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.post(
        "/api/products/products/",
        json={"name": "Розы", "sale_price": 1000, "translations": {"kk": KK}},
        headers=headers,
    )
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["translations"] == {"kk": KK}
    response = await api.patch(
        f"/api/products/products/{created['id']}/",
        json={"translations": {"uz": {"name": "Qizil atirgullar"}}},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["translations"] == {
        "kk": KK,
        "uz": {"name": "Qizil atirgullar", "description": None},
    }
    response = await api.patch(
        f"/api/products/products/{created['id']}/",
        json={"translations": {"xx": {"name": "?"}}},
        headers=headers,
    )
    # erp's own error shape: a 400 with the field paths.
    assert response.status == 400, await response.text()
    error = await response.json()
    assert (error["status"], error["code"]) == ("error", "bad_request")
    assert list(error["errors"]) == ["translations.xx"]
    plain = await api.post(
        "/api/products/products/", json={"name": "Тюльпаны", "sale_price": 1}, headers=headers
    )
    assert "translations" not in await plain.json()
