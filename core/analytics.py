"""Analytics of the cash desk (and the shop's chat orders): daily sales, product
performance, customer RFM segments and stock.

Days are the shop's calendar days, computed live from the sales (so today's figures
are current and a refund shows on the day of the sale it gives back). A sale counts on
the day it was checked out, at what it is still worth: its total less what was refunded;
a voided (cancelled) sale does not count, nor does a fully refunded one in
`total_sales_count`. Chat orders (core.stats' rule: created that day, not cancelled,
paid for) are counted separately.

RFM. Over a period (default the last 30 days), every customer with a counted sale gets
three scores 1–5 by quintile among those customers: recency (days since their last
purchase, fewer is better), frequency (purchases) and monetary value (net spent). A
score is `1 + floor(5 × p)` (at most 5), `p` the customer's mid-rank: (worse + ties/2)
/ n, so equal values score alike and a lone customer scores 3. Segments, first match:

    Champions            R ≥ 4, F ≥ 4, M ≥ 4
    Can't Lose Them      R ≤ 2, F ≥ 4, M ≥ 4
    At Risk              R ≤ 2, F ≥ 3
    Potential Loyalist   R ≥ 4, F 2–3
    Loyal Customers      R ≥ 3, F ≥ 3
    Recent Customers     R = 5, F = 1
    Promising            R = 4, F = 1
    Need Attention       R = 3, F ≤ 2
    Hibernating          R = 2, F ≤ 2
    Lost                 R = 1, F ≤ 2

Every customer lands in exactly one. At-risk customers are those in At Risk, Can't
Lose Them, Hibernating and Lost.

Stock. A product's quantity on hand is its goods item's ledger (core.stock); reserved
is what pending sales hold; `days_of_stock` is what is available divided by the
average daily quantity sold over the last 30 days (null when nothing sold). A past
day's figures come from the scheduler's daily snapshots (core.jobs.stock_snapshots).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.cashdesk.sales import line_tax, line_worth
from core.errors import ValidationFailed
from core.models import (
    Customer,
    Order,
    OrderStatus,
    Product,
    Sale,
    SaleItem,
    SaleStatus,
    Shop,
    StockItem,
    StockSnapshot,
)
from core.orders.status import PAID_STATUSES
from core.shoptime import day_bounds, shop_today, shop_zone

MAX_DAYS = 366
COUNTED = (SaleStatus.COMPLETED, SaleStatus.REFUNDED)
VELOCITY_DAYS = 30

SEGMENTS = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalist",
    "Recent Customers",
    "Promising",
    "Need Attention",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
)
AT_RISK_SEGMENTS = ("At Risk", "Can't Lose Them", "Hibernating", "Lost")


def check_period(start: date, end: date) -> None:
    if start > end:
        raise ValidationFailed.field("start_date", msg="start_date must not be after end_date")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed.field("end_date", msg=f"a period is at most {MAX_DAYS} days")


@dataclass
class DaySales:
    day: date
    total_sales: int = 0
    total_sales_count: int = 0
    total_discount: int = 0
    total_tax: int = 0
    total_refunds: int = 0
    total_items_sold: Decimal = Decimal(0)
    unique_customers: int = 0
    orders_count: int = 0
    orders_total: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    @property
    def avg_sale_amount(self) -> Decimal:
        if not self.total_sales_count:
            return Decimal(0)
        return (Decimal(self.total_sales) / self.total_sales_count).quantize(Decimal("0.01"))


@dataclass
class CountedSale:
    sale: dict[str, Any]
    day: date
    net: int
    items: list[SaleItem]


async def _counted_sales(shop: Shop, start: date, end: date) -> list[CountedSale]:
    since, _ = day_bounds(shop, start)
    _, until = day_bounds(shop, end)
    zone = shop_zone(shop)
    rows = await Sale.filter(
        shop_id=shop.id, status__in=list(COUNTED), completed_at__gte=since, completed_at__lt=until
    ).values(
        "id",
        "status",
        "total_amount",
        "refunded_amount",
        "discount_amount",
        "customer_id",
        "completed_at",
    )
    items: dict[int, list[SaleItem]] = defaultdict(list)
    for item in await SaleItem.filter(sale_id__in=[r["id"] for r in rows]):
        items[item.sale_id].append(item)  # type: ignore[attr-defined]
    return [
        CountedSale(
            sale=r,
            day=r["completed_at"].astimezone(zone).date(),
            net=int(r["total_amount"]) - int(r["refunded_amount"]),
            items=items[r["id"]],
        )
        for r in rows
    ]


async def daily_sales(shop: Shop, start: date, end: date) -> list[DaySales]:
    """One figure set per day from `start` to `end` (inclusive), oldest first."""
    check_period(start, end)
    days = {
        start + timedelta(days=n): DaySales(day=start + timedelta(days=n))
        for n in range((end - start).days + 1)
    }
    customers: dict[date, set[int]] = defaultdict(set)
    for counted in await _counted_sales(shop, start, end):
        report = days[counted.day]
        report.total_sales += counted.net
        report.total_refunds += int(counted.sale["refunded_amount"])
        if counted.sale["status"] == SaleStatus.COMPLETED:
            report.total_sales_count += 1
            if counted.sale["customer_id"]:
                customers[counted.day].add(int(counted.sale["customer_id"]))
        for item in counted.items:
            left = Decimal(item.quantity) - Decimal(item.refunded_quantity)
            report.total_items_sold += left
            report.total_tax += line_tax(line_worth(item), int(item.tax_rate))
            if Decimal(item.quantity):
                report.total_discount += round(
                    int(item.discount_amount) * left / Decimal(item.quantity)
                )
    for day, ids in customers.items():
        days[day].unique_customers = len(ids)
    since, _ = day_bounds(shop, start)
    _, until = day_bounds(shop, end)
    zone = shop_zone(shop)
    orders = (
        await Order.filter(shop_id=shop.id, created_at__gte=since, created_at__lt=until)
        .exclude(status=OrderStatus.CANCELLED)
        .values("created_at", "status", "total")
    )
    for order in orders:
        report = days[order["created_at"].astimezone(zone).date()]
        report.orders_count += 1
        if OrderStatus(order["status"]) in PAID_STATUSES:
            report.orders_total += int(order["total"])
    return list(days.values())


@dataclass
class ProductFigures:
    product_id: int | None
    name: str
    code: str | None
    revenue: int = 0
    quantity: Decimal = Decimal(0)
    profit: int = 0
    sales: set[int] = field(default_factory=set)


async def product_performance(
    shop: Shop, start: date, end: date
) -> dict[int | None, ProductFigures]:
    """Product id -> what the counted sales of the period sold of it."""
    check_period(start, end)
    found: dict[int | None, ProductFigures] = {}
    for counted in await _counted_sales(shop, start, end):
        for item in counted.items:
            left = Decimal(item.quantity) - Decimal(item.refunded_quantity)
            if left <= 0:
                continue
            pid = item.product_id  # type: ignore[attr-defined]
            figures = found.setdefault(
                pid, ProductFigures(product_id=pid, name=item.product_name, code=item.product_sku)
            )
            worth = line_worth(item)
            figures.revenue += worth
            figures.quantity += left
            figures.profit += worth - round(int(item.cost_price) * left)
            figures.sales.add(int(counted.sale["id"]))
    return found


ORDERINGS = {
    "revenue": lambda f: f.revenue,
    "quantity": lambda f: f.quantity,
    "profit": lambda f: f.profit,
}


async def top_products(
    shop: Shop, start: date, end: date, *, limit: int = 10, order_by: str = "revenue"
) -> list[ProductFigures]:
    if order_by not in ORDERINGS:
        raise ValidationFailed.field("order_by", msg="must be one of revenue, quantity, profit")
    figures = list((await product_performance(shop, start, end)).values())
    figures.sort(key=lambda f: (-ORDERINGS[order_by](f), f.product_id or 0))
    return figures[:limit]


@dataclass
class SlowMover:
    product: Product
    quantity_sold: Decimal
    revenue: int
    on_hand: Decimal


async def slow_movers(shop: Shop, *, days: int, today: date, limit: int = 20) -> list[SlowMover]:
    """Active products that sold least over the last `days` days (nothing sold first)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed.field("days", msg=f"must be between 1 and {MAX_DAYS}")
    sold = await product_performance(shop, today - timedelta(days=days - 1), today)
    products = await Product.filter(shop_id=shop.id, is_active=True).order_by("id")
    on_hand = await _on_hand([p.id for p in products])
    rows = [
        SlowMover(
            product=p,
            quantity_sold=sold[p.id].quantity if p.id in sold else Decimal(0),
            revenue=sold[p.id].revenue if p.id in sold else 0,
            on_hand=on_hand.get(p.id, (Decimal(0), Decimal(0)))[0],
        )
        for p in products
    ]
    rows.sort(key=lambda r: (r.quantity_sold, -r.on_hand, r.product.id))
    return rows[:limit]


# --- RFM -----------------------------------------------------------------------------


@dataclass
class CustomerScore:
    customer: Customer
    last_purchase: date
    recency_days: int
    frequency: int
    monetary: int
    r: int = 0
    f: int = 0
    m: int = 0
    segment: str = ""


def quintile_scores(values: list[float], *, higher_is_better: bool = True) -> list[int]:
    """A 1–5 score per value by its mid-rank among `values` (see the module docstring)."""
    n = len(values)
    scores = []
    for value in values:
        worse = sum(1 for v in values if (v < value if higher_is_better else v > value))
        ties = sum(1 for v in values if v == value)
        p = (worse + ties / 2) / n
        scores.append(min(5, 1 + math.floor(5 * p)))
    return scores


def segment_of(r: int, f: int, m: int) -> str:
    if r >= 4 and f >= 4 and m >= 4:
        return "Champions"
    if r <= 2 and f >= 4 and m >= 4:
        return "Can't Lose Them"
    if r <= 2 and f >= 3:
        return "At Risk"
    if r >= 4 and 2 <= f <= 3:
        return "Potential Loyalist"
    if r >= 3 and f >= 3:
        return "Loyal Customers"
    if r == 5:
        return "Recent Customers"
    if r == 4:
        return "Promising"
    if r == 3:
        return "Need Attention"
    if r == 2:
        return "Hibernating"
    return "Lost"


async def rfm_scores(shop: Shop, start: date, end: date) -> list[CustomerScore]:
    """Every customer with a counted purchase in the period, scored and segmented."""
    check_period(start, end)
    per: dict[int, list[CountedSale]] = defaultdict(list)
    for counted in await _counted_sales(shop, start, end):
        if counted.sale["customer_id"] and counted.net > 0:
            per[int(counted.sale["customer_id"])].append(counted)
    customers = {c.id: c for c in await Customer.filter(shop_id=shop.id, id__in=list(per))}
    scores = [
        CustomerScore(
            customer=customers[cid],
            last_purchase=max(s.day for s in sales),
            recency_days=(end - max(s.day for s in sales)).days,
            frequency=len(sales),
            monetary=sum(s.net for s in sales),
        )
        for cid, sales in sorted(per.items())
        if cid in customers
    ]
    if not scores:
        return []
    rs = quintile_scores([s.recency_days for s in scores], higher_is_better=False)
    fs = quintile_scores([s.frequency for s in scores])
    ms = quintile_scores([s.monetary for s in scores])
    for score, r, f, m in zip(scores, rs, fs, ms, strict=True):
        score.r, score.f, score.m = r, f, m
        score.segment = segment_of(r, f, m)
    return scores


# --- stock ---------------------------------------------------------------------------


async def _on_hand(product_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    from core.stock import goods_on_hand

    return await goods_on_hand(product_ids)


@dataclass
class StockLine:
    product: Product
    quantity_on_hand: Decimal
    reserved_quantity: Decimal
    min_quantity: Decimal
    daily_velocity: Decimal
    stock_item_id: int | None

    @property
    def available_quantity(self) -> Decimal:
        return self.quantity_on_hand - self.reserved_quantity

    @property
    def days_of_stock(self) -> float | None:
        if self.daily_velocity <= 0:
            return None
        return round(float(max(self.available_quantity, Decimal(0)) / self.daily_velocity), 1)

    @property
    def is_low_stock(self) -> bool:
        return (
            self.quantity_on_hand <= self.min_quantity
            or self.available_quantity <= self.min_quantity
        )

    @property
    def is_out_of_stock(self) -> bool:
        return self.available_quantity <= 0


async def stock_lines(
    shop: Shop, *, now: datetime, day: date | None = None
) -> tuple[date, list[StockLine]]:
    """Every product's stock: today's live, or a past `day` from its snapshots."""
    today = shop_today(shop, now)
    day = day or today
    products = list(await Product.filter(shop_id=shop.id).order_by("id"))
    items = {
        i.product_id: i  # type: ignore[attr-defined]
        for i in await StockItem.filter(shop_id=shop.id, product_id__not_isnull=True).order_by(
            "-id"
        )
    }
    quantities: dict[int, tuple[Decimal, Decimal]] = {}
    if day >= today:
        day = today
        for pid, item in items.items():
            quantities[pid] = (Decimal(item.quantity), Decimal(item.min_quantity))
    else:
        snaps = {
            s.stock_item_id: s  # type: ignore[attr-defined]
            for s in await StockSnapshot.filter(shop_id=shop.id, day=day)
        }
        for pid, item in items.items():
            if item.id in snaps:
                quantities[pid] = (
                    Decimal(snaps[item.id].quantity),
                    Decimal(snaps[item.id].min_quantity),
                )
    reserved: dict[int, Decimal] = defaultdict(Decimal)
    if day == today:
        pending = await Sale.filter(shop_id=shop.id, status=SaleStatus.PENDING).values_list(
            "id", flat=True
        )
        for line in await SaleItem.filter(sale_id__in=list(pending), product_id__not_isnull=True):
            reserved[line.product_id] += Decimal(line.quantity)  # type: ignore[attr-defined]
    sold = await product_performance(shop, day - timedelta(days=VELOCITY_DAYS - 1), day)
    lines = []
    for product in products:
        if product.id not in quantities:
            continue
        on_hand, minimum = quantities[product.id]
        velocity = sold[product.id].quantity / VELOCITY_DAYS if product.id in sold else Decimal(0)
        lines.append(
            StockLine(
                product=product,
                quantity_on_hand=on_hand,
                reserved_quantity=reserved.get(product.id, Decimal(0)),
                min_quantity=minimum,
                daily_velocity=velocity,
                stock_item_id=items[product.id].id if product.id in items else None,
            )
        )
    return day, lines
