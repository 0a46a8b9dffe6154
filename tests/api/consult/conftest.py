"""Fixtures for the consult contract: a service firm in Tashkent with an API key, and a
real HTTP client on the consult port."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.auth.apikeys import create_api_key
from core.models import Shop
from core.runtime import Runtime
from tests.factories import make_shop


@dataclass
class Firm:
    shop: Shop
    headers: dict[str, str]


@pytest.fixture
async def consult(
    serve_apps: Callable[[], Awaitable[dict[int, TestClient]]], runtime: Runtime
) -> TestClient:
    """A real HTTP client on the consult port (7070)."""
    clients = await serve_apps()
    return clients[runtime.settings.consult_port]


@pytest.fixture
async def firm(runtime: Runtime) -> Firm:
    shop = await make_shop("Бухгалтерия Ташкент", timezone="Asia/Tashkent")
    _, key = await create_api_key(shop_id=shop.id, name="site")
    return Firm(shop=shop, headers={"Authorization": f"Bearer {key}"})


async def call(
    client: TestClient,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
    *,
    raw: str | None = None,
    expect: int = 200,
) -> Any:
    options: dict[str, Any] = {"headers": dict(headers)}
    if raw is not None:
        options["data"] = raw.encode()
        options["headers"]["Content-Type"] = "application/json"
    elif body is not None:
        options["json"] = body
    response = await client.request(method, path, **options)
    payload = await response.json()
    assert response.status == expect, (method, path, response.status, payload)
    return payload
