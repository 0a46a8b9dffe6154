"""Contracts keep their documented ports, or share one port under prefixes (a setting)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_apps
from api.routing import Contract
from core.runtime import Runtime
from tests.conftest import make_settings

shop = Contract("shop", title="Shop", version="1", mount="/api")
crm = Contract("crm", title="CRM", version="2", mount="/api")


@shop.get("/orders/")
async def shop_orders(request: Any) -> dict[str, str]:
    return {"contract": "shop"}


@crm.get("/orders/")
async def crm_orders(request: Any) -> dict[str, str]:
    return {"contract": "crm"}


async def _get(app: Any, path: str) -> tuple[int, Any]:
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get(path)
        return response.status, await response.json()


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_colliding_contracts_keep_their_own_ports(runtime: Runtime) -> None:
    apps = create_apps(runtime, contracts={"shop": shop, "crm": crm})
    assert set(apps) == {8000, 8011}
    assert await _get(apps[8000], "/api/orders/") == (200, {"contract": "shop"})
    assert await _get(apps[8011], "/api/orders/") == (200, {"contract": "crm"})


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_a_prefix_setting_moves_a_contract_onto_the_api_port(
    runtime: Runtime, tmp_path
) -> None:
    url = runtime.settings.effective_database_url
    runtime.settings = make_settings(tmp_path, url, contract_prefixes='{"crm": "/crm"}')
    apps = create_apps(runtime, contracts={"shop": shop, "crm": crm})
    assert set(apps) == {8000}
    assert await _get(apps[8000], "/api/orders/") == (200, {"contract": "shop"})
    assert await _get(apps[8000], "/crm/api/orders/") == (200, {"contract": "crm"})
    status, document = await _get(apps[8000], "/openapi.json")
    assert {"/api/orders/", "/crm/api/orders/"} <= set(document["paths"])
