"""What `make fuzz` found on the API port (shop, channels, erp, commerce), each class of
failure reproduced over real HTTP: no 500 from a field the database would refuse,
types as strict as the document declares them (bodies and query dates), and a 405
that allows the methods of the path the request names."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.models import Product, Task
from core.runtime import Runtime
from tests.api.commerce.helpers import sign_up
from tests.factories import owner_headers


async def test_a_login_longer_than_any_username_is_refused_not_a_500(api: TestClient) -> None:
    """fuzz (not_a_server_error): erp login with a 200-character username was a 500
    (the username column holds 150; the query itself was refused)."""
    for login in ("0" * 200, "a" * 150 + "@example.com"):
        response = await api.post(
            "/api/users/auth/login/", json={"username": login, "password": "TestPass123!"}
        )
        assert response.status == 401, await response.text()
        assert (await response.json())["status"] == "error"


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("name", ["unit", "name", "sale_price", "tax_rate", "is_active"])
async def test_an_erp_product_field_that_always_has_a_value_refuses_null(
    api: TestClient, runtime: Runtime, method: str, name: str
) -> None:
    """fuzz (not_a_server_error): `{"unit": null}` on an erp product was a 500; the
    document now says these fields are not nullable, and null is the contract's 400."""
    shop, _, headers = await owner_headers(runtime)
    product = await Product.create(shop=shop, name="Розы", price=15000)
    response = await api.request(
        method, f"/api/products/products/{product.id}/", json={name: None}, headers=headers
    )
    assert response.status == 400, await response.text()
    assert name in (await response.json())["errors"]
    await product.refresh_from_db()
    assert (product.unit, product.name) == ("pcs", "Розы")
    document = await (await api.get("/openapi.json")).json()
    patch = document["paths"]["/api/products/products/{product_id}/"]["patch"]
    ref = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"][name]
    assert {"type": "null"} not in schema.get("anyOf", []) and schema.get("type") != "null"


@pytest.mark.parametrize("method", ["PATCH", "PUT", "POST"])
@pytest.mark.parametrize("category", [-145260057283756081152, 2**63, 2**31, 0, -1])
async def test_an_erp_category_id_beyond_any_row_is_no_such_category(
    api: TestClient, runtime: Runtime, method: str, category: int
) -> None:
    """fuzz (not_a_server_error, 2026-12-03): an erp product PATCH naming category
    -145260057283756081152 was a 500 (the category look-up sent it to the database)."""
    shop, _, headers = await owner_headers(runtime)
    product = await Product.create(shop=shop, name="Розы", price=15000)
    path = "/api/products/products/" + ("" if method == "POST" else f"{product.id}/")
    body: dict[str, Any] = {"category": category}
    if method != "PATCH":
        body |= {"name": "Тюльпаны", "sale_price": 1000}
    response = await api.request(method, path, json=body, headers=headers)
    assert response.status == 400, await response.text()
    answer = await response.json()
    assert answer["errors"]["category"] == ["No such category in this store"], answer
    await product.refresh_from_db()
    assert (product.name, product.category_id) == ("Розы", None)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/products/products/", {"name": "A", "sale_price": 1, "is_active": 0}, "is_active"),
        ("/api/tasks/templates/", {"title": "A", "due_date": 0}, "due_date"),
        ("/api/tasks/templates/", {"title": "A", "due_date": "0"}, "due_date"),
    ],
)
async def test_erp_booleans_and_dates_in_a_body_are_strict(
    api: TestClient, runtime: Runtime, path: str, body: dict[str, Any], field: str
) -> None:
    """fuzz (negative_data_rejection): `is_active: 0` and `due_date: 0` were read as
    false and 1970-01-01 where the document says boolean and date-time."""
    _, _, headers = await owner_headers(runtime)
    response = await api.post(path, json=body, headers=headers)
    assert response.status == 400, await response.text()
    assert field in (await response.json())["errors"]
    assert await Product.all().count() == 0 and await Task.all().count() == 0


@pytest.mark.parametrize(
    "query",
    [
        "/api/analytics/daily-sales/?end_date=0",
        "/api/analytics/inventory-snapshots/latest/?date=0",
        "/api/analytics/product-performance/top-products/?end_date=20250101",
    ],
)
async def test_a_date_in_a_query_is_written_as_a_date(
    api: TestClient, runtime: Runtime, query: str
) -> None:
    """fuzz (negative_data_rejection): `?end_date=0` was read as 1970-01-01."""
    _, _, headers = await owner_headers(runtime)
    response = await api.get(query, headers=headers)
    assert response.status == 400, await response.text()
    good = await api.get(query.split("=")[0] + "=2025-01-17", headers=headers)
    assert good.status == 200, await good.text()


async def test_commerce_booleans_in_a_body_are_strict(api: TestClient, clock: FrozenClock) -> None:
    """fuzz (negative_data_rejection): commerce `is_active: 0` and
    `use_function_calling: 0` were read as booleans."""
    headers = await sign_up(api, clock, "strict@example.com")
    created = await api.post("/api/v1/projects", json={"name": "My Store"}, headers=headers)
    assert created.status == 201, await created.text()
    project_id = (await created.json())["id"]
    response = await api.patch(
        f"/api/v1/projects/{project_id}", json={"is_active": 0}, headers=headers
    )
    assert response.status == 422, await response.text()
    assert [p["loc"] for p in (await response.json())["detail"]] == [["body", "is_active"]]
    query = await api.post(
        "/api/v1/assistant/query",
        json={"project_id": project_id, "message": "hi", "use_function_calling": 0},
        headers=headers,
    )
    assert query.status == 422, await query.text()


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/v1/integrations/{project}/connect", {"POST"}),
        ("/api/v1/reports/{project}/generate", {"POST"}),
    ],
)
async def test_a_405_allows_the_methods_of_the_path_named(
    api: TestClient, clock: FrozenClock, path: str, allowed: set[str]
) -> None:
    """fuzz (allow_header_conformance): `OPTIONS .../connect` allowed DELETE too (the
    methods of `/integrations/{project_id}/{integration_id}`, which it also matches),
    and a DELETE there was a 422 about an integration id."""
    headers = await sign_up(api, clock, "allow@example.com")
    url = path.format(project=uuid.uuid4())
    for method in ("OPTIONS", "DELETE", "GET"):
        response = await api.request(method, url, headers=headers)
        if method == "GET" and "GET" in allowed:
            continue
        assert response.status == 405, (method, await response.text())
        assert set(response.headers["Allow"].split(",")) == allowed
    # A path that names an id is still that path: a bad id is a validation error.
    bad = await api.delete("/api/v1/integrations/" + str(uuid.uuid4()) + "/x", headers=headers)
    assert bad.status == 422, await bad.text()


async def test_a_long_product_name_fits_its_stock_item(api: TestClient, runtime: Runtime) -> None:
    """fuzz (not_a_server_error): a product named with 300 characters (the shop contract
    and erp allow 300) made erp's adjust-stock a 500: its stock item's name column holds
    200. The item keeps the first 200; the product its whole name."""
    shop, _, headers = await owner_headers(runtime)
    long_name = "Ц" * 300
    made = await api.post(
        "/api/products/", json={"name": long_name, "retail_price": 15000}, headers=headers
    )
    assert made.status == 201, await made.text()
    product_id = (await made.json())["id"]
    adjusted = await api.post(
        f"/api/products/products/{product_id}/adjust-stock/",
        json={"quantity": 5, "note": "приход"},
        headers=headers,
    )
    assert adjusted.status == 200, await adjusted.text()
    body = await adjusted.json()
    assert (body["name"], body["stock_quantity"]) == (long_name, "5.000")
    renamed = await api.patch(
        f"/api/products/products/{product_id}/", json={"name": "Ж" * 300}, headers=headers
    )
    assert renamed.status == 200, await renamed.text()
    from core.models import StockItem

    item = await StockItem.get(product_id=product_id)
    assert item.name == "Ж" * 200


async def test_an_item_naming_a_product_id_beyond_any_row_is_refused(
    api: TestClient, runtime: Runtime
) -> None:
    """fuzz (not_a_server_error): `items: [{"product_id": 10**20}]` was a 500 (the id
    overflowed the database's integer); the document bounds it like every row id."""
    _, _, headers = await owner_headers(runtime)
    response = await api.post(
        "/api/orders/with-items",
        json={"customer_phone": "+77011234567", "items": [{"product_id": 10**20}]},
        headers=headers,
    )
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == ["body", "items", 0, "product_id"]
    document = await (await api.get("/openapi.json")).json()
    item = document["components"]["schemas"]["ItemIn"]["properties"]["product_id"]
    assert item["maximum"] == 2**31 - 1


def _schema_of(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    return document["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]


async def test_the_api_document_declares_what_is_enforced(api: TestClient) -> None:
    """fuzz (positive_data_acceptance): constraints the handlers enforced and the
    document did not say (a webhook secret of 16..128 characters, at least one event,
    a changed URL's pattern, commerce languages and order status words, the WhatsApp
    handshake's bounds)."""
    document = await (await api.get("/openapi.json")).json()
    for method, path in (("post", "/api/webhooks/"), ("put", "/api/webhooks/{webhook_id}")):
        properties = _schema_of(document, path, method)["properties"]
        [secret] = [
            b
            for b in properties["secret"].get("anyOf", [properties["secret"]])
            if b.get("type") == "string"
        ]
        assert (secret["minLength"], secret["maxLength"]) == (16, 128)
        [events] = [
            b
            for b in properties["events"].get("anyOf", [properties["events"]])
            if b.get("type") == "array"
        ]
        assert events["minItems"] == 1
        assert properties["url"]["pattern"].startswith("^[Hh][Tt][Tt][Pp]")
    for method, path in (("post", "/api/v1/projects"), ("patch", "/api/v1/projects/{project_id}")):
        language = _schema_of(document, path, method)["properties"]["language"]
        assert language["enum"] == ["ru", "kk", "uz", "en"]
    parameters = {
        p["name"]: p["schema"]
        for p in document["paths"]["/api/v1/orders/{project_id}"]["get"]["parameters"]
    }
    assert "pending" in parameters["status"]["enum"] and "" not in parameters["status"]["enum"]
    handshake = {
        p["name"]: p["schema"]
        for p in document["paths"]["/api/v1/webhooks/whatsapp"]["get"]["parameters"]
    }
    assert handshake["hub.verify_token"]["maxLength"] == 512


async def test_rules_beyond_the_schema_are_listed_and_marked(api: TestClient) -> None:
    """fuzz (positive_data_acceptance): cross-field and data rules no JSON Schema can
    state (min_price <= max_price, a reused Idempotency-Key) are in the operation's
    description, and the operation is marked so `make fuzz` accepts their documented
    validation error for a schema-valid request of these operations only."""
    import tomllib
    from pathlib import Path

    from api.openapi import RULES_BEYOND_SCHEMA

    document = await (await api.get("/openapi.json")).json()
    products = document["paths"]["/api/products/"]["get"]
    assert products[RULES_BEYOND_SCHEMA] is True
    assert "min_price is not greater than max_price" in products["description"]
    assert "a 422" in products["description"]
    order = document["paths"]["/api/orders/"]["post"]  # idempotent: a reused key
    assert order[RULES_BEYOND_SCHEMA] is True and "Idempotency-Key" in order["description"]
    assert RULES_BEYOND_SCHEMA not in document["paths"]["/api/products/{product_id}"]["get"]
    config = tomllib.loads((Path(__file__).parents[2] / "tools" / "schemathesis.toml").read_text())
    [block] = [
        b for b in config["operations"] if b.get("include-by") == f"/{RULES_BEYOND_SCHEMA} == true"
    ]
    accepted = block["checks"]["positive_data_acceptance"]["expected-statuses"]
    assert "422" in accepted
    assert set(config["checks"]["positive_data_acceptance"]["expected-statuses"]) < set(accepted)


async def test_a_webhook_secret_rule_beyond_the_schema_is_listed(
    api: TestClient, runtime: Runtime
) -> None:
    """fuzz (positive_data_acceptance): a secret of 16..128 characters with a control
    character or a space around it is refused; the operations say so."""
    _, _, headers = await owner_headers(runtime)
    response = await api.post(
        "/api/webhooks/",
        json={"url": "https://example.com/hook", "secret": " " + "s" * 20},
        headers=headers,
    )
    assert response.status == 422, await response.text()
    document = await (await api.get("/openapi.json")).json()
    for method, path in (("post", "/api/webhooks/"), ("put", "/api/webhooks/{webhook_id}")):
        operation = document["paths"][path][method]
        assert operation["x-rules-beyond-schema"] is True
        assert "secret is printable" in operation["description"]


async def test_a_whole_number_written_with_a_point_is_the_integer_json_schema_says(
    api: TestClient, runtime: Runtime
) -> None:
    """fuzz (positive_data_acceptance): the shop's money was StrictInt, so `15000.0` (an
    integer to JSON Schema) was a 422; text and booleans are still refused (routing)."""
    from core.models import StockItem

    shop, _, headers = await owner_headers(runtime)
    item = await StockItem.create(shop=shop, name="Роза")
    ok = await api.patch(
        f"/api/warehouse/{item.id}", json={"price_per_unit": 15000.0}, headers=headers
    )
    assert ok.status == 200, await ok.text()
    assert (await ok.json())["price_per_unit"] == 15000
    for wrong in ("15000", True, 15000.5):
        refused = await api.patch(
            f"/api/warehouse/{item.id}", json={"price_per_unit": wrong}, headers=headers
        )
        assert refused.status == 422, (wrong, await refused.text())


async def test_times_of_the_shop_list_their_year_rule(api: TestClient) -> None:
    """fuzz (positive_data_acceptance): a deadline in the year 9 is a 422 that
    `format: date-time` cannot announce: the operations list it."""
    document = await (await api.get("/openapi.json")).json()
    for method, path in (
        ("post", "/api/production/tasks/"),
        ("patch", "/api/production/tasks/{task_id}"),
        ("post", "/api/warehouse/deliveries"),
        ("post", "/api/orders/"),
        ("put", "/api/orders/{order_id}"),
    ):
        operation = document["paths"][path][method]
        assert operation["x-rules-beyond-schema"] is True, path
        assert "in the years 1970..2999" in operation["description"], path
