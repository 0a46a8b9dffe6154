"""Inventory (Инвентарь): stock items; quantities change through the stock ledger."""

from __future__ import annotations

from aiohttp import web

from api.crm import contract
from api.crm.common import caller, collection
from api.crm.schemas import Deleted, Inventory, InventoryCreate, InventoryQuery, InventoryUpdate
from core.auth.tokens import Principal
from core.dialects import crm
from core.models import StockItem
from core.tenancy import get_owned

TAGS = ("Inventory",)


@collection(contract.get, "/inventory", response=list[Inventory], tags=TAGS)
async def list_inventory(
    request: web.Request, *, query: InventoryQuery, principal: Principal
) -> list[Inventory]:
    """Получить список складских позиций (low_stock: quantity below min_quantity)"""
    who = await caller(request, principal)
    rows = await crm.list_inventory(
        shop_id=who.shop_id,
        search=query.search,
        low_stock=query.low_stock,
        offset=query.skip,
        limit=query.limit,
    )
    return [Inventory.of(i, who.zone) for i in rows]


@collection(contract.post, "/inventory", response=Inventory, tags=TAGS)
async def create_inventory(
    request: web.Request, *, body: InventoryCreate, principal: Principal
) -> Inventory:
    """Создать новую складскую позицию"""
    who = await caller(request, principal)
    item = await crm.create_inventory_item(
        shop_id=who.shop_id, values=body.model_dump(), user_id=who.actor.user_id
    )
    return Inventory.of(item, who.zone)


@contract.get(
    "/inventory/{inventory_id}", response=Inventory, tags=TAGS, responses={404: "Not found"}
)
async def get_inventory(
    request: web.Request, *, inventory_id: int, principal: Principal
) -> Inventory:
    """Получить складскую позицию по ID"""
    who = await caller(request, principal)
    item = await get_owned(StockItem, shop_id=who.shop_id, id=inventory_id)
    return Inventory.of(item, who.zone)


@contract.put(
    "/inventory/{inventory_id}", response=Inventory, tags=TAGS, responses={404: "Not found"}
)
async def update_inventory(
    request: web.Request, *, inventory_id: int, body: InventoryUpdate, principal: Principal
) -> Inventory:
    """Обновить складскую позицию (a new quantity is a stock adjustment)"""
    who = await caller(request, principal)
    item = await crm.update_inventory_item(
        shop_id=who.shop_id,
        item_id=inventory_id,
        changes=body.model_dump(include=body.model_fields_set),
        user_id=who.actor.user_id,
    )
    return Inventory.of(item, who.zone)


@contract.delete(
    "/inventory/{inventory_id}",
    response=Deleted,
    tags=TAGS,
    responses={404: "Not found", 409: "Used in a product's composition"},
)
async def delete_inventory(
    request: web.Request, *, inventory_id: int, principal: Principal
) -> Deleted:
    """Удалить складскую позицию"""
    await crm.delete_inventory_item(shop_id=principal.shop_id, item_id=inventory_id)
    return Deleted(message="Inventory item deleted", id=inventory_id)
