"""The OpenAPI documents say what the handlers do (issue 9, item 8): strict types,
declared constraints, crm's local times as a pattern, null refused where it is, and
405 for a method a fixed path does not have. `make fuzz` checks the rest."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Product
from core.runtime import Runtime
from tests.factories import owner_headers


@pytest.fixture
async def ports(
    serve_apps: Callable[[], Awaitable[dict[int, TestClient]]], runtime: Runtime
) -> dict[str, TestClient]:
    clients = await serve_apps()
    return {"shop": clients[runtime.settings.api_port], "crm": clients[runtime.settings.crm_port]}


async def test_wrong_methods_on_fixed_paths_are_405(
    ports: dict[str, TestClient], runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    for method, path in (
        ("PUT", "/api/orders/with-items"),
        ("PATCH", "/api/warehouse/deliveries"),
    ):
        response = await ports["shop"].request(method, path, json={}, headers=headers)
        assert response.status == 405, (method, path, await response.text())
        assert "POST" in response.headers["Allow"] or "GET" in response.headers["Allow"]
        assert set(await response.json()) == {"detail"}
    bad_id = await ports["shop"].put("/api/orders/abc", json={}, headers=headers)
    assert bad_id.status == 422
    assert (await bad_id.json())["detail"][0]["loc"] == ["path", "order_id"]


@pytest.mark.parametrize(
    ("port", "path", "body", "loc"),
    [
        ("crm", "/api/products/", {"is_available": 0}, ["body", "is_available"]),
        ("shop", "/api/products/", {"is_new": 0}, ["body", "is_new"]),
        ("shop", "/api/products/", {"is_active": "true"}, ["body", "is_active"]),
    ],
)
async def test_types_are_strict_as_the_document_declares(
    ports: dict[str, TestClient],
    runtime: Runtime,
    port: str,
    path: str,
    body: dict[str, Any],
    loc: list[str],
) -> None:
    _, _, headers = await owner_headers(runtime)
    base = (
        {"name": "Букет", "price": 15000, "category": "букет"}
        if port == "crm"
        else {"name": "Букет", "retail_price": 15000}
    )
    response = await ports[port].post(path, json={**base, **body}, headers=headers)
    assert response.status == 422, await response.text()
    assert [p["loc"] for p in (await response.json())["detail"]] == [loc]
    assert await Product.all().count() == 0


async def test_a_deadline_must_be_a_date_time_string(
    ports: dict[str, TestClient], runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await ports["shop"].post(
        "/api/production/tasks/",
        json={"order_id": 1, "task_type": "bouquet", "deadline": 0},
        headers=headers,
    )
    assert response.status == 422
    assert ["body", "deadline"] in [p["loc"] for p in (await response.json())["detail"]]


async def test_documents_declare_what_is_enforced(ports: dict[str, TestClient]) -> None:
    crm = await (await ports["crm"].get("/openapi.json")).json()
    schemas = crm["components"]["schemas"]
    created = schemas["Order"]["properties"]["created_at"]
    assert "format" not in created and created["type"] == "string"
    assert re.fullmatch(created["pattern"], "2025-09-23T13:20:13.745515")
    assert not re.fullmatch(created["pattern"], "2025-09-23T13:20:13+05:00")
    written = schemas["OrderCreate"]["properties"]["delivery_date"]
    assert re.fullmatch(written["pattern"], "2026-03-08T12:00:00")
    assert not re.fullmatch(written["pattern"], "1969-12-31T12:00:00")
    update = schemas["OrderUpdate"]["properties"]
    assert update["client_id"]["type"] == "integer"  # may be left out, never null
    assert {"type": "null"} in update["comment"]["anyOf"]  # null clears it
    image = schemas["ProductCreate"]["properties"]["image_url"]
    assert any("pattern" in branch for branch in image["anyOf"])
    limit = {p["name"]: p["schema"] for p in crm["paths"]["/api/clients/"]["get"]["parameters"]}[
        "limit"
    ]
    assert (limit["minimum"], limit["maximum"]) == (1, 1000)
    shop = await (await ports["shop"].get("/openapi.json")).json()
    page = {p["name"]: p["schema"] for p in shop["paths"]["/api/orders/"]["get"]["parameters"]}
    assert page["page"]["minimum"] == 1
    assert (page["limit"]["minimum"], page["limit"]["maximum"]) == (1, 100)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"preparation_time": "15"}, ["body", "preparation_time"]),
        ({"preparation_time": False}, ["body", "preparation_time"]),
        ({"price": "15000"}, ["body", "price"]),
        ({"price": True}, ["body", "price"]),
    ],
)
async def test_numbers_are_json_numbers_as_the_document_declares(
    ports: dict[str, TestClient], runtime: Runtime, body: dict[str, Any], loc: list[str]
) -> None:
    """fuzz (negative_data_rejection): crm read `"15"` and `false` as numbers."""
    _, _, headers = await owner_headers(runtime)
    base = {"name": "Букет", "price": 15000, "category": "букет"}
    response = await ports["crm"].post("/api/products/", json={**base, **body}, headers=headers)
    assert response.status == 422, await response.text()
    assert [p["loc"] for p in (await response.json())["detail"]] == [loc]
    assert await Product.all().count() == 0


async def test_a_nul_is_refused_only_where_the_body_keeps_it(
    ports: dict[str, TestClient], runtime: Runtime
) -> None:
    """fuzz (positive_data_acceptance): a NUL in a property the model ignores (the
    document allows any other property) was a 422."""
    _, _, headers = await owner_headers(runtime)
    base = {"name": "Букет", "price": 15000, "category": "букет"}
    ignored = await ports["crm"].post(
        "/api/products/", json={**base, "x\u0000": {"y": "\u0000"}}, headers=headers
    )
    assert ignored.status == 200, await ignored.text()
    kept = await ports["crm"].post(
        "/api/products/", json={**base, "name": "a\u0000"}, headers=headers
    )
    assert kept.status == 422
    assert [p["loc"] for p in (await kept.json())["detail"]] == [["body", "name"]]


def _api_document() -> dict[str, Any]:
    from api.app import load_contracts
    from api.openapi import build_document

    contracts = load_contracts()
    mounts = [("", contracts[name]) for name in ("shop", "commerce", "erp", "channels")]
    return build_document(mounts, title="Sauda API", version="test")


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_two_models_of_one_name_are_two_components() -> None:
    """fuzz (response_schema_conformance): an order's customer was checked against the
    customers' CustomerOut (email required), one component having replaced the other."""
    document = _api_document()
    ok = document["paths"]["/api/customers/{customer_id}"]["get"]["responses"]["200"]
    customer = _resolve(document, ok["content"]["application/json"]["schema"])
    assert "email" in customer["required"]
    page = _resolve(
        document,
        document["paths"]["/api/orders/"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ],
    )
    order = _resolve(document, page["properties"]["items"]["items"])
    in_order = _resolve(document, order["properties"]["customer"])
    assert "email" not in in_order.get("required", [])
    assert in_order is not customer


def test_each_contract_documents_its_own_error_shape_and_statuses() -> None:
    """fuzz: erp answers `{"status": "error", ...}` with 400 for validation, but the
    document said `{"detail": ...}` and 422."""
    document = _api_document()
    listing = document["paths"]["/api/sales/sales/"]["get"]["responses"]
    assert "422" not in listing
    error = _resolve(document, listing["400"]["content"]["application/json"]["schema"])
    assert error["required"] == ["status", "code", "message", "errors"]
    unauthenticated = _resolve(document, listing["401"]["content"]["application/json"]["schema"])
    assert unauthenticated == error
    login = document["paths"]["/api/users/auth/login/"]["post"]["responses"]
    assert "401" in login and "409" not in login
    shop = document["paths"]["/api/orders/"]["post"]["responses"]
    assert (
        _resolve(document, shop["422"]["content"]["application/json"]["schema"])["properties"][
            "detail"
        ]["type"]
        == "array"
    )


def test_a_success_that_is_no_json_says_what_it_is() -> None:
    """fuzz (content_type_conformance): the chart and the export were documented as JSON."""
    document = _api_document()
    chart = document["paths"]["/api/v1/reports/{project_id}/{report_id}/chart.png"]["get"]
    assert list(chart["responses"]["200"]["content"]) == ["image/png"]
    export = document["paths"]["/api/v1/reports/{project_id}/{report_id}/export.csv"]["get"]
    assert list(export["responses"]["200"]["content"]) == ["text/csv"]


async def test_an_id_beyond_64_bits_in_a_query_is_a_validation_error(
    ports: dict[str, TestClient], runtime: Runtime
) -> None:
    """fuzz (not_a_server_error): `GET /api/sales/sales/?session=10**20` answered 500."""
    _, _, headers = await owner_headers(runtime)
    response = await ports["shop"].get(
        "/api/sales/sales/", params={"session": str(10**20)}, headers=headers
    )
    assert response.status == 400, await response.text()
    assert (await response.json())["status"] == "error"
