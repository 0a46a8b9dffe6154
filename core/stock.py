"""Stock: every change of a quantity is a move in the ledger, written here and only here."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tortoise.functions import Sum

from core import events
from core.errors import Conflict
from core.models import (
    MoveKind,
    Order,
    OrderItem,
    Product,
    ProductComponent,
    StockItem,
    StockMove,
)


def fmt_quantity(quantity: Decimal) -> str:
    """A quantity as people write it: `2`, `0.5` (no trailing zeros)."""
    return f"{Decimal(quantity).normalize():f}"


_fmt = fmt_quantity


async def record_move(
    *,
    item: StockItem,
    kind: MoveKind,
    quantity: Decimal,
    order_id: int | None = None,
    supply_id: int | None = None,
    sale_id: int | None = None,
    unit_cost: int | None = None,
    note: str = "",
    user_id: int | None = None,
    allow_negative: bool = False,
) -> StockMove:
    """Add a move and update the item's balance; refuses to go below zero unless
    `allow_negative` (an explicit adjustment). Call inside a transaction, with `item`
    selected for update."""
    quantity = Decimal(quantity)
    new_balance = Decimal(item.quantity) + quantity
    if new_balance < 0 and not allow_negative:
        raise Conflict(
            f"Not enough stock: {item.name} (need {_fmt(-quantity)}, have {_fmt(Decimal(item.quantity))})"
        )
    move = await StockMove.create(
        shop_id=item.shop_id,  # type: ignore[attr-defined]
        stock_item=item,
        kind=kind,
        quantity=quantity,
        order_id=order_id,
        supply_id=supply_id,
        sale_id=sale_id,
        unit_cost=unit_cost,
        note=note,
        created_by_id=user_id,
    )
    was_low = Decimal(item.quantity) < Decimal(item.min_quantity)
    item.quantity = new_balance
    await item.save(update_fields=["quantity", "updated_at"])
    if not was_low and new_balance < Decimal(item.min_quantity):
        await events.emit(
            events.DomainEvent(
                name=events.STOCK_LOW,
                shop_id=item.shop_id,  # type: ignore[attr-defined]
                key=f"stock:{item.id}",
                payload={
                    "stock_item_id": item.id,
                    "name": item.name,
                    "quantity": _fmt(new_balance),
                    "min_quantity": _fmt(Decimal(item.min_quantity)),
                },
            )
        )
    return move


async def ledger_balance(item_id: int) -> Decimal:
    """The quantity as the ledger says it (the truth the cached balance must match)."""
    row = (
        await StockMove.filter(stock_item_id=item_id)
        .annotate(total=Sum("quantity"))
        .first()
        .values("total")
    )
    return Decimal(row["total"] or 0) if row else Decimal(0)


async def order_requirements(order: Order) -> dict[int, Decimal]:
    """Stock item id -> quantity the order's products need, by their composition."""
    needs: dict[int, Decimal] = defaultdict(Decimal)
    items = await OrderItem.filter(order_id=order.id, product_id__not_isnull=True)
    for item in items:
        components = await ProductComponent.filter(product_id=item.product_id)  # type: ignore[attr-defined]
        for component in components:
            needs[component.stock_item_id] += Decimal(component.quantity) * item.quantity  # type: ignore[attr-defined]
    return dict(needs)


async def _net_consumed(order: Order) -> Decimal:
    moves = await StockMove.filter(
        order_id=order.id, kind__in=[MoveKind.ASSEMBLY, MoveKind.RETURN]
    ).values_list("quantity", flat=True)
    return sum((Decimal(q) for q in moves), Decimal(0))


async def consume_for_order(order: Order, *, user_id: int | None = None) -> None:
    """Take the order's components out of stock (once); all or nothing, naming what is short."""
    if await _net_consumed(order) < 0:
        return
    needs = await order_requirements(order)
    if not needs:
        return
    items = {
        i.id: i
        for i in await StockItem.filter(id__in=list(needs)).order_by("id").select_for_update()
    }
    short = [
        f"{items[i].name} (need {_fmt(q)}, have {_fmt(Decimal(items[i].quantity))})"
        for i, q in sorted(needs.items())
        if Decimal(items[i].quantity) < q
    ]
    if short:
        raise Conflict("Not enough stock: " + "; ".join(short))
    for item_id, quantity in sorted(needs.items()):
        await record_move(
            item=items[item_id],
            kind=MoveKind.ASSEMBLY,
            quantity=-quantity,
            order_id=order.id,
            user_id=user_id,
            note=f"order #{order.number}",
        )


async def return_for_order(order: Order, *, user_id: int | None = None) -> None:
    """Put back what the order took (if it took anything)."""
    moves = await StockMove.filter(order_id=order.id, kind__in=[MoveKind.ASSEMBLY, MoveKind.RETURN])
    net: dict[int, Decimal] = defaultdict(Decimal)
    for move in moves:
        net[move.stock_item_id] += Decimal(move.quantity)  # type: ignore[attr-defined]
    owed = {item_id: -q for item_id, q in net.items() if q < 0}
    if not owed:
        return
    items = {
        i.id: i
        for i in await StockItem.filter(id__in=list(owed)).order_by("id").select_for_update()
    }
    for item_id, quantity in sorted(owed.items()):
        await record_move(
            item=items[item_id],
            kind=MoveKind.RETURN,
            quantity=quantity,
            order_id=order.id,
            user_id=user_id,
            note=f"order #{order.number} cancelled",
        )


def item_name(name: str) -> str:
    """A product's name as its stock item keeps it: the item's column holds 200
    characters, a product's 300 (the list shows the first 200)."""
    return name[: StockItem._meta.fields_map["name"].max_length]  # type: ignore[index]


async def goods_item(product: Product, *, for_update: bool = False) -> StockItem:
    """The stock item that holds a product sold as is (a till's goods), made on first
    use; the product's quantity on hand is this item's ledger."""
    query = StockItem.filter(shop_id=product.shop_id, product_id=product.id).order_by("id")  # type: ignore[attr-defined]
    if for_update:
        query = query.select_for_update()
    item = await query.first()
    if item is None:
        item = await StockItem.create(
            shop_id=product.shop_id,  # type: ignore[attr-defined]
            product=product,
            name=item_name(product.name),
            unit=product.unit,
        )
    return item


async def goods_on_hand(product_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Product id -> (quantity on hand, minimum) of the products' goods items."""
    found: dict[int, tuple[Decimal, Decimal]] = {}
    rows = await StockItem.filter(product_id__in=product_ids).order_by("id")
    for row in rows:
        pid = row.product_id  # type: ignore[attr-defined]
        if pid not in found:
            found[pid] = (Decimal(row.quantity), Decimal(row.min_quantity))
    return found
