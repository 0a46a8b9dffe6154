"""Each contract answers errors in its own words; contracts sharing a port do not mix."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import BaseModel

from api.app import create_apps
from api.errors import ErrorDialect, Problem
from api.routing import Contract
from core.errors import Conflict, NotFound
from core.runtime import Runtime


def coded(problem: Problem) -> dict[str, Any]:
    return {"detail": problem.detail, "code": problem.code}


plain = Contract("shop", title="Plain", version="1", mount="/api")
dialect = Contract(
    "erp",
    title="Dialect",
    version="1",
    mount="/api",
    errors=ErrorDialect(body=coded, validation_status=400),
)


class Body(BaseModel):
    name: str


@plain.post("/plain/things")
async def plain_create(request: Any, *, body: Body) -> dict[str, str]:
    raise Conflict("Already there")


@dialect.post("/dialect/things")
async def dialect_create(request: Any, *, body: Body) -> dict[str, str]:
    raise Conflict("Already there")


@dialect.get("/dialect/things/{thing_id}")
async def dialect_get(request: Any, *, thing_id: int) -> dict[str, str]:
    raise NotFound("Thing")


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_each_contract_writes_errors_in_its_dialect(runtime: Runtime) -> None:
    apps = create_apps(runtime, contracts={"shop": plain, "erp": dialect})
    async with TestClient(TestServer(apps[8000], host="127.0.0.1")) as client:
        response = await client.post("/api/plain/things", json={"name": "a"})
        assert (response.status, await response.json()) == (409, {"detail": "Already there"})
        response = await client.post("/api/dialect/things", json={"name": "a"})
        assert (response.status, await response.json()) == (
            409,
            {"detail": "Already there", "code": "conflict"},
        )
        response = await client.get("/api/dialect/things/7")
        assert (response.status, await response.json()) == (
            404,
            {"detail": "Thing not found", "code": "not_found"},
        )
        response = await client.post("/api/dialect/things", json={})
        assert response.status == 400
        body = await response.json()
        assert body["code"] == "validation_error"
        assert body["detail"][0]["loc"] == ["body", "name"]
        response = await client.post("/api/plain/things", json={})
        assert response.status == 422
        assert (await response.json())["detail"][0]["loc"] == ["body", "name"]
