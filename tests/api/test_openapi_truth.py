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
