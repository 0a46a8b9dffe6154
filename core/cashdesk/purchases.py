"""A customer's purchases across channels: cash desk sales and chat orders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from core.cashdesk.sales import line_worth
from core.models import Customer, Order, OrderItem, OrderStatus, Sale, SaleItem, SaleStatus
from core.orders.status import PAID_STATUSES
from core.stock import fmt_quantity
from core.tenancy import get_owned


@dataclass
class Purchase:
    kind: str  # "sale" or "order"
    id: int
    number: str
    at: datetime
    status: str
    amount: int
    items: list[tuple[str, str, int]] = field(default_factory=list)


async def purchase_history(*, shop_id: int, customer_id: int) -> list[Purchase]:
    """The customer's checked-out sales (at what they are still worth) and orders (not
    cancelled; the amount counts when paid), newest first; NotFound for another store's."""
    customer = await get_owned(Customer, shop_id=shop_id, id=customer_id)
    entries: list[Purchase] = []
    sales = await Sale.filter(
        shop_id=shop_id, customer_id=customer.id, completed_at__not_isnull=True
    ).exclude(status=SaleStatus.CANCELLED)
    lines: dict[int, list[SaleItem]] = defaultdict(list)
    for item in await SaleItem.filter(sale_id__in=[s.id for s in sales]).order_by("id"):
        lines[item.sale_id].append(item)  # type: ignore[attr-defined]
    for sale in sales:
        entries.append(
            Purchase(
                kind="sale",
                id=sale.id,
                number=sale.receipt_number,
                at=sale.completed_at,  # type: ignore[arg-type]
                status=sale.status.value,
                amount=int(sale.total_amount) - int(sale.refunded_amount),
                items=[
                    (i.product_name, fmt_quantity(i.quantity), line_worth(i))
                    for i in lines[sale.id]
                ],
            )
        )
    orders = await Order.filter(shop_id=shop_id, customer_id=customer.id).exclude(
        status=OrderStatus.CANCELLED
    )
    order_lines: dict[int, list[OrderItem]] = defaultdict(list)
    for line in await OrderItem.filter(order_id__in=[o.id for o in orders]).order_by("id"):
        order_lines[line.order_id].append(line)  # type: ignore[attr-defined]
    for order in orders:
        entries.append(
            Purchase(
                kind="order",
                id=order.id,
                number=str(order.number),
                at=order.created_at,
                status=OrderStatus(order.status).value,
                amount=int(order.total) if OrderStatus(order.status) in PAID_STATUSES else 0,
                items=[
                    (i.product_name, str(i.quantity), int(i.total)) for i in order_lines[order.id]
                ],
            )
        )
    entries.sort(key=lambda e: (e.at, e.kind, e.id), reverse=True)
    return entries
