"""Clients (Клиенты): customers of the shop, orderers and recipients."""

from __future__ import annotations

from aiohttp import web

from api.crm import contract
from api.crm.common import caller, collection
from api.crm.schemas import Client, ClientCreate, ClientQuery, ClientUpdate, Deleted, Order
from core import customers
from core.auth.tokens import Principal
from core.dialects import crm
from core.models import Customer
from core.tenancy import get_owned

TAGS = ("Clients",)


@collection(contract.get, "/clients", response=list[Client], tags=TAGS)
async def list_clients(
    request: web.Request, *, query: ClientQuery, principal: Principal
) -> list[Client]:
    """Получить список клиентов с фильтрацией"""
    who = await caller(request, principal)
    rows = await crm.list_clients(
        shop_id=who.shop_id,
        search=query.search,
        client_type=crm.CLIENT_TYPES[query.client_type] if query.client_type else None,
        offset=query.skip,
        limit=query.limit,
    )
    return [Client.of(c, who.zone) for c in rows]


@collection(contract.post, "/clients", response=Client, tags=TAGS, idempotent=True)
async def create_client(
    request: web.Request, *, body: ClientCreate, principal: Principal
) -> Client:
    """Создать нового клиента"""
    who = await caller(request, principal)
    customer = await crm.create_client(shop_id=who.shop_id, values=body.to_core())
    return Client.of(customer, who.zone)


@contract.get("/clients/{client_id}", response=Client, tags=TAGS, responses={404: "Not found"})
async def get_client(request: web.Request, *, client_id: int, principal: Principal) -> Client:
    """Получить клиента по ID"""
    who = await caller(request, principal)
    customer = await get_owned(Customer, shop_id=who.shop_id, id=client_id)
    return Client.of(customer, who.zone)


@contract.put("/clients/{client_id}", response=Client, tags=TAGS, responses={404: "Not found"})
async def update_client(
    request: web.Request, *, client_id: int, body: ClientUpdate, principal: Principal
) -> Client:
    """Обновить клиента (only the fields sent change)"""
    who = await caller(request, principal)
    customer = await crm.update_client(
        shop_id=who.shop_id, client_id=client_id, changes=body.to_core()
    )
    return Client.of(customer, who.zone)


@contract.delete("/clients/{client_id}", response=Deleted, tags=TAGS, responses={404: "Not found"})
async def delete_client(request: web.Request, *, client_id: int, principal: Principal) -> Deleted:
    """Удалить клиента (their orders stay, without the link)"""
    await customers.delete_customer(shop_id=principal.shop_id, customer_id=client_id)
    return Deleted(message="Client deleted", id=client_id)


@contract.get(
    "/clients/{client_id}/orders", response=list[Order], tags=TAGS, responses={404: "Not found"}
)
async def client_orders(
    request: web.Request, *, client_id: int, principal: Principal
) -> list[Order]:
    """Получить заказы клиента"""
    who = await caller(request, principal)
    views = await crm.client_orders(shop_id=who.shop_id, client_id=client_id)
    return [Order.of(v, who.zone) for v in views]
