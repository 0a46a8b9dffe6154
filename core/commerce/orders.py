"""Orders as the commerce contract sees them: its status words, lists, edits, figures.

Status words, in one table (writing a word moves the order through every machine step
on the way, core.orders.service.advance_status; reading shows the word of the
canonical status):

    commerce word   canonical status (written)   canonical statuses (read)
    pending         new                          new
    paid            paid                         paid
    processing      in_production                in_production, assembled
    shipped         in_delivery                  in_delivery, awaiting_pickup
    fulfilled       delivered                    delivered, completed
    cancelled       cancelled                    cancelled
    on_hold         issue                        issue

`provider` of an order is where it came from: its external provider (shopify), else its
channel (telegram, whatsapp, api, ...). Figures for a period (`order_figures`) are the
ones the stats endpoint and the reports show: every order placed in the period counts,
revenue is the total of those not cancelled, the average is revenue per order.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tortoise.expressions import Q

from core.actors import Actor
from core.commerce.public_ids import ensure_public_id, parse_uuid
from core.errors import NotFound, ValidationFailed
from core.models import Channel, Customer, Order, OrderItem, Shop
from core.money import from_minor, minor_digits
from core.orders.service import advance_status
from core.orders.status import OrderStatus
from core.shoptime import shop_zone

S = OrderStatus
WRITE: dict[str, OrderStatus] = {
    "pending": S.NEW,
    "paid": S.PAID,
    "processing": S.IN_PRODUCTION,
    "shipped": S.IN_DELIVERY,
    "fulfilled": S.DELIVERED,
    "cancelled": S.CANCELLED,
    "on_hold": S.ISSUE,
}
READ: dict[OrderStatus, str] = {
    S.NEW: "pending",
    S.PAID: "paid",
    S.IN_PRODUCTION: "processing",
    S.ASSEMBLED: "processing",
    S.IN_DELIVERY: "shipped",
    S.AWAITING_PICKUP: "shipped",
    S.DELIVERED: "fulfilled",
    S.COMPLETED: "fulfilled",
    S.CANCELLED: "cancelled",
    S.ISSUE: "on_hold",
}
WORDS = tuple(WRITE)
MAX_DAYS = 3660


def word_of(status: OrderStatus | str) -> str:
    return READ[OrderStatus(status)]


def statuses_of(word: str, *loc: str | int) -> list[OrderStatus]:
    if word not in WRITE:
        raise ValidationFailed.field(
            *(loc or ("status",)), msg=f"status must be one of {', '.join(WORDS)}"
        )
    return [s for s, w in READ.items() if w == word]


def provider_of(order: Order) -> str:
    return order.external_provider or str(order.channel)


def currency_of(order: Order, shop: Shop) -> str:
    return order.currency or str(shop.currency)


@dataclass(frozen=True)
class OrderView:
    order: Order
    shop: Shop
    customer: Customer | None
    items: list[OrderItem]

    @property
    def currency(self) -> str:
        return currency_of(self.order, self.shop)


async def order_of(*, shop: Shop, order_id: uuid.UUID | str) -> Order:
    public_id = parse_uuid(order_id)
    order = await Order.get_or_none(shop_id=shop.id, public_id=public_id) if public_id else None
    if order is None:
        raise NotFound("Order")
    return order


async def views(shop: Shop, orders: list[Order]) -> list[OrderView]:
    ids = [o.id for o in orders]
    items: dict[int, list[OrderItem]] = defaultdict(list)
    for item in await OrderItem.filter(order_id__in=ids).order_by("id"):
        items[item.order_id].append(item)  # type: ignore[attr-defined]
    customer_ids = {o.customer_id for o in orders if o.customer_id}  # type: ignore[attr-defined]
    customers = {c.id: c for c in await Customer.filter(id__in=list(customer_ids))}
    result = []
    for order in orders:
        await ensure_public_id(order)
        result.append(
            OrderView(
                order=order,
                shop=shop,
                customer=customers.get(order.customer_id),  # type: ignore[attr-defined]
                items=items.get(order.id, []),
            )
        )
    return result


def since(now: datetime, days: int) -> datetime:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed.field("days", msg=f"days must be between 1 and {MAX_DAYS}")
    return now - timedelta(days=days)


async def list_orders(
    *,
    shop: Shop,
    now: datetime,
    days: int = 30,
    status: str | None = None,
    provider: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> list[OrderView]:
    """The project's orders placed in the last `days`, newest first, one page."""
    query = Order.filter(shop_id=shop.id, created_at__gte=since(now, days))
    if status is not None:
        query = query.filter(status__in=statuses_of(status))
    if provider is not None:
        by_provider = Q(external_provider=provider)
        if provider in {channel.value for channel in Channel}:
            # An order placed in a chat names its channel as its provider; text that
            # names no channel cannot match that column (and is no value of it).
            by_provider |= Q(external_provider__isnull=True, channel=provider)
        query = query.filter(by_provider)
    orders = (
        await query.order_by("-created_at", "-id").offset((page - 1) * page_size).limit(page_size)
    )
    return await views(shop, list(orders))


async def order_view(*, shop: Shop, order_id: uuid.UUID | str) -> OrderView:
    order = await order_of(shop=shop, order_id=order_id)
    return (await views(shop, [order]))[0]


async def update_order(
    *,
    shop: Shop,
    order_id: uuid.UUID | str,
    actor: Actor,
    status: str | None = None,
    fulfilled_date: datetime | None = None,
) -> OrderView:
    """Move the order to the status word's state (every step on the way) and/or set
    its fulfilment date. A move the machine refuses is its 400."""
    order = await order_of(shop=shop, order_id=order_id)
    if status is not None:
        statuses_of(status)
        target = WRITE[status]
        order = await advance_status(
            shop_id=shop.id, order_id=order.id, to=target, actor=actor, label=status
        )
    if fulfilled_date is not None:
        order.fulfilled_at = fulfilled_date
        await order.save(update_fields=["fulfilled_at", "updated_at"])
    elif status == "fulfilled" and order.fulfilled_at is None:
        order.fulfilled_at = order.status_changed_at
        await order.save(update_fields=["fulfilled_at", "updated_at"])
    return (await views(shop, [order]))[0]


def _round_cents(amount: Decimal, currency: str) -> Decimal:
    step = Decimal(1).scaleb(-minor_digits(currency))
    return amount.quantize(step, rounding=ROUND_HALF_UP)


@dataclass
class OrderFigures:
    """Orders placed in [start, end): counts, revenue (exact, in the project's
    currency), by status word and by day of the project's calendar."""

    start: datetime
    end: datetime
    currency: str
    total_orders: int = 0
    total_revenue: Decimal = Decimal(0)
    orders_by_status: dict[str, int] = field(default_factory=dict)
    orders_by_provider: dict[str, int] = field(default_factory=dict)
    revenue_by_day: dict[date, Decimal] = field(default_factory=dict)
    orders_by_day: dict[date, int] = field(default_factory=dict)

    @property
    def average_order_value(self) -> Decimal:
        if not self.total_orders:
            return Decimal(0)
        return _round_cents(self.total_revenue / self.total_orders, self.currency)


async def order_figures(*, shop: Shop, start: datetime, end: datetime) -> OrderFigures:
    zone = shop_zone(shop)
    figures = OrderFigures(start=start, end=end, currency=str(shop.currency))
    rows = await Order.filter(shop_id=shop.id, created_at__gte=start, created_at__lt=end).values(
        "status", "total", "currency", "created_at", "external_provider", "channel"
    )
    by_status: Counter[str] = Counter()
    by_provider: Counter[str] = Counter()
    day = start.astimezone(zone).date()
    while day <= (end - timedelta(microseconds=1)).astimezone(zone).date():
        figures.revenue_by_day[day] = Decimal(0)
        figures.orders_by_day[day] = 0
        day += timedelta(days=1)
    for row in rows:
        status = OrderStatus(row["status"])
        by_status[word_of(status)] += 1
        by_provider[row["external_provider"] or str(row["channel"])] += 1
        local_day = row["created_at"].astimezone(zone).date()
        figures.orders_by_day[local_day] = figures.orders_by_day.get(local_day, 0) + 1
        if status is not S.CANCELLED:
            amount = from_minor(row["total"], row["currency"] or figures.currency)
            figures.total_revenue += amount
            figures.revenue_by_day[local_day] = (
                figures.revenue_by_day.get(local_day, Decimal(0)) + amount
            )
    figures.total_orders = len(rows)
    figures.orders_by_status = {w: by_status[w] for w in WORDS if by_status[w]}
    figures.orders_by_provider = dict(sorted(by_provider.items()))
    return figures
