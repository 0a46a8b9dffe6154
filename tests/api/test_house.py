"""The API house over real HTTP: the error format, authentication by token and API key,
request ids, rate-limit headers, health and the OpenAPI document. A small contract made
here exercises the same machinery every real contract uses."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import BaseModel, Field

from api.app import create_apps
from api.routing import Contract
from core.auth.apikeys import create_api_key
from core.auth.tokens import Principal
from core.models import Customer
from core.runtime import Runtime
from core.tenancy import get_owned
from tests.factories import auth, make_shop, owner_headers

sample = Contract("shop", title="Sample", version="9.9", mount="/api")


class CustomerIn(BaseModel):
    phone: str
    name: str = Field(min_length=1)
    age: int | None = None


class CustomerOut(BaseModel):
    id: int
    phone: str
    name: str


@sample.post("/things/", response=CustomerOut, status=201)
async def create_thing(request: Any, *, body: CustomerIn, principal: Principal) -> CustomerOut:
    """Create a thing."""
    row = await Customer.create(shop_id=principal.shop_id, phone=body.phone, name=body.name)
    return CustomerOut(id=row.id, phone=row.phone, name=row.name)


@sample.get("/things/{thing_id}", response=CustomerOut)
async def get_thing(request: Any, *, thing_id: int, principal: Principal) -> CustomerOut:
    row = await get_owned(Customer, shop_id=principal.shop_id, id=thing_id)
    return CustomerOut(id=row.id, phone=row.phone, name=row.name)


@sample.get("/boom")
async def boom(request: Any) -> None:
    raise RuntimeError("secret internals")


@pytest.fixture
async def client(runtime: Runtime) -> Any:
    app = create_apps(runtime, contracts={"shop": sample})[runtime.settings.api_port]
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def test_malformed_json_is_a_422_in_the_documented_shape(
    client: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await client.post(
        "/api/things/", data=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status == 422
    body = await response.json()
    assert body["detail"][0]["loc"][0] == "body" and body["detail"][0]["type"] == "json_invalid"
    assert await Customer.all().count() == 0


async def test_wrong_types_and_missing_fields_name_their_location(
    client: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await client.post("/api/things/", json={"name": "", "age": "old"}, headers=headers)
    assert response.status == 422
    problems = {tuple(p["loc"]): p for p in (await response.json())["detail"]}
    assert problems[("body", "phone")]["type"] == "missing"
    assert problems[("body", "age")]["type"] == "int_type"  # strict: text is no integer
    assert problems[("body", "name")]["type"] == "string_too_short"
    assert all(set(p) == {"loc", "msg", "type"} for p in problems.values())
    empty = await client.post("/api/things/", headers=headers)
    assert empty.status == 422 and (await empty.json())["detail"][0]["loc"] == ["body"]


async def test_unknown_and_foreign_ids_are_404_and_bad_ids_422(
    client: TestClient, runtime: Runtime
) -> None:
    shop_a, _, headers_a = await owner_headers(runtime)
    _, _, headers_b = await owner_headers(runtime, await make_shop("B"))
    created = await client.post(
        "/api/things/", json={"phone": "+77011234567", "name": "Айгуль"}, headers=headers_a
    )
    assert created.status == 201
    thing = await created.json()
    assert (await client.get(f"/api/things/{thing['id']}", headers=headers_a)).status == 200
    foreign = await client.get(f"/api/things/{thing['id']}", headers=headers_b)
    unknown = await client.get("/api/things/999999", headers=headers_b)
    assert foreign.status == unknown.status == 404
    assert await foreign.json() == await unknown.json() == {"detail": "Customer not found"}
    bad = await client.get("/api/things/abc", headers=headers_a)
    assert bad.status == 422 and (await bad.json())["detail"][0]["loc"] == ["path", "thing_id"]
    route = await client.get("/api/nowhere", headers=headers_a)
    assert route.status == 404 and await route.json() == {"detail": "Not Found"}
    method = await client.delete("/api/things/", headers=headers_a)
    assert method.status == 405 and "detail" in await method.json()


async def test_no_traceback_reaches_a_client(client: TestClient) -> None:
    response = await client.get("/api/boom")
    assert response.status == 500
    assert await response.json() == {"detail": "Internal Server Error"}


async def test_tokens_and_api_keys_authenticate_and_garbage_does_not(
    client: TestClient, runtime: Runtime
) -> None:
    shop = await make_shop()
    _, key = await create_api_key(shop_id=shop.id, name="site")
    by_key = await client.post(
        "/api/things/", json={"phone": "+77011234567", "name": "A"}, headers=auth(key)
    )
    assert by_key.status == 201
    by_header = await client.get(
        f"/api/things/{(await by_key.json())['id']}", headers={"X-API-Key": key}
    )
    assert by_header.status == 200
    for headers in ({}, auth("garbage"), auth("sk_deadbeef_nope"), {"Authorization": "Basic abc"}):
        response = await client.get("/api/things/1", headers=headers)
        assert response.status == 401, headers
        assert set(await response.json()) == {"detail"}


async def test_every_response_has_a_request_id_and_rate_limit_headers(
    client: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await client.get("/api/things/999", headers={**headers, "X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.headers["X-RateLimit-Limit"] == "1000"
    assert int(response.headers["X-RateLimit-Remaining"]) == 999
    assert int(response.headers["X-RateLimit-Reset"]) > 0


async def test_openapi_document_describes_the_contract(client: TestClient) -> None:
    document = await (await client.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/api/things/"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CustomerIn"
    }
    assert "201" in operation["responses"] and "422" in operation["responses"]
    assert {"CustomerIn", "CustomerOut", "HTTPValidationError"} <= set(
        document["components"]["schemas"]
    )
    for page in (
        "/docs",
        "/redoc",
        "/static/docs/swagger-ui-bundle.js",
        "/static/docs/redoc.standalone.js",
    ):
        assert (await client.get(page)).status == 200, page


async def test_health_reports_database_and_store(client: TestClient) -> None:
    for path in ("/health", "/api/health"):
        response = await client.get(path)
        assert response.status == 200
        body = await response.json()
        assert body["database"] == "ok" and body["redis"] == "ok"


async def test_health_is_503_when_the_store_is_down(runtime: Runtime) -> None:
    import redis.asyncio as redis

    broken = redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    runtime.kv = broken
    app = create_apps(runtime, contracts={})[runtime.settings.api_port]
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get("/health")
        assert response.status == 503
        assert (await response.json())["redis"] == "down"
    await broken.aclose()


async def test_nul_characters_are_a_422_not_a_database_error(
    client: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await client.post(
        "/api/things/", json={"phone": "+77011234567", "name": "A\u0000B"}, headers=headers
    )
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["body", "name"]
    assert await Customer.all().count() == 0
