"""Fixtures for the crm contract: real HTTP clients on the CRM and API ports, a shop
with an owner and a team."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import (
    Customer,
    Product,
    ProductComponent,
    ProductKind,
    Role,
    Shop,
    StockItem,
    User,
)
from core.runtime import Runtime
from tests.factories import (
    auth,
    make_member,
    make_product,
    make_shop,
    make_stock_item,
    token_for,
)


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


async def send(
    client: TestClient, method: str, path: str, headers: dict[str, str], body: Any = None
) -> tuple[int, Any]:
    """One request; the status and the decoded JSON answer."""
    response = await client.request(method, path, headers=headers, json=body)
    return response.status, await response.json()


async def ok(
    client: TestClient, method: str, path: str, headers: dict[str, str], body: Any = None
) -> Any:
    status, payload = await send(client, method, path, headers, body)
    assert status == 200, (method, path, status, payload)
    return payload


@dataclass
class Flowers:
    """A client, stock (roses, ribbon) and a bouquet made of 11 roses and 1.5 m ribbon."""

    client: Customer
    roses: StockItem
    ribbon: StockItem
    bouquet: Product
    plant: Product


@pytest.fixture
async def flowers(staff: Staff) -> Flowers:
    client = await Customer.create(shop=staff.shop, phone="+77015550001", name="Айгуль")
    roses = await make_stock_item(staff.shop, "Роза красная", quantity=100, unit="шт")
    ribbon = await make_stock_item(staff.shop, "Лента", quantity=10, unit="м")
    bouquet = await make_product(staff.shop, "Букет 'Нежность'", price=15000)
    await ProductComponent.create(product=bouquet, stock_item=roses, quantity=Decimal(11))
    await ProductComponent.create(product=bouquet, stock_item=ribbon, quantity=Decimal("1.5"))
    plant = await make_product(staff.shop, "Фикус", price=9000, kind=ProductKind.POTTED)
    return Flowers(client=client, roses=roses, ribbon=ribbon, bouquet=bouquet, plant=plant)


async def place(
    crm: TestClient, staff: Staff, flowers: Flowers, quantity: int = 1, **extra: Any
) -> dict[str, Any]:
    """An order of `quantity` bouquets placed through the crm contract."""
    body = {
        "client_id": flowers.client.id,
        "recipient_id": flowers.client.id,
        "delivery_date": "2026-03-08T12:00:00",
        "delivery_address": "Абая 10",
        "items": [{"product_id": flowers.bouquet.id, "quantity": quantity}],
        **extra,
    }
    return await ok(crm, "POST", "/api/orders/", staff.headers, body)


async def quantity_of(item: StockItem) -> Decimal:
    await item.refresh_from_db()
    return Decimal(item.quantity)
