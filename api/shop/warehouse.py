"""Shop contract: the warehouse and supply deliveries (`/api/warehouse/`).

Decisions the document leaves open: warehouse items read back in snake_case like the
rest of the contract (`on_showcase`, `to_write_off`), while the list's filters keep the
document's names (`onShowcase`, `toWriteOff`); `variety` and `supplier` filter by a
case-insensitive part of the name. Quantities and foreign costs are JSON numbers
(whole numbers when whole); tenge amounts are whole numbers with a `_kzt` suffix.
A delivery in KZT takes no rate (or 1). Stock only changes through deliveries and the
ledger; `PATCH /warehouse/{id}` sets an item's showcase and write-off flags, its
minimum and its price.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from api.openapi import not_null
from api.shop import contract
from api.shop.listing import PageQuery
from api.shop.schemas_orders import YEAR_RULE, Money, UtcDateTime
from core import supplies
from core.auth.tokens import Principal
from core.dialects.shop import format_datetime
from core.models import StockItem, SupplyCurrency, SupplyDelivery, SupplyPosition

Number = int | float


def number(value: Decimal | int | float | None) -> Number | None:
    """A JSON number: whole quantities as integers, others as decimals."""
    if value is None:
        return None
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


class StockItemOut(BaseModel):
    id: int
    name: str
    variety: str | None
    supplier: str | None
    farm: str | None
    height_cm: int | None
    quantity: Number
    unit: str
    min_quantity: Number
    price_per_unit: int | None
    on_showcase: bool
    to_write_off: bool
    updated_at: str


class StockPage(BaseModel):
    items: list[StockItemOut]
    total: int


class StockQuery(PageQuery):
    variety: str | None = Field(None, max_length=200, description="Filter by flower variety")
    supplier: str | None = Field(None, max_length=200, description="Filter by supplier")
    on_showcase: bool | None = Field(None, alias="onShowcase", description="Items on display")
    to_write_off: bool | None = Field(None, alias="toWriteOff", description="Items to write off")


class StockItemChanges(BaseModel):
    model_config = ConfigDict(extra="ignore")

    on_showcase: StrictBool | None = None
    to_write_off: StrictBool | None = None
    min_quantity: Annotated[Decimal, Field(ge=0, le=10**9, decimal_places=3)] | None = None
    price_per_unit: Money | None = None

    _not_null = field_validator("on_showcase", "to_write_off", "min_quantity")(not_null)


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    variety: str = Field(min_length=1, max_length=200)
    height_cm: int | None = Field(None, ge=1, le=1000)
    qty: Decimal = Field(gt=0, le=10**7, decimal_places=3)
    cost_per_stem: Decimal = Field(ge=0, le=10**8, decimal_places=4)


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    supplier: str = Field(min_length=1, max_length=200)
    farm: str | None = Field(None, max_length=200)
    delivery_date: UtcDateTime
    currency: Literal["USD", "EUR", "KZT"]
    rate: Decimal | None = Field(None, gt=0, le=10**6, decimal_places=4)
    positions: list[PositionIn] = Field(min_length=1, max_length=500)


class PositionOut(BaseModel):
    id: int
    stock_item_id: int
    variety: str
    height_cm: int | None
    qty: Number
    cost_per_stem: Number
    cost_per_stem_kzt: int
    total_cost_kzt: int


class DeliveryOut(BaseModel):
    id: int
    supplier: str
    farm: str | None
    delivery_date: str
    currency: Literal["USD", "EUR", "KZT"]
    rate: Number
    total_cost_kzt: int
    positions: list[PositionOut]
    created_at: str


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int


class DeliveryQuery(PageQuery):
    supplier: str | None = Field(None, max_length=200, description="Filter by supplier")


def item_out(item: StockItem) -> StockItemOut:
    return StockItemOut(
        id=item.id,
        name=item.name,
        variety=item.variety,
        supplier=item.supplier,
        farm=item.farm,
        height_cm=item.height_cm,
        quantity=number(item.quantity) or 0,
        unit=item.unit,
        min_quantity=number(item.min_quantity) or 0,
        price_per_unit=item.price_per_unit,
        on_showcase=item.on_showcase,
        to_write_off=item.to_write_off,
        updated_at=format_datetime(item.updated_at) or "",
    )


def position_out(row: SupplyPosition) -> PositionOut:
    return PositionOut(
        id=row.id,
        stock_item_id=row.stock_item_id,  # type: ignore[attr-defined]
        variety=row.variety,
        height_cm=row.height_cm,
        qty=number(row.qty) or 0,
        cost_per_stem=number(row.cost_per_unit) or 0,
        cost_per_stem_kzt=row.cost_per_unit_local,
        total_cost_kzt=row.total_cost_local,
    )


async def delivery_out(delivery: SupplyDelivery) -> DeliveryOut:
    positions = await supplies.supply_positions(delivery)
    return DeliveryOut(
        id=delivery.id,
        supplier=delivery.supplier,
        farm=delivery.farm,
        delivery_date=format_datetime(delivery.delivery_date) or "",
        currency=SupplyCurrency(delivery.currency).value,  # type: ignore[arg-type]
        rate=number(delivery.rate) or 0,
        total_cost_kzt=delivery.total_cost,
        positions=[position_out(p) for p in positions],
        created_at=format_datetime(delivery.created_at) or "",
    )


@contract.get("/warehouse/", response=StockPage, tags=("warehouse",))
async def list_stock(request: web.Request, *, query: StockQuery, principal: Principal) -> StockPage:
    """Warehouse items with variety, supplier, showcase and write-off filters."""
    rows, total = await supplies.list_stock(
        shop_id=principal.shop_id,
        spec=supplies.StockFilter(
            variety=query.variety,
            supplier=query.supplier,
            on_showcase=query.on_showcase,
            to_write_off=query.to_write_off,
        ),
        offset=query.offset,
        limit=query.limit,
    )
    return StockPage(items=[item_out(i) for i in rows], total=total)


@contract.post(
    "/warehouse/deliveries",
    response=DeliveryOut,
    status=201,
    tags=("warehouse",),
    idempotent=True,
    rules=(YEAR_RULE,),
)
async def create_delivery(
    request: web.Request, *, body: DeliveryIn, principal: Principal
) -> DeliveryOut:
    """Receive a supply delivery; its positions become stock, costs converted to tenge."""
    delivery = await supplies.record_supply(
        shop_id=principal.shop_id,
        supplier=body.supplier,
        farm=body.farm,
        delivery_date=body.delivery_date,
        currency=SupplyCurrency(body.currency),
        rate=body.rate,
        lines=[
            supplies.SupplyLine(
                variety=p.variety, qty=p.qty, cost_per_unit=p.cost_per_stem, height_cm=p.height_cm
            )
            for p in body.positions
        ],
        user_id=principal.user_id,
    )
    return await delivery_out(delivery)


@contract.get("/warehouse/deliveries", response=DeliveryPage, tags=("warehouse",))
async def list_deliveries(
    request: web.Request, *, query: DeliveryQuery, principal: Principal
) -> DeliveryPage:
    """Supply deliveries, newest first."""
    rows, total = await supplies.list_supplies(
        shop_id=principal.shop_id, supplier=query.supplier, offset=query.offset, limit=query.limit
    )
    return DeliveryPage(items=[await delivery_out(d) for d in rows], total=total)


@contract.get("/warehouse/deliveries/{delivery_id}", response=DeliveryOut, tags=("warehouse",))
async def get_delivery(
    request: web.Request, *, delivery_id: int, principal: Principal
) -> DeliveryOut:
    """One supply delivery with its positions."""
    return await delivery_out(
        await supplies.get_supply(shop_id=principal.shop_id, supply_id=delivery_id)
    )


@contract.get("/warehouse/{item_id}", response=StockItemOut, tags=("warehouse",))
async def get_stock_item(
    request: web.Request, *, item_id: int, principal: Principal
) -> StockItemOut:
    """One warehouse item."""
    return item_out(await supplies.get_stock_item(shop_id=principal.shop_id, item_id=item_id))


@contract.patch("/warehouse/{item_id}", response=StockItemOut, tags=("warehouse",))
async def update_stock_item(
    request: web.Request, *, item_id: int, body: StockItemChanges, principal: Principal
) -> StockItemOut:
    """Set an item's showcase and write-off flags, minimum quantity and price."""
    item = await supplies.update_stock_item(
        shop_id=principal.shop_id, item_id=item_id, changes=body.model_dump(exclude_unset=True)
    )
    return item_out(item)
