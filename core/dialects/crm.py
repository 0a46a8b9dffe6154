"""The `crm` contract's words (seed 001) for core's canonical vocabulary, and the rules
that carry them across.

Order statuses, in ONE table (`STATUS_TABLE`): the word, the canonical status writing
it sets, and the canonical statuses that read as it.

    word        writes            reads from
    новый       new               new
    оплачен     paid              paid
    в работе    in_production     in_production
    собран      assembled         assembled
    готов       assembled         in_delivery, awaiting_pickup   ("ready for delivery")
    доставлен   delivered         delivered, completed
    отменен     cancelled         cancelled

- "готов" and "собран" are both an assembled bouquet; the word written is kept on the
  order (`Order.status_label`), so each reads back as written while the shop contract
  and the bot see `assembled`. Switching between the two changes only the label.
- An order out for delivery (or waiting for pickup) reads "готов": the last crm word
  before "доставлен". A completed order reads "доставлен".
- `issue` has no crm word: the order reads as the status it had before the problem,
  and writing a word from there resolves the issue through the machine.
- Writing the word an order already reads as is a no-op (200, no history row).
- Otherwise the canonical machine decides. A jump (новый -> доставлен) is walked step
  by step through `change_status`, each step with its history row, event and stock
  effect, all in one transaction, when the shortest path is unambiguous. Walks never
  pass through `paid` (money is a fact, not a step), `issue`, `cancelled` or the
  delivery branch the order does not use (in_delivery for delivery, awaiting_pickup for
  pickup). So новый -> доставлен is new -> in_production -> assembled -> in_delivery ->
  delivered, and assembling on the way takes the composition out of stock (409 naming
  the short items, nothing written). A word the machine cannot reach (в работе ->
  оплачен, anything from a closed order) is a 400 naming the words that are allowed.

Client types: заказчик/получатель/оба <-> orderer/recipient/both. Product categories:
букет/композиция/горшечный <-> bouquet/composition/potted; kinds the document lacks
(gift, other) read as "композиция".

Product lists (`colors`, `images`, `ingredients`) travel as JSON strings holding an
array of strings; core keeps real lists. They are written back compactly
(`["red","white"]`, as the document's GET example shows); a value that is not a JSON
array of strings is a 422.

Times: the document writes naive times (`2025-09-23T13:20:13.745515`); in this dialect
they are the shop's local time. A naive time written is local, an aware one is
converted; responses are naive local times, so what was written reads back unchanged.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tortoise.expressions import F, Q
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core import catalog, customers, jsontext, shoptime, stock
from core.actors import SYSTEM, Actor
from core.catalog_texts import names_snapshot
from core.clock import Clock
from core.customers import _search_condition as customer_search
from core.errors import BadRequest, Conflict, FieldProblem, NotFound, ValidationFailed
from core.models import (
    Channel,
    ClientType,
    Customer,
    DeliveryMethod,
    MoveKind,
    Order,
    OrderItem,
    Product,
    ProductComponent,
    ProductKind,
    Role,
    Shop,
    StockItem,
    User,
)
from core.orders import editing
from core.orders.service import (
    ItemRequest,
    PricedItem,
    change_status,
    place_order,
    price_items,
    recompute_totals,
    set_team,
)
from core.orders.status import BEFORE_ASSEMBLY, CLOSED, OrderStatus, allowed_next
from core.tenancy import MAX_ID, get_owned, scoped

S = OrderStatus

# --- order statuses: the one table ---------------------------------------------------

STATUS_TABLE: tuple[tuple[str, OrderStatus, frozenset[OrderStatus]], ...] = (
    ("новый", S.NEW, frozenset({S.NEW})),
    ("в работе", S.IN_PRODUCTION, frozenset({S.IN_PRODUCTION})),
    ("готов", S.ASSEMBLED, frozenset({S.IN_DELIVERY, S.AWAITING_PICKUP})),
    ("доставлен", S.DELIVERED, frozenset({S.DELIVERED, S.COMPLETED})),
    ("оплачен", S.PAID, frozenset({S.PAID})),
    ("собран", S.ASSEMBLED, frozenset({S.ASSEMBLED})),
    ("отменен", S.CANCELLED, frozenset({S.CANCELLED})),
)

CrmStatus = Literal["новый", "в работе", "готов", "доставлен", "оплачен", "собран", "отменен"]

STATUS_WORDS: tuple[str, ...] = tuple(word for word, _, _ in STATUS_TABLE)
WRITES: dict[str, OrderStatus] = {word: status for word, status, _ in STATUS_TABLE}
READS: dict[OrderStatus, str] = {
    status: word for word, _, statuses in STATUS_TABLE for status in statuses
}

# A walk never passes through these (see the module docstring).
_NOT_ON_THE_WAY = frozenset({S.PAID, S.ISSUE, S.CANCELLED})


def status_word(
    status: OrderStatus | str, label: str | None = None, before_issue: OrderStatus | None = None
) -> str:
    """The crm word for an order's canonical status and the label a dialect left on it."""
    current = OrderStatus(status)
    if current is S.ISSUE:
        return READS[OrderStatus(before_issue) if before_issue else S.IN_PRODUCTION]
    if label in WRITES and WRITES[label] is current:
        return label
    return READS[current]


def order_status_word(order: Order) -> str:
    return status_word(order.status, order.status_label, order.status_before_issue)


def status_filter(word: str) -> Q:
    """Orders that read as `word` (the inverse of `status_word`, in SQL)."""
    parts: list[Q] = []
    for status in (s for s, w in READS.items() if w == word):
        others = [w for w, s in WRITES.items() if s is status and w != word]
        parts.append(Q(status=status, status_label__not_in=others) if others else Q(status=status))
    written = WRITES[word]
    if READS[written] != word:
        parts.append(Q(status=written, status_label=word))
    befores = [s for s, w in READS.items() if w == word]
    parts.append(Q(status=S.ISSUE, status_before_issue__in=befores))
    if word == READS[S.IN_PRODUCTION]:
        parts.append(Q(status=S.ISSUE, status_before_issue__isnull=True))
    return Q(*parts, join_type="OR")


def plan_walk(
    current: OrderStatus,
    target: OrderStatus,
    *,
    before_issue: OrderStatus | None = None,
    delivery_method: DeliveryMethod = DeliveryMethod.DELIVERY,
) -> list[OrderStatus] | None:
    """The statuses to pass through from `current` to `target` (target last), or None
    when the machine cannot get there or the shortest way is not unique."""
    if current is target:
        return None
    skip = set(_NOT_ON_THE_WAY)
    skip.add(S.AWAITING_PICKUP if delivery_method is DeliveryMethod.DELIVERY else S.IN_DELIVERY)
    skip.add(S.COMPLETED)
    distance: dict[OrderStatus, int] = {current: 0}
    ways: dict[OrderStatus, int] = {current: 1}
    previous: dict[OrderStatus, OrderStatus] = {}
    queue: deque[OrderStatus] = deque([current])
    while queue:
        node = queue.popleft()
        if node is not current and (node is target or node in skip):
            continue
        nexts = allowed_next(node, before_issue=before_issue if node is current else None)
        for following in nexts:
            if following not in distance:
                distance[following] = distance[node] + 1
                ways[following] = ways[node]
                previous[following] = node
                queue.append(following)
            elif distance[following] == distance[node] + 1:
                ways[following] += ways[node]
    if target not in distance or ways[target] != 1:
        return None
    path = [target]
    while path[-1] in previous and previous[path[-1]] is not current:
        path.append(previous[path[-1]])
    return list(reversed(path))


def writable_words(order: Order) -> list[str]:
    """The words a client may write on this order now (besides the one it reads as)."""
    current = OrderStatus(order.status)
    if current in CLOSED:
        return []
    shown = order_status_word(order)
    found = []
    for word in STATUS_WORDS:
        if word == shown:
            continue
        target = WRITES[word]
        reachable = (target is current and current is not S.ISSUE) or plan_walk(
            current,
            target,
            before_issue=order.status_before_issue,
            delivery_method=DeliveryMethod(order.delivery_method),
        )
        if reachable:
            found.append(word)
    return found


class StatusNotReachable(BadRequest):
    """The machine cannot take the order to this word; `allowed` lists the words it can."""

    def __init__(self, shown: str, word: str, allowed: Sequence[str]) -> None:
        self.allowed = list(allowed)
        listed = ", ".join(f"'{w}'" for w in allowed) if allowed else "none (the order is closed)"
        super().__init__(f"Cannot change status from '{shown}' to '{word}'. Allowed: {listed}")


async def write_status(
    *,
    shop_id: int,
    order_id: int,
    word: str,
    actor: Actor = SYSTEM,
    comment: str | None = None,
    clock: Clock | None = None,
) -> Order:
    """Put an order in the crm status `word`.

    Outcomes: a no-op when it already reads as `word`; a label change between words of
    one canonical status; a walk through the machine (each step recorded); 400 naming
    the allowed words when the machine cannot get there; 409 when assembling on the way
    lacks stock. All or nothing.
    """
    target = WRITES[word]
    async with in_transaction():
        order = await get_owned(Order, shop_id=shop_id, id=order_id, for_update=True)
        current = OrderStatus(order.status)
        if order_status_word(order) == word and current is not S.ISSUE:
            return order
        if target is current:
            return await change_status(
                shop_id=shop_id,
                order_id=order.id,
                to=target,
                actor=actor,
                comment=comment,
                label=word,
                clock=clock,
            )
        path = None
        if current not in CLOSED:
            path = plan_walk(
                current,
                target,
                before_issue=order.status_before_issue,
                delivery_method=DeliveryMethod(order.delivery_method),
            )
        if path is None:
            raise StatusNotReachable(order_status_word(order), word, writable_words(order))
        for step in path:
            last = step is path[-1]
            order = await change_status(
                shop_id=shop_id,
                order_id=order.id,
                to=step,
                actor=actor,
                comment=comment if last else None,
                label=word if last else None,
                clock=clock,
            )
    return order


# --- other vocabularies ------------------------------------------------------------------

CrmClientType = Literal["заказчик", "получатель", "оба"]

CLIENT_TYPES: dict[str, ClientType] = {
    "заказчик": ClientType.ORDERER,
    "получатель": ClientType.RECIPIENT,
    "оба": ClientType.BOTH,
}
CLIENT_TYPE_WORDS: dict[ClientType, str] = {kind: word for word, kind in CLIENT_TYPES.items()}

CrmCategory = Literal["букет", "композиция", "горшечный"]

CATEGORIES: dict[str, ProductKind] = {
    "букет": ProductKind.BOUQUET,
    "композиция": ProductKind.COMPOSITION,
    "горшечный": ProductKind.POTTED,
}
CATEGORY_WORDS: dict[ProductKind, str] = {
    ProductKind.BOUQUET: "букет",
    ProductKind.COMPOSITION: "композиция",
    ProductKind.POTTED: "горшечный",
    ProductKind.GIFT: "композиция",
    ProductKind.OTHER: "композиция",
}


def kinds_of_category(word: str) -> list[ProductKind]:
    """Every kind that reads as this category word (for list filters)."""
    return [kind for kind, shown in CATEGORY_WORDS.items() if shown == word]


# --- JSON-string lists ----------------------------------------------------------------


_WS = r"[ \t\n\r]*"
_HEX = r"[0-9A-Fa-f]"
# \uXXXX that is neither NUL (no database stores it) nor a surrogate (half a character).
_ESCAPED_CHARACTER = (
    rf"u([1-9A-Ca-cEeFf]{_HEX}{{3}}|[Dd][0-7]{_HEX}{{2}}|0[1-9A-Fa-f]{_HEX}{{2}}"
    rf"|00[1-9A-Fa-f]{_HEX}|000[1-9A-Fa-f])"
)
JSON_STRING_PATTERN = rf'"([^"\\\x00-\x1f]|\\(["\\/bfnrt]|{_ESCAPED_CHARACTER}))*"'


def json_array_pattern(item: str) -> str:
    """A regular expression for the text of a JSON array whose items match `item`: what
    the document declares for a JSON-string list field (`decode_list` is the check)."""
    return rf"^{_WS}\[{_WS}({item}{_WS}(,{_WS}{item}{_WS})*)?\]{_WS}$"


JSON_LIST_PATTERN = json_array_pattern(JSON_STRING_PATTERN)


def decode_list(text: str) -> list[str]:
    """`'["red", "white"]'` -> `["red", "white"]`; ValueError for anything else."""
    try:
        value = jsontext.loads(text)
    except (TypeError, ValueError):
        raise ValueError('must be a JSON array of strings, e.g. \'["red", "white"]\'') from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError('must be a JSON array of strings, e.g. \'["red", "white"]\'')
    if any("\x00" in v for v in value):
        raise ValueError("must not contain NUL characters")
    if any(_SURROGATE.search(v) for v in value):
        raise ValueError("must not contain half characters (a lone surrogate)")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def encode_list(value: Sequence[str] | None) -> str | None:
    """A core list as this dialect writes it: compact JSON, or None."""
    if value is None:
        return None
    return json.dumps(list(value), ensure_ascii=False, separators=(",", ":"))


# --- times ---------------------------------------------------------------------------


async def shop_zone(shop_id: int) -> ZoneInfo:
    """The shop's timezone, in which this dialect reads and writes times."""
    shop = await Shop.get_or_none(id=shop_id)
    if shop is None:
        raise NotFound("Shop")
    return shoptime.shop_zone(shop)


def from_local(moment: datetime, zone: tzinfo) -> datetime:
    """A time a client wrote (naive = the shop's local time) as an aware UTC time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def to_local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """A stored time as this dialect shows it: naive, in the shop's local time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).replace(tzinfo=None)


# --- use cases the crm endpoints need, over the shared core services ------------------
#
# Each takes canonical values (the api layer translates words), runs in one
# transaction, and reuses the shared service for the rule it is about: customers
# (core.customers), the catalog (core.catalog), order placement, status, team and
# totals (core.orders.service), order edits (core.orders.editing), stock (core.stock).


@dataclass(frozen=True)
class OrderView:
    """An order with what the crm shows of it: its items and its florists."""

    order: Order
    items: list[OrderItem]
    florist_ids: list[int]


@dataclass(frozen=True)
class TeamMember:
    user: User
    role: Role


@dataclass(frozen=True)
class OrderTeam:
    order: Order
    manager: TeamMember | None
    florists: list[TeamMember]
    courier: TeamMember | None


@dataclass(frozen=True)
class ItemLine:
    """An item a client asks for; `price` is the unit price it believes (checked)."""

    product_id: int
    quantity: int = 1
    price: int | None = None


async def _set_fields(row: Model, values: Mapping[str, Any], names: Sequence[str]) -> None:
    changed = [name for name in names if name in values]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        await row.save(update_fields=[*changed, "updated_at"])


# clients ---------------------------------------------------------------------------


async def list_clients(
    *,
    shop_id: int,
    search: str | None = None,
    client_type: ClientType | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Customer]:
    """The shop's customers by id, matching a name/phone search and a client type."""
    query = scoped(Customer, shop_id)
    if search and search.strip():
        query = query.filter(customer_search(search))
    if client_type is not None:
        query = query.filter(client_type=client_type)
    return list(await query.order_by("id").offset(offset).limit(limit))


async def create_client(*, shop_id: int, values: Mapping[str, Any]) -> Customer:
    """Register a customer (core.customers rules: E.164 phone, unique per shop -> 409)
    with the crm's client type."""
    async with in_transaction():
        customer = await customers.register_customer(shop_id=shop_id, values=values)
        await _set_fields(customer, values, ("client_type",))
    return customer


async def update_client(*, shop_id: int, client_id: int, changes: Mapping[str, Any]) -> Customer:
    """Change the given fields of a customer, the client type included."""
    async with in_transaction():
        customer = await customers.update_customer(
            shop_id=shop_id, customer_id=client_id, changes=changes
        )
        await _set_fields(customer, changes, ("client_type",))
    return customer


async def client_orders(*, shop_id: int, client_id: int) -> list[OrderView]:
    """The orders a customer placed, newest first."""
    customer = await get_owned(Customer, shop_id=shop_id, id=client_id)
    orders = await _with_parts(
        Order.filter(shop_id=shop_id, customer_id=customer.id).order_by("-id")
    )
    return order_views(orders)


# products --------------------------------------------------------------------------

# Where the crm names the catalog's fields, for 422 locations.
PRODUCT_LOC: dict[str, tuple[str | int, ...]] = {
    "kind": ("category",),
    "is_active": ("is_available",),
}
# The v2.1.0 details: plain values without rules beyond their types.
PRODUCT_DETAILS = (
    "preparation_minutes",
    "image_url",
    "product_type",
    "production_time",
    "width",
    "height",
    "catalog_width",
    "catalog_height",
    "images",
    "colors",
    "ingredients",
)


async def create_product(*, shop_id: int, values: Mapping[str, Any]) -> Product:
    """Add a product (core.catalog rules for name and prices) with its v2.1.0 details."""
    async with in_transaction():
        product = await catalog.create_product(shop_id=shop_id, values=values, loc=PRODUCT_LOC)
        await _set_fields(product, values, PRODUCT_DETAILS)
    return product


async def update_product(*, shop_id: int, product_id: int, changes: Mapping[str, Any]) -> Product:
    """Change only the given fields (the document's partial PUT)."""
    async with in_transaction():
        product = await catalog.update_product(
            shop_id=shop_id, product_id=product_id, changes=changes, loc=PRODUCT_LOC
        )
        await _set_fields(product, changes, PRODUCT_DETAILS)
    return product


async def product_composition(*, shop_id: int, product_id: int) -> list[ProductComponent]:
    """What one unit of a product is made of, with the stock items loaded."""
    product = await get_owned(Product, shop_id=shop_id, id=product_id)
    return list(
        await ProductComponent.filter(product_id=product.id)
        .order_by("id")
        .prefetch_related("stock_item")
    )


async def add_component(
    *, shop_id: int, product_id: int, stock_item_id: int, quantity: Decimal
) -> ProductComponent:
    """Add a stock item × quantity to a product's composition.

    Outcomes: the component; 404 for another shop's product, 400 for an unknown item,
    409 for one already in the composition; 422 on `quantity` unless positive.
    """
    if quantity <= 0:
        raise ValidationFailed.field("quantity", msg="Quantity must be greater than 0")
    async with in_transaction():
        product = await get_owned(Product, shop_id=shop_id, id=product_id, for_update=True)
        item = await StockItem.get_or_none(shop_id=shop_id, id=stock_item_id)
        if item is None:
            raise BadRequest(f"Inventory item {stock_item_id} not found")
        existing = await ProductComponent.get_or_none(product_id=product.id, stock_item_id=item.id)
        if existing is not None:
            raise Conflict(
                f"Inventory item {item.id} is already in the composition (component {existing.id})"
            )
        component = await ProductComponent.create(
            product=product, stock_item=item, quantity=quantity
        )
    component.stock_item = item
    return component


async def remove_component(*, shop_id: int, product_id: int, component_id: int) -> None:
    """Take a component out of a product's composition; 404 unless it is there."""
    product = await get_owned(Product, shop_id=shop_id, id=product_id)
    deleted = 0
    if 0 < component_id <= MAX_ID:
        deleted = await ProductComponent.filter(product_id=product.id, id=component_id).delete()
    if not deleted:
        raise NotFound("Composition component")


# inventory -------------------------------------------------------------------------


async def list_inventory(
    *,
    shop_id: int,
    search: str | None = None,
    low_stock: bool | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[StockItem]:
    """The shop's stock items by id; `low_stock` means a quantity below the minimum."""
    query = scoped(StockItem, shop_id)
    if search and search.strip():
        query = query.filter(name__icontains=search.strip())
    if low_stock is True:
        query = query.filter(quantity__lt=F("min_quantity"))
    elif low_stock is False:
        query = query.filter(quantity__gte=F("min_quantity"))
    return list(await query.order_by("id").offset(offset).limit(limit))


async def _adjust_to(item: StockItem, quantity: Decimal, *, user_id: int | None) -> None:
    delta = Decimal(quantity) - Decimal(item.quantity)
    if delta:
        await stock.record_move(
            item=item,
            kind=MoveKind.ADJUSTMENT,
            quantity=delta,
            note=f"set to {quantity.normalize():f} (crm)",
            user_id=user_id,
        )


INVENTORY_FIELDS = ("name", "unit", "min_quantity", "price_per_unit")


async def create_inventory_item(
    *, shop_id: int, values: Mapping[str, Any], user_id: int | None = None
) -> StockItem:
    """Add a stock item; its starting quantity enters through the ledger (an adjustment)."""
    quantity = Decimal(values.get("quantity") or 0)
    if quantity < 0:
        raise ValidationFailed.field("quantity", msg="Quantity must not be negative")
    async with in_transaction():
        data = {name: values[name] for name in INVENTORY_FIELDS if values.get(name) is not None}
        item = await StockItem.create(shop_id=shop_id, **data)
        await _adjust_to(item, quantity, user_id=user_id)
    return item


async def update_inventory_item(
    *, shop_id: int, item_id: int, changes: Mapping[str, Any], user_id: int | None = None
) -> StockItem:
    """Change the given fields; a new quantity is an adjustment move in the ledger (which
    raises the low-stock event when the item falls below its minimum)."""
    async with in_transaction():
        item = await get_owned(StockItem, shop_id=shop_id, id=item_id, for_update=True)
        data = dict(changes)
        if "min_quantity" in data and data["min_quantity"] is None:
            data["min_quantity"] = Decimal(0)
        await _set_fields(item, data, INVENTORY_FIELDS)
        if data.get("quantity") is not None:
            if Decimal(data["quantity"]) < 0:
                raise ValidationFailed.field("quantity", msg="Quantity must not be negative")
            await _adjust_to(item, Decimal(data["quantity"]), user_id=user_id)
    return item


async def delete_inventory_item(*, shop_id: int, item_id: int) -> None:
    """Remove a stock item and its ledger; refused (409) while a product's composition
    uses it, naming the products."""
    async with in_transaction():
        item = await get_owned(StockItem, shop_id=shop_id, id=item_id, for_update=True)
        users = await Product.filter(components__stock_item_id=item.id).order_by("id")
        if users:
            names = ", ".join(f"'{p.name}' ({p.id})" for p in users)
            raise Conflict(f"Inventory item {item.id} is in the composition of {names}")
        await item.delete()


# orders ----------------------------------------------------------------------------

# Items change while the order has not been assembled (stock has not moved yet).
ITEMS_EDITABLE = BEFORE_ASSEMBLY


async def _with_parts(query: QuerySet[Order]) -> list[Order]:
    return list(await query.prefetch_related("items", "florists"))


def order_views(orders: Sequence[Order]) -> list[OrderView]:
    """Orders whose items and florists were fetched, as the crm shows them."""
    return [
        OrderView(
            order=o,
            items=sorted(o.items, key=lambda i: i.id),
            florist_ids=sorted(u.id for u in o.florists),
        )
        for o in orders
    ]


async def get_order(*, shop_id: int, order_id: int) -> OrderView:
    """One of the shop's orders with its items and florists; 404 otherwise."""
    order = await get_owned(Order, shop_id=shop_id, id=order_id)
    await order.fetch_related("items", "florists")
    return order_views([order])[0]


async def list_orders(
    *,
    shop_id: int,
    word: str | None = None,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[OrderView]:
    """The shop's orders, newest first: those reading as `word`, placed by a client,
    delivered between two of the shop's days (inclusive)."""
    query = Order.filter(shop_id=shop_id)
    if word is not None:
        query = query.filter(status_filter(word))
    if client_id is not None:
        query = query.filter(customer_id=client_id)
    if date_from is not None or date_to is not None:
        zone = await shop_zone(shop_id)
        if date_from is not None:
            query = query.filter(delivery_from__gte=shoptime.zone_day_start(date_from, zone))
        if date_to is not None:
            query = query.filter(
                delivery_from__lt=shoptime.zone_day_start(date_to + timedelta(days=1), zone)
            )
    orders = await _with_parts(query.order_by("-id").offset(offset).limit(limit))
    return order_views(orders)


# Where core reports an order field, and where the crm names it.
ORDER_LOC: dict[tuple[str | int, ...], tuple[str | int, ...]] = {
    ("total",): ("total_price",),
    ("flower_sum",): ("total_price",),
    ("address",): ("delivery_address",),
    ("delivery_window",): ("delivery_date",),
}


# Core's order problems that the crm's fields cannot cause by their own shape (the
# document bounds total_price and delivery_date): a total that differs from what the
# order's items and fee make, a moved time that ends its window: the order's state
# refuses them (400), the request is well-formed.
STATE_LOCS = {("total",), ("flower_sum",), ("delivery_window",)}


@contextmanager
def _in_crm_terms() -> Iterator[None]:
    """Re-locate core's 422s on order fields to the crm's field names; those the
    order's state decides (STATE_LOCS) are 400s naming the crm's field."""
    try:
        yield
    except ValidationFailed as error:
        if not any(p.loc in ORDER_LOC for p in error.problems):
            raise
        for p in error.problems:
            if p.loc in STATE_LOCS:
                raise BadRequest(f"{ORDER_LOC[p.loc][0]}: {p.msg}") from None
        raise ValidationFailed(
            [FieldProblem(ORDER_LOC.get(p.loc, p.loc), p.msg, p.type) for p in error.problems]
        ) from None


async def _priced(
    shop_id: int, requests: Sequence[ItemRequest], loc: tuple[str | int, ...]
) -> list[PricedItem]:
    """Catalog prices (core.orders.service.price_items); a product that is not in the
    catalog now (unknown, or not available) is refused by the catalog's state: 400."""
    try:
        return await price_items(shop_id=shop_id, items=requests, loc=loc)
    except ValidationFailed as error:
        for p in error.problems:
            if p.loc and p.loc[-1] == "product_id":
                raise BadRequest(p.msg) from None
        raise


async def _client_or_400(shop_id: int, client_id: int) -> Customer:
    """The client an order names (as its client or recipient): a well-formed id that
    names no client of this shop is refused by the state of the shop (400, like every
    reference in a body: 404 is for the resource the path names)."""
    customer = await Customer.get_or_none(shop_id=shop_id, id=client_id)
    if customer is None:
        raise BadRequest(f"Client {client_id} not found")
    return customer


def _check_claimed_prices(
    lines: Sequence[ItemLine],
    priced: Sequence[PricedItem],
    loc: Callable[[int], tuple[str | int, ...]],
) -> None:
    """A unit price the client sent must be the catalog's: a well-formed price the
    catalog's state refuses (400, naming `loc(index)`)."""
    for index, (line, item) in enumerate(zip(lines, priced, strict=True)):
        if line.price is not None and line.price != item.price:
            where = ".".join(map(str, loc(index)))
            raise BadRequest(
                f"{where}: price must be the catalog price of product {line.product_id}"
                f" ({item.price})"
            )


async def create_order(
    *,
    shop_id: int,
    client_id: int,
    recipient_id: int,
    delivery_at: datetime,
    address: str,
    delivery_time_range: str | None = None,
    comment: str | None = None,
    items: Sequence[ItemLine] = (),
    total: int | None = None,
    word: str = "новый",
    manager_id: int | None = None,
    florist_ids: Sequence[int] = (),
    courier_id: int | None = None,
    actor: Actor = SYSTEM,
    clock: Clock | None = None,
) -> OrderView:
    """Place an order from the crm (core.orders.service.place_order: catalog prices,
    server-side totals, team checks) and put it in the status `word`.

    Outcomes: the order; 400 for an unknown client or recipient, a team member without
    the role, a product not in the catalog now, an item price or total that differs from
    the catalog's; 400/409 when the status cannot be reached. All or nothing.
    """
    with _in_crm_terms():
        async with in_transaction():
            await _client_or_400(shop_id, client_id)
            await _client_or_400(shop_id, recipient_id)
            requests = [ItemRequest(line.product_id, line.quantity) for line in items]
            if requests:
                priced = await _priced(shop_id, requests, ("items",))
                _check_claimed_prices(items, priced, lambda i: ("items", i, "price"))
            order = await place_order(
                shop_id=shop_id,
                customer_id=client_id,
                recipient_id=recipient_id,
                address=address,
                delivery_from=delivery_at,
                items=requests,
                flower_sum=None if requests else (total or 0),
                total=total,
                comment=comment,
                channel=Channel.CRM,
                manager_id=manager_id,
                florist_ids=florist_ids,
                courier_id=courier_id,
                actor=actor,
                clock=clock,
            )
            if delivery_time_range is not None:
                order.delivery_time_range = delivery_time_range
                await order.save(update_fields=["delivery_time_range", "updated_at"])
            if word != order_status_word(order):
                await write_status(
                    shop_id=shop_id, order_id=order.id, word=word, actor=actor, clock=clock
                )
    return await get_order(shop_id=shop_id, order_id=order.id)


async def update_order(
    *,
    shop_id: int,
    order_id: int,
    changes: Mapping[str, Any],
    actor: Actor = SYSTEM,
    clock: Clock | None = None,
) -> OrderView:
    """Change the given fields of an order (PUT and PATCH alike).

    `changes` may hold client_id, recipient_id, address, delivery_from,
    delivery_time_range, comment, total (for an order without items it sets the flower
    sum; with items a total that differs is a 422), manager_id, courier_id, florist_ids
    (core.orders.service.set_team) and `word` (write_status, last). Details of a closed
    order cannot change (409, core.orders.editing).
    """
    with _in_crm_terms():
        async with in_transaction():
            order = await get_owned(Order, shop_id=shop_id, id=order_id, for_update=True)
            edits: dict[str, Any] = {
                name: changes[name]
                for name in ("address", "delivery_from", "comment")
                if name in changes
            }
            if edits.get("delivery_from") is not None and order.delivery_to and order.delivery_from:
                # The crm has one delivery time: moving it moves the whole window (a
                # window kept from an order placed elsewhere would end before it starts).
                edits["delivery_to"] = edits["delivery_from"] + (
                    order.delivery_to - order.delivery_from
                )
            if "total" in changes and changes["total"] is not None:
                edits["total"] = changes["total"]
                if not await OrderItem.filter(order_id=order.id).exists():
                    edits["flower_sum"] = changes["total"] - order.delivery_fee + order.discount
            own = [n for n in ("client_id", "recipient_id", "delivery_time_range") if n in changes]
            if edits or own:
                order = await editing.update_order(shop_id=shop_id, order_id=order.id, **edits)
            if "client_id" in changes:
                order.customer = (
                    await _client_or_400(shop_id, changes["client_id"])
                    if changes["client_id"] is not None
                    else None
                )
            if "recipient_id" in changes:
                recipient = (
                    await _client_or_400(shop_id, changes["recipient_id"])
                    if changes["recipient_id"] is not None
                    else None
                )
                order.recipient = recipient
                if recipient is not None:
                    order.recipient_name = recipient.name
                    order.recipient_phone = recipient.phone
            if "delivery_time_range" in changes:
                order.delivery_time_range = changes["delivery_time_range"]
            if own:
                await order.save(
                    update_fields=[
                        "customer_id",
                        "recipient_id",
                        "recipient_name",
                        "recipient_phone",
                        "delivery_time_range",
                        "updated_at",
                    ]
                )
            # A team value sent back unchanged (a whole order PUT back as it was read,
            # florist_ids [] included) is left alone rather than checked again.
            current = {
                "manager_id": order.manager_id,  # type: ignore[attr-defined]
                "courier_id": order.courier_id,  # type: ignore[attr-defined]
            }
            team = {
                n: changes[n]
                for n in ("manager_id", "courier_id")
                if n in changes and changes[n] != current[n]
            }
            if changes.get("florist_ids") is not None:
                florists = sorted(u.id for u in await order.florists.all())
                if sorted(changes["florist_ids"]) != florists:
                    team["florist_ids"] = list(changes["florist_ids"])
            if team:
                await set_team(shop_id=shop_id, order_id=order.id, actor=actor, **team)
            if changes.get("word") is not None:
                await write_status(
                    shop_id=shop_id,
                    order_id=order.id,
                    word=changes["word"],
                    actor=actor,
                    clock=clock,
                )
    return await get_order(shop_id=shop_id, order_id=order_id)


async def delete_order(
    *, shop_id: int, order_id: int, actor: Actor = SYSTEM, clock: Clock | None = None
) -> OrderView:
    """An order is never erased (its history, payments and stock moves stay, as in the
    shop contract): deleting cancels it through the machine, which gives assembled
    components back and tells the bot and webhooks. Deleting a cancelled order changes
    nothing; a delivered one is a 400 naming what is allowed."""
    return await change_order_status(
        shop_id=shop_id, order_id=order_id, word="отменен", actor=actor, clock=clock
    )


async def _items_editable(shop_id: int, order_id: int) -> Order:
    order = await get_owned(Order, shop_id=shop_id, id=order_id, for_update=True)
    if OrderStatus(order.status) not in ITEMS_EDITABLE:
        raise Conflict(
            f"Items of order {order.id} cannot change once it is '{order_status_word(order)}'"
        )
    return order


async def add_order_item(
    *, shop_id: int, order_id: int, line: ItemLine, clock: Clock | None = None
) -> OrderView:
    """Add a catalog item to an order not yet assembled; the totals follow
    (core.orders.service.recompute_totals). 400 for a product not in the catalog now or a
    price that is not the catalog's; 422 on `quantity`."""
    async with in_transaction():
        order = await _items_editable(shop_id, order_id)
        try:
            priced = await _priced(shop_id, [ItemRequest(line.product_id, line.quantity)], ())
        except ValidationFailed as error:
            raise ValidationFailed(
                [FieldProblem((p.loc[-1],), p.msg, p.type) for p in error.problems]
            ) from None
        _check_claimed_prices([line], priced, lambda _: ("price",))
        item = priced[0]
        await OrderItem.create(
            order=order,
            product=item.product,
            product_name=item.product.name,
            product_names=names_snapshot(item.product),
            quantity=item.quantity,
            price=item.price,
            total=item.total,
        )
        await recompute_totals(order)
    return await get_order(shop_id=shop_id, order_id=order_id)


async def remove_order_item(*, shop_id: int, order_id: int, item_id: int) -> OrderView:
    """Take an item out of an order not yet assembled; the totals follow (an order left
    without items has nothing to pay for)."""
    async with in_transaction():
        order = await _items_editable(shop_id, order_id)
        deleted = 0
        if 0 < item_id <= MAX_ID:
            deleted = await OrderItem.filter(order_id=order.id, id=item_id).delete()
        if not deleted:
            raise NotFound("Order item")
        if not await OrderItem.filter(order_id=order.id).exists():
            order.flower_sum = 0
        await recompute_totals(order)
    return await get_order(shop_id=shop_id, order_id=order_id)


async def change_order_status(
    *,
    shop_id: int,
    order_id: int,
    word: str,
    actor: Actor = SYSTEM,
    comment: str | None = None,
    clock: Clock | None = None,
) -> OrderView:
    """write_status, then the order as the crm shows it."""
    await write_status(
        shop_id=shop_id, order_id=order_id, word=word, actor=actor, comment=comment, clock=clock
    )
    return await get_order(shop_id=shop_id, order_id=order_id)


async def assign_team(
    *,
    shop_id: int,
    order_id: int,
    actor: Actor = SYSTEM,
    **team: Any,
) -> OrderView:
    """core.orders.service.set_team (manager_id, courier_id, florist_ids), then the order."""
    await set_team(shop_id=shop_id, order_id=order_id, actor=actor, **team)
    return await get_order(shop_id=shop_id, order_id=order_id)


async def order_team(*, shop_id: int, order_id: int) -> OrderTeam:
    """The order's manager, florists and courier, each with the role they play."""
    view = await get_order(shop_id=shop_id, order_id=order_id)
    order = view.order
    ids = {order.manager_id, order.courier_id, *view.florist_ids} - {None}  # type: ignore[attr-defined]
    users = {u.id: u for u in await User.filter(id__in=list(ids))}

    def member(user_id: int | None, role: Role) -> TeamMember | None:
        user = users.get(user_id) if user_id is not None else None
        return TeamMember(user=user, role=role) if user is not None else None

    florists = [member(i, Role.FLORIST) for i in view.florist_ids]
    return OrderTeam(
        order=order,
        manager=member(order.manager_id, Role.MANAGER),  # type: ignore[attr-defined]
        florists=[f for f in florists if f is not None],
        courier=member(order.courier_id, Role.COURIER),  # type: ignore[attr-defined]
    )
