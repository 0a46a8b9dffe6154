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

from tortoise.expressions import Q
from tortoise.filters import escape_like
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
    return await order_details(await get_owned(Order, shop_id=shop_id, id=order_id))


async def order_details(order: Order) -> OrderDetails:
    """An order just read or written, with its details (two statements)."""
    return (await with_details([order], shop_id=order.shop_id))[0]  # type: ignore[attr-defined]


def _phone_digits(text: str) -> tuple[str | None, int | None]:
    """What a search text can also be: a piece of a phone (at least four digits, `8...`
    read as `7...`) and an order id or number (nine digits at most)."""
    digits = re.sub(r"\D", "", text)
    if not (digits and _PHONE_LIKE.match(text)):
        return None, None
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    # Fewer than four digits are an order id or number, not a piece of a phone.
    phone = digits if len(digits) >= 4 else None
    number = int(text) if text.isdigit() and len(text) <= 9 else None
    return phone, number


@dataclass(frozen=True, slots=True)
class ListedOrder:
    """A row of the order list as read: the order's columns (`ORDER_COLUMNS`), its items
    (`ITEM_COLUMNS`) and its customer's summary (`id`, `name`, `phone`, `orders_count`,
    `total_spent`; None for an order without one)."""

    order: dict[str, Any]
    items: list[dict[str, Any]]
    customer: dict[str, Any] | None


ORDER_COLUMNS = (
    "id", "number", "created_at", "updated_at", "status", "recipient_phone",
    "recipient_name", "address", "delivery_method", "delivery_from", "delivery_to",
    "flower_sum", "delivery_fee", "total", "tracking_token", "comment", "card_text",
    "customer_id",
)  # fmt: skip
ITEM_COLUMNS = ("order_id", "product_id", "product_name", "quantity", "price", "total")
_MOMENTS = ("created_at", "updated_at", "delivery_from", "delivery_to")


class _Params:
    """Numbered placeholders (`$1` on PostgreSQL, `?1` on SQLite), each value once."""

    def __init__(self, postgres: bool) -> None:
        self.mark = "$" if postgres else "?"
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"{self.mark}{len(self.values)}"


# The page, the number of matching orders (a scalar subquery, evaluated once) and each
# order's customer with their summary aggregated in SQL: one statement. {where} filters
# `orders o` (joined to its customer `sc` for a search). {page_customers} is an id list
# PostgreSQL reads through the customer index (`= ANY(ARRAY(...))`; `IN (SELECT ...)` it
# plans as a scan of the shop's orders).
_PAGE_SQL = """
WITH page AS (
  SELECT {columns} FROM {orders} o{search_join}
   WHERE {where} ORDER BY o.created_at DESC, o.id DESC LIMIT {limit} OFFSET {offset}
), stats AS (
  SELECT customer_id, COUNT(CASE WHEN {counted} THEN id END) AS orders_count,
         SUM(CASE WHEN {paid} THEN total END) AS total_spent
    FROM {orders} WHERE shop_id = {shop} AND customer_id {page_customers}
   GROUP BY customer_id
)
SELECT (SELECT COUNT(*) FROM {orders} o{search_join} WHERE {where}) AS matching_orders,
       page.*, c.name AS customer_name, c.phone AS customer_phone,
       s.orders_count AS customer_orders_count, s.total_spent AS customer_total_spent
  FROM page LEFT JOIN {customers} c ON c.id = page.customer_id AND c.shop_id = {shop}
  LEFT JOIN stats s ON s.customer_id = page.customer_id
 ORDER BY page.created_at DESC, page.id DESC
"""

_COUNT_SQL = "SELECT COUNT(*) AS n FROM {orders} o{search_join} WHERE {where}"
# A search also reads the order's customer; PostgreSQL does not drop an unused join from
# the count, so the other lists go without it.
_SEARCH_JOIN = " LEFT JOIN {customers} sc ON sc.id = o.customer_id"
_PAGE_ITEMS_SQL = "SELECT {columns} FROM {items} WHERE order_id {ids} ORDER BY id"


def _summary_sql() -> tuple[str, str]:
    """`CASE` conditions: an order counted in `orders_count`, one paid for."""
    paid = ", ".join(f"'{status.value}'" for status in sorted(PAID_STATUSES))
    counted = f"status <> '{OrderStatus.CANCELLED.value}'"
    paid_case = (
        f"status IN ({paid}) OR (status = '{OrderStatus.ISSUE.value}' "
        f"AND status_before_issue IN ({paid}))"
    )
    return counted, paid_case


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
) -> tuple[list[ListedOrder], int]:
    """The shop's orders, newest first, and how many match in all: two statements (the
    page with its customers' summaries, then the page's items), plus a count for a page
    past the end.

    `created_before` excludes its bound (a whole day given as a date), `created_until`
    includes it (a moment given as a date-time). A search matches names and comments
    (case-insensitive), phones (any spelling, at least four digits) and the order id or
    number.
    """
    db = Order._meta.db
    postgres = db.capabilities.dialect == "postgres"
    param = _Params(postgres)
    shop = param(shop_id)
    where = [f"o.shop_id = {shop}"]
    search_join = ""
    if statuses:
        where.append("o.status IN (" + ", ".join(param(s.value) for s in statuses) + ")")
    if search and search.strip():
        text = search.strip()
        search_join = _SEARCH_JOIN.format(customers=Customer._meta.db_table)
        like = param("%" + escape_like(text) + "%")
        matches = [
            f"UPPER(CAST({column} AS VARCHAR)) LIKE UPPER({like}) ESCAPE '\\'"
            for column in ("o.recipient_name", "sc.name", "o.comment")
        ]
        phone, number = _phone_digits(text)
        if phone is not None:
            digits = param("%" + phone + "%")
            matches += [f"sc.phone LIKE {digits}", f"o.recipient_phone LIKE {digits}"]
        if number is not None:
            exact = param(number)
            matches += [f"o.id = {exact}", f"o.number = {exact}"]
        where.append("(" + " OR ".join(matches) + ")")
    for column, operator, bound in (
        ("created_at", ">=", created_from),
        ("created_at", "<", created_before),
        ("created_at", "<=", created_until),
    ):
        if bound is not None:
            where.append(f"o.{column} {operator} {param(bound)}")
    counted, paid = _summary_sql()
    where_values = list(param.values)
    sql = _PAGE_SQL.format(
        columns=", ".join(f"o.{column}" for column in ORDER_COLUMNS),
        orders=Order._meta.db_table,
        customers=Customer._meta.db_table,
        where=" AND ".join(where),
        search_join=search_join,
        limit=param(limit),
        offset=param(offset),
        shop=shop,
        page_customers="= ANY(ARRAY(SELECT customer_id FROM page))"
        if postgres
        else "IN (SELECT customer_id FROM page)",
        counted=counted,
        paid=paid,
    )
    rows = await db.execute_query_dict(sql, param.values)
    if not rows:
        total = await _count(db, " AND ".join(where), search_join, where_values) if offset else 0
        return [], total
    items = await _items_of([row["id"] for row in rows])
    parse = Order._meta.fields_map["created_at"].to_python_value
    page = []
    for row in rows:
        order = {column: row[column] for column in ORDER_COLUMNS}
        for column in _MOMENTS:
            if isinstance(order[column], str):  # SQLite keeps them as text
                order[column] = parse(order[column])
        customer = None
        if row["customer_id"] is not None and row["customer_phone"] is not None:
            customer = {
                "id": row["customer_id"],
                "name": row["customer_name"],
                "phone": row["customer_phone"],
                "orders_count": int(row["customer_orders_count"] or 0),
                "total_spent": int(row["customer_total_spent"] or 0),
            }
        page.append(ListedOrder(order=order, items=items.get(row["id"], []), customer=customer))
    return page, int(rows[0]["matching_orders"])


async def _count(db: Any, where: str, search_join: str, values: list[Any]) -> int:
    sql = _COUNT_SQL.format(orders=Order._meta.db_table, search_join=search_join, where=where)
    rows = await db.execute_query_dict(sql, values)
    return int(rows[0]["n"])


async def _items_of(order_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The orders' items by order id, as rows of ITEM_COLUMNS (one statement)."""
    where, values = _id_list(order_ids)
    sql = _PAGE_ITEMS_SQL.format(
        columns=", ".join(ITEM_COLUMNS), items=OrderItem._meta.db_table, ids=where
    )
    rows = await Order._meta.db.execute_query_dict(sql, values)
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["order_id"], []).append(row)
    return found
