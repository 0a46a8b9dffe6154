"""Crafted bodies on the real contracts (issue 9, item 1): too deep, too long a number,
not UTF-8, not JSON by its content type. Each is a 4xx in the contract's error shape,
never a 500, and writes nothing; on SQLite and on PostgreSQL+Redis, without and with a
token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from api.errors import ErrorDialect, Problem
from api.routing import Contract
from core.models import Customer, Order
from core.runtime import Runtime
from tests.factories import owner_headers

JSON = {"Content-Type": "application/json"}
DEEP_ARRAY = b"[" * 2000
DEEP_EXTRA = b'{"phone": "+77011234567", "extra": ' + b"[" * 990 + b"]" * 990 + b"}"
LONG_NUMBER = b'{"phone": "+77011234567", "n": ' + b"7" * 5000 + b"}"
LONG_PHONE = b'{"phone": ' + b"7" * 5000 + b"}"
HUGE_FLOAT = b'{"phone": "+77011234567", "n": 1' + b"0" * 400 + b".5}"
NAN = b'{"phone": "+77011234567", "n": NaN}'
NOT_UTF8 = b'{"phone": "+7701\xff\xfe1234567"}'
UTF16 = '{"phone": "+77011234567"}'.encode("utf-16")

CRAFTED = {
    "deep_array": DEEP_ARRAY,
    "deep_extra": DEEP_EXTRA,
    "long_number": LONG_NUMBER,
    "long_phone": LONG_PHONE,
    "huge_float": HUGE_FLOAT,
    "nan": NAN,
    "not_utf8": NOT_UTF8,
    "utf16": UTF16,
}


def _validation_shape(body: Any) -> None:
    assert set(body) == {"detail"}, body
    assert isinstance(body["detail"], list) and body["detail"], body
    for problem in body["detail"]:
        assert set(problem) == {"loc", "msg", "type"}, problem
        assert problem["loc"][0] == "body", problem


async def _refused(client: TestClient, path: str, headers: dict[str, str]) -> None:
    for name, raw in CRAFTED.items():
        response = await client.post(path, data=raw, headers={**headers, **JSON})
        assert response.status == 422, (path, name, response.status, await response.text())
        _validation_shape(await response.json())
    response = await client.post(
        path,
        data=b'{"phone": "+77011234567"}',
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert response.status == 415, (path, response.status, await response.text())
    body = await response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str), body


@pytest.fixture
async def ports(
    serve_apps: Callable[[], Awaitable[dict[int, TestClient]]], runtime: Runtime
) -> dict[str, TestClient]:
    clients = await serve_apps()
    return {"shop": clients[runtime.settings.api_port], "crm": clients[runtime.settings.crm_port]}


async def test_crafted_bodies_on_public_auth_endpoints(ports: dict[str, TestClient]) -> None:
    for path in ("/api/auth/request-otp", "/api/auth/verify-otp"):
        await _refused(ports["shop"], path, {})


async def test_crafted_bodies_on_authenticated_creates(
    ports: dict[str, TestClient], runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    for path in ("/api/orders/", "/api/orders/with-items", "/api/customers/"):
        await _refused(ports["shop"], path, headers)
    for path in ("/api/orders/", "/api/clients/", "/api/products/"):
        await _refused(ports["crm"], path, headers)
    assert await Order.all().count() == 0
    assert await Customer.all().count() == 0


async def test_deep_json_inside_a_json_string_field(
    ports: dict[str, TestClient], runtime: Runtime
) -> None:
    """crm's JSON-string lists (`colors`) are parsed by the same bounded reader."""
    _, _, headers = await owner_headers(runtime)
    response = await ports["crm"].post(
        "/api/products/",
        data=b'{"name": "A", "price": 100, "category": "\\u0431\\u0443\\u043a\\u0435\\u0442",'
        b' "colors": "' + b"[" * 5000 + b'"}',
        headers={**headers, **JSON},
    )
    assert response.status == 422, await response.text()


async def test_ordinary_json_still_works_with_a_charset(ports: dict[str, TestClient]) -> None:
    response = await ports["shop"].post(
        "/api/auth/request-otp",
        data=b'{"phone": "+77011234567"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status == 200, await response.text()
    empty = await ports["shop"].post("/api/auth/request-otp")
    assert empty.status == 422
    assert (await empty.json())["detail"][0]["loc"] == ["body"]


# A contract whose dialect answers validation with 400 and a code (erp's words).
coded = Contract(
    "erp",
    title="Coded",
    version="1",
    mount="/api",
    errors=ErrorDialect(body=lambda p: coded_body(p), validation_status=400),
)


def coded_body(problem: Problem) -> dict[str, Any]:
    return {"detail": problem.detail, "code": problem.code}


@coded.post("/things")
async def coded_create(request: Any, *, body: dict[str, int]) -> dict[str, int]:
    return body


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_a_future_contract_gets_the_same_reader_in_its_dialect(runtime: Runtime) -> None:
    from aiohttp.test_utils import TestServer

    from api.app import create_apps

    app = create_apps(runtime, contracts={"erp": coded})[runtime.settings.api_port]
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        for name, raw in CRAFTED.items():
            response = await client.post("/api/things", data=raw, headers=JSON)
            assert response.status == 400, (name, response.status)
            body = await response.json()
            assert body["code"] == "validation_error" and body["detail"][0]["loc"][0] == "body"
        response = await client.post(
            "/api/things", data=b'{"a": 1}', headers={"Content-Type": "text/plain"}
        )
        assert response.status == 415
        assert await response.json() == {
            "detail": "Content-Type must be application/json",
            "code": "unsupported_media_type",
        }
        response = await client.post("/api/things", data=b'{"a": 1}', headers=JSON)
        assert (response.status, await response.json()) == (200, {"a": 1})
