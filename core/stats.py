"""Statistics for dashboards: orders and revenue over periods, orders by status, low
stock, best-selling products.

Days are the shop's calendar days. An order counts when it was created in the period
and not cancelled; its total counts as revenue when it was paid for (a status in
PAID_STATUSES, or `issue` reached from one), the rule the customer summaries use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from core.errors import BadRequest, NotFound
from core.models import Order, OrderItem, OrderStatus, Shop, StockItem
from core.orders.status import PAID_STATUSES
from core.shoptime import shop_zone, zone_day_start

MAX_SALES_DAYS = 366
DEFAULT_SALES_DAYS = 30

StatusWord = Callable[[OrderStatus, str | None, OrderStatus | None], str]


def canonical_word(
    status: OrderStatus, label: str | None = None, before_issue: OrderStatus | None = None
) -> str:
    return OrderStatus(status).value


@dataclass(frozen=True)
class PeriodTotals:
    orders: int = 0
    revenue: int = 0


@dataclass(frozen=True)
class TopProduct:
    product_id: int | None
    name: str
    quantity: int
    revenue: int


@dataclass(frozen=True)
class Dashboard:
    today: PeriodTotals
    month: PeriodTotals
    orders_by_status: dict[str, int]
    low_stock_count: int
    top_products: list[TopProduct] = field(default_factory=list)


@dataclass(frozen=True)
class DaySales:
    day: date
    orders: int
    revenue: int


@dataclass(frozen=True)
class Sales:
    date_from: date
    date_to: date
    days: list[DaySales]

    @property
    def orders(self) -> int:
        return sum(d.orders for d in self.days)

    @property
    def revenue(self) -> int:
        return sum(d.revenue for d in self.days)


def _is_paid(status: OrderStatus, before_issue: OrderStatus | None) -> bool:
    if status is OrderStatus.ISSUE:
        return before_issue in PAID_STATUSES
    return status in PAID_STATUSES


async def _zone(shop_id: int) -> ZoneInfo:
    shop = await Shop.get_or_none(id=shop_id)
    if shop is None:
        raise NotFound("Shop")
    return shop_zone(shop)


async def _orders_between(shop_id: int, start: datetime, end: datetime) -> list[dict]:
    return list(
        await Order.filter(shop_id=shop_id, created_at__gte=start, created_at__lt=end)
        .exclude(status=OrderStatus.CANCELLED)
        .values("id", "created_at", "total", "status", "status_before_issue")
    )


def _totals(rows: list[dict]) -> PeriodTotals:
    revenue = sum(
        int(r["total"])
        for r in rows
        if _is_paid(OrderStatus(r["status"]), r["status_before_issue"] or None)
    )
    return PeriodTotals(orders=len(rows), revenue=revenue)


async def low_stock_count(*, shop_id: int) -> int:
    """How many of the shop's stock items are below their minimum."""
    rows = await StockItem.filter(shop_id=shop_id).values_list("quantity", "min_quantity")
    return sum(1 for quantity, minimum in rows if Decimal(quantity) < Decimal(minimum))


async def dashboard(
    *, shop_id: int, now: datetime, status_word: StatusWord = canonical_word, top: int = 5
) -> Dashboard:
    """Today's and this month's orders and revenue, every order by status (in the
    caller's words), the low-stock count and this month's best sellers by quantity."""
    zone = await _zone(shop_id)
    today = now.astimezone(zone).date()
    month_start = zone_day_start(today.replace(day=1), zone)
    tomorrow = zone_day_start(today + timedelta(days=1), zone)
    month_rows = await _orders_between(shop_id, month_start, tomorrow)
    today_start = zone_day_start(today, zone)
    today_rows = [r for r in month_rows if r["created_at"] >= today_start]
    groups = (
        await Order.filter(shop_id=shop_id)
        .annotate(n=Count("id"))
        .group_by("status", "status_label", "status_before_issue")
        .values("status", "status_label", "status_before_issue", "n")
    )
    by_status: dict[str, int] = defaultdict(int)
    for row in groups:
        before = OrderStatus(row["status_before_issue"]) if row["status_before_issue"] else None
        by_status[status_word(OrderStatus(row["status"]), row["status_label"], before)] += int(
            row["n"]
        )
    sold: dict[tuple[int | None, str], list[int]] = defaultdict(lambda: [0, 0])
    items = await OrderItem.filter(order_id__in=[r["id"] for r in month_rows]).values(
        "product_id", "product_name", "quantity", "total"
    )
    for item in items:
        entry = sold[(item["product_id"], item["product_name"])]
        entry[0] += int(item["quantity"])
        entry[1] += int(item["total"])
    ranked = sorted(sold.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0][1]))[:top]
    return Dashboard(
        today=_totals(today_rows),
        month=_totals(month_rows),
        orders_by_status=dict(by_status),
        low_stock_count=await low_stock_count(shop_id=shop_id),
        top_products=[
            TopProduct(product_id=pid, name=name, quantity=q, revenue=r)
            for (pid, name), (q, r) in ranked
        ],
    )


async def sales_by_day(
    *,
    shop_id: int,
    now: datetime,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Sales:
    """Orders and revenue for every day from `date_from` to `date_to` (inclusive, days
    without orders included); by default the last 30 days up to today."""
    zone = await _zone(shop_id)
    if date_to is None:
        date_to = now.astimezone(zone).date()
    if date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_SALES_DAYS - 1)
    # Each date is well-formed on its own; what the two make together is a rule of the
    # period (400), not a malformed field (a JSON Schema cannot state it).
    if date_from > date_to:
        raise BadRequest("date_from must not be after date_to")
    span = (date_to - date_from).days + 1
    if span > MAX_SALES_DAYS:
        raise BadRequest(
            f"The period must not exceed {MAX_SALES_DAYS} days (date_to defaults to today)"
        )
    rows = await _orders_between(
        shop_id, zone_day_start(date_from, zone), zone_day_start(date_to + timedelta(days=1), zone)
    )
    by_day: dict[date, list[dict]] = defaultdict(list)
    for row in rows:
        by_day[row["created_at"].astimezone(zone).date()].append(row)
    days = []
    for offset in range(span):
        day = date_from + timedelta(days=offset)
        totals = _totals(by_day.get(day, []))
        days.append(DaySales(day=day, orders=totals.orders, revenue=totals.revenue))
    return Sales(date_from=date_from, date_to=date_to, days=days)
