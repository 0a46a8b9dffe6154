"""Reading orders: the filtered, paginated list and one order with what hangs off it.

A customer's summary counts their orders once: `orders_count` is every order that was
not cancelled, `total_spent` the totals of those that were paid for (an order in
`issue` counts when it was paid before the problem).

A list page is three statements whatever its length: the page with the number of
matching orders as a scalar subquery, the page's items, and the page's customers with
their summaries aggregated in SQL (a `CASE` per figure, so one pass over their orders).
Only a page past the end needs a fourth, to count.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.functions import Count, Sum

from core.models import Customer, Order, OrderItem, OrderStatus
from core.orders.status import PAID_STATUSES
from core.tenancy import get_owned

_PHONE_LIKE = re.compile(r"^[\d\s()+\-]+$")


@dataclass(frozen=True)
class CustomerStats:
    orders_count: int = 0
    total_spent: int = 0


@dataclass(frozen=True)
class OrderDetails:
    """An order with its items, its customer and that customer's summary."""

    order: Order
    items: list[OrderItem]
    customer: Customer | None
    customer_stats: CustomerStats


def _paid_filter(prefix: str = "") -> Q:
    paid: Any = list(PAID_STATUSES)
    issue: Any = OrderStatus.ISSUE
    return Q(**{f"{prefix}status__in": paid}) | Q(
        **{f"{prefix}status": issue, f"{prefix}status_before_issue__in": paid}
    )


def _counted_filter(prefix: str = "") -> Q:
    cancelled: Any = OrderStatus.CANCELLED
    return ~Q(**{f"{prefix}status": cancelled})


async def customer_stats(
    *, shop_id: int, customer_ids: Collection[int]
) -> dict[int, CustomerStats]:
    """orders_count and total_spent for each of the shop's customers named (one query)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    rows = (
        await Order.filter(shop_id=shop_id, customer_id__in=ids)
        .annotate(
            n=Count("id", _filter=_counted_filter()),
            s=Sum("total", _filter=_paid_filter()),
        )
        .group_by("customer_id")
        .values("customer_id", "n", "s")
    )
    found = {
        row["customer_id"]: CustomerStats(
            orders_count=int(row["n"] or 0), total_spent=int(row["s"] or 0)
        )
        for row in rows
    }
    return {customer_id: found.get(customer_id, CustomerStats()) for customer_id in ids}


def _id_list(ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`= ANY($1)` with one array on PostgreSQL (one statement text, prepared once, whatever
    the number of ids), `IN (?, ...)` on SQLite; with its parameters."""
    if Order._meta.db.capabilities.dialect == "postgres":
        return "= ANY($1::bigint[])", [list(ids)]
    return "IN (" + ", ".join("?" * len(ids)) + ")", list(ids)


def _hydrate(model: Any, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Model instances from whole rows, as the ORM's own select makes them."""
    return [model._init_from_db(**row) for row in rows]


_ITEMS_SQL = "SELECT * FROM {items} WHERE order_id {ids} ORDER BY id"

# The named customers of a shop with their summaries, aggregated in one pass over their
# orders (the same figures as customer_stats).
_CUSTOMERS_SQL = """
SELECT c.*,
       COUNT(o.id) FILTER_COUNTED AS stats_orders_count,
       SUM(o.total) FILTER_PAID AS stats_total_spent
  FROM {customers} c LEFT JOIN {orders} o ON o.customer_id = c.id AND o.shop_id = {shop}
 WHERE c.shop_id = {shop2} AND c.id {ids}
 GROUP BY c.id
"""


async def _customers_with_stats(
    *, shop_id: int, customer_ids: Collection[int]
) -> dict[int, tuple[Customer, CustomerStats]]:
    """The shop's customers named, each with their summary (one statement)."""
    if not customer_ids:
        return {}
    db = Order._meta.db
    ids, id_values = _id_list(sorted(set(customer_ids)))
    postgres = db.capabilities.dialect == "postgres"
    paid = ", ".join(f"'{status.value}'" for status in sorted(PAID_STATUSES))
    counted = f"o.status <> '{OrderStatus.CANCELLED.value}'"
    paid_case = (
        f"o.status IN ({paid}) OR (o.status = '{OrderStatus.ISSUE.value}' "
        f"AND o.status_before_issue IN ({paid}))"
    )
    sql = (
        _CUSTOMERS_SQL.replace(
            "COUNT(o.id) FILTER_COUNTED", f"COUNT(CASE WHEN {counted} THEN o.id END)"
        )
        .replace("SUM(o.total) FILTER_PAID", f"SUM(CASE WHEN {paid_case} THEN o.total END)")
        .format(
            customers=Customer._meta.db_table,
            orders=Order._meta.db_table,
            shop="$2" if postgres else "?",
            shop2="$3" if postgres else "?",
            ids=ids,
        )
    )
    values = [*id_values, shop_id, shop_id] if postgres else [shop_id, shop_id, *id_values]
    rows = await db.execute_query_dict(sql, values)
    found = {}
    for row in rows:
        orders_count = row.pop("stats_orders_count")
        total_spent = row.pop("stats_total_spent")
        customer = Customer._init_from_db(**row)
        found[customer.id] = (
            customer,
            CustomerStats(orders_count=int(orders_count or 0), total_spent=int(total_spent or 0)),
        )
    return found


async def with_details(orders: Sequence[Order], *, shop_id: int) -> list[OrderDetails]:
    """Attach items, customers and customer summaries to orders (two statements, each the
    same text whatever the page holds)."""
    if not orders:
        return []
    db = Order._meta.db
    order_ids = [o.id for o in orders]
    items: dict[int, list[OrderItem]] = {o.id: [] for o in orders}
    where, values = _id_list(order_ids)
    rows = await db.execute_query_dict(
        _ITEMS_SQL.format(items=OrderItem._meta.db_table, ids=where), values
    )
    for item in _hydrate(OrderItem, rows):
        items[item.order_id].append(item)
    customer_ids = {o.customer_id for o in orders if o.customer_id is not None}  # type: ignore[attr-defined]
    customers = await _customers_with_stats(shop_id=shop_id, customer_ids=customer_ids)
    details = []
    for o in orders:
        found = customers.get(o.customer_id)  # type: ignore[attr-defined]
        details.append(
            OrderDetails(
                order=o,
                items=items[o.id],
                customer=found[0] if found else None,
                customer_stats=found[1] if found else CustomerStats(),
            )
        )
    return details


async def get_order_details(*, shop_id: int, order_id: int) -> OrderDetails:
    """One of the shop's orders with its details; NotFound for another shop's id."""
    order = await get_owned(Order, shop_id=shop_id, id=order_id)
    return (await with_details([order], shop_id=shop_id))[0]


def _search_filter(text: str) -> Q:
    """Phones (any spelling, at least four digits), names, comments, the order id or number."""
    text = text.strip()
    condition = (
        Q(recipient_name__icontains=text)
        | Q(customer__name__icontains=text)
        | Q(comment__icontains=text)
    )
    digits = re.sub(r"\D", "", text)
    if digits and _PHONE_LIKE.match(text):
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        # Fewer than four digits are an order id or number, not a piece of a phone.
        if len(digits) >= 4:
            condition |= Q(customer__phone__contains=digits) | Q(recipient_phone__contains=digits)
        if text.isdigit() and len(text) <= 9:
            condition |= Q(id=int(text)) | Q(number=int(text))
    return condition


async def list_orders(
    *,
    shop_id: int,
    statuses: Collection[OrderStatus] | None = None,
    search: str | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    created_until: datetime | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[OrderDetails], int]:
    """The shop's orders, newest first, and how many match in all.

    `created_before` excludes its bound (a whole day given as a date), `created_until`
    includes it (a moment given as a date-time).
    """
    query = Order.filter(shop_id=shop_id)
    if statuses:
        query = query.filter(status__in=list(statuses))
    if search and search.strip():
        query = query.filter(_search_filter(search))
    if created_from is not None:
        query = query.filter(created_at__gte=created_from)
    if created_before is not None:
        query = query.filter(created_at__lt=created_before)
    if created_until is not None:
        query = query.filter(created_at__lte=created_until)
    # The count rides along as an uncorrelated scalar subquery (evaluated once).
    counted = query.annotate(matching=RawSQL("COUNT(*)")).values("matching")
    page = (
        await query.annotate(matching_orders=Subquery(counted))
        .order_by("-created_at", "-id")
        .offset(offset)
        .limit(limit)
    )
    # A page past the end has no row to carry the count.
    total = await query.count() if not page and offset else 0
    if page:
        total = int(page[0].matching_orders)  # type: ignore[attr-defined]
    return await with_details(page, shop_id=shop_id), total
