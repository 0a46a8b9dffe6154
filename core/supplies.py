"""Supply deliveries and the warehouse view of stock.

A delivery arrives from a supplier in USD, EUR or KZT at a rate (tenge per unit of the
currency; KZT is 1). Each position becomes stock through the ledger (a `supply` move
in core.stock), on the stock item of that variety, height and supplier (created when
first seen). Costs are kept as sent and converted to whole tenge with core.money: the
unit cost (for the move and the item's last purchase price) and the position's total,
which is converted as a whole so rounding does not multiply by the quantity.
Everything of one delivery is written in one transaction, or nothing is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import stock
from core.errors import ValidationFailed
from core.models import MoveKind, StockItem, SupplyCurrency, SupplyDelivery, SupplyPosition
from core.money import convert
from core.tenancy import get_owned, scoped


@dataclass(frozen=True)
class SupplyLine:
    variety: str
    qty: Decimal
    cost_per_unit: Decimal
    height_cm: int | None = None


@dataclass(frozen=True)
class StockFilter:
    variety: str | None = None
    supplier: str | None = None
    on_showcase: bool | None = None
    to_write_off: bool | None = None


def _rate(currency: SupplyCurrency, rate: Decimal | None) -> Decimal:
    if currency is SupplyCurrency.KZT:
        if rate is not None and Decimal(rate) != 1:
            raise ValidationFailed.field(
                "rate", msg="KZT needs no conversion: leave out the rate or send 1"
            )
        return Decimal(1)
    if rate is None:
        raise ValidationFailed.field(
            "rate", msg=f"rate (tenge per 1 {currency.value}) is required", type="missing"
        )
    if Decimal(rate) <= 0:
        raise ValidationFailed.field("rate", msg="rate must be greater than 0")
    return Decimal(rate)


def _check_lines(lines: Sequence[SupplyLine]) -> None:
    if not lines:
        raise ValidationFailed.field("positions", msg="at least one position is needed")
    for index, line in enumerate(lines):
        if not line.variety.strip():
            raise ValidationFailed.field("positions", index, "variety", msg="must not be empty")
        if line.qty <= 0:
            raise ValidationFailed.field("positions", index, "qty", msg="must be greater than 0")
        if line.cost_per_unit < 0:
            raise ValidationFailed.field(
                "positions", index, "cost_per_stem", msg="must not be negative"
            )


async def _stock_item_for(
    *, shop_id: int, line: SupplyLine, supplier: str, farm: str | None
) -> StockItem:
    variety = line.variety.strip()
    item = (
        await StockItem.filter(
            shop_id=shop_id, variety=variety, height_cm=line.height_cm, supplier=supplier
        )
        .order_by("id")
        .select_for_update()
        .first()
    )
    if item is None:
        item = await StockItem.create(
            shop_id=shop_id,
            name=variety,
            variety=variety,
            height_cm=line.height_cm,
            supplier=supplier,
            farm=farm,
        )
    return item


async def record_supply(
    *,
    shop_id: int,
    supplier: str,
    delivery_date: datetime,
    currency: SupplyCurrency,
    rate: Decimal | None,
    lines: Sequence[SupplyLine],
    farm: str | None = None,
    user_id: int | None = None,
) -> SupplyDelivery:
    """Receive a delivery: its positions go into stock through the ledger, in tenge.

    Outcomes: the delivery with its positions; a 422 for a missing or non-positive
    rate (a KZT delivery takes none, or 1), an empty delivery, a position without a
    variety, a quantity that is not positive or a negative cost.
    """
    supplier = supplier.strip()
    if not supplier:
        raise ValidationFailed.field("supplier", msg="must not be empty")
    tenge_rate = _rate(currency, rate)
    _check_lines(lines)
    async with in_transaction():
        delivery = await SupplyDelivery.create(
            shop_id=shop_id,
            supplier=supplier,
            farm=farm,
            delivery_date=delivery_date,
            currency=currency,
            rate=tenge_rate,
            created_by_id=user_id,
        )
        total = 0
        for line in lines:
            item = await _stock_item_for(shop_id=shop_id, line=line, supplier=supplier, farm=farm)
            unit_cost = convert(line.cost_per_unit, tenge_rate)
            line_total = convert(line.cost_per_unit * line.qty, tenge_rate)
            await SupplyPosition.create(
                delivery=delivery,
                stock_item=item,
                variety=line.variety.strip(),
                height_cm=line.height_cm,
                qty=line.qty,
                cost_per_unit=line.cost_per_unit,
                cost_per_unit_local=unit_cost,
                total_cost_local=line_total,
            )
            await stock.record_move(
                item=item,
                kind=MoveKind.SUPPLY,
                quantity=line.qty,
                supply_id=delivery.id,
                unit_cost=unit_cost,
                note=f"supply #{delivery.id} from {supplier}",
                user_id=user_id,
            )
            item.price_per_unit = unit_cost
            if farm:
                item.farm = farm
            await item.save(update_fields=["price_per_unit", "farm", "updated_at"])
            total += line_total
        delivery.total_cost = total
        await delivery.save(update_fields=["total_cost", "updated_at"])
    return delivery


async def supply_positions(delivery: SupplyDelivery) -> list[SupplyPosition]:
    return list(await SupplyPosition.filter(delivery_id=delivery.id).order_by("id"))


async def list_supplies(
    *, shop_id: int, supplier: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[SupplyDelivery], int]:
    """The shop's deliveries, newest delivery date first, and how many there are."""
    query = scoped(SupplyDelivery, shop_id)
    if supplier and supplier.strip():
        query = query.filter(supplier__icontains=supplier.strip())
    total = await query.count()
    rows = await query.order_by("-delivery_date", "-id").offset(offset).limit(limit)
    return list(rows), total


async def get_supply(*, shop_id: int, supply_id: int) -> SupplyDelivery:
    return await get_owned(SupplyDelivery, shop_id=shop_id, id=supply_id, what="Supply delivery")


async def list_stock(
    *, shop_id: int, spec: StockFilter, offset: int = 0, limit: int = 50
) -> tuple[list[StockItem], int]:
    """The shop's stock items matching `spec` (by id), and how many match."""
    query = scoped(StockItem, shop_id)
    if spec.variety and spec.variety.strip():
        text = spec.variety.strip()
        query = query.filter(Q(variety__icontains=text) | Q(name__icontains=text))
    if spec.supplier and spec.supplier.strip():
        query = query.filter(supplier__icontains=spec.supplier.strip())
    if spec.on_showcase is not None:
        query = query.filter(on_showcase=spec.on_showcase)
    if spec.to_write_off is not None:
        query = query.filter(to_write_off=spec.to_write_off)
    total = await query.count()
    rows = await query.order_by("id").offset(offset).limit(limit)
    return list(rows), total


async def get_stock_item(*, shop_id: int, item_id: int) -> StockItem:
    return await get_owned(StockItem, shop_id=shop_id, id=item_id)


STOCK_FLAGS = ("on_showcase", "to_write_off", "min_quantity", "price_per_unit")


async def update_stock_item(*, shop_id: int, item_id: int, changes: dict[str, Any]) -> StockItem:
    """Set an item's shelf flags, minimum and price; its quantity moves only through the ledger."""
    data = {name: changes[name] for name in STOCK_FLAGS if name in changes}
    async with in_transaction():
        item = await get_owned(StockItem, shop_id=shop_id, id=item_id, for_update=True)
        for name, value in data.items():
            setattr(item, name, value)
        if data:
            await item.save(update_fields=[*data, "updated_at"])
    return item
