"""Fixtures for the crm contract: real HTTP clients on the CRM and API ports, a shop
with an owner and a team."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient

from core.models import Role, Shop, User
from core.runtime import Runtime
from tests.factories import auth, make_member, make_shop, token_for


@dataclass
class Ports:
    crm: TestClient
    api: TestClient


@dataclass
class Staff:
    shop: Shop
    owner: User
    headers: dict[str, str]
    manager: User
    florists: list[User]
    courier: User


@pytest.fixture
async def ports(
    serve_apps: Callable[[], Awaitable[dict[int, TestClient]]], runtime: Runtime
) -> Ports:
    clients = await serve_apps()
    return Ports(crm=clients[runtime.settings.crm_port], api=clients[runtime.settings.api_port])


@pytest.fixture
async def crm(ports: Ports) -> TestClient:
    """A real HTTP client on the CRM port."""
    return ports.crm


@pytest.fixture
async def staff(runtime: Runtime) -> Staff:
    shop = await make_shop("Цветы Алматы")
    owner = await make_member(shop, Role.OWNER, name="Owner")
    return Staff(
        shop=shop,
        owner=owner,
        headers=auth(token_for(runtime, owner, shop)),
        manager=await make_member(shop, Role.MANAGER, name="Менеджер Алия"),
        florists=[await make_member(shop, Role.FLORIST, name=f"Флорист {n}") for n in (1, 2, 3, 4)],
        courier=await make_member(shop, Role.COURIER, name="Курьер Ержан"),
    )
