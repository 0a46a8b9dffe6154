"""The shop dialect of orders: request and response models, and the mapping to core.

Status words come from core.dialects.shop (one table for responses, filters and
webhooks). What this module adds is the shop document's own narrower flow and its word
for the delivery method:

    new -> paid -> assembled -> delivery | self_pickup -> delivered -> completed
    any open status -> issue;  issue -> the status before it, or that status's next step

An order that reached `in_production` through the bot or another contract may go on to
`assembled` here. `in_production` and `cancelled` read back as themselves and can be
filtered on, but `PATCH /status` never writes them (they are not in the document).

Delivery method: `delivery` or `self_pickup` (the document's status word for the
pickup branch), canonical `delivery` / `pickup`.

Times are written and read as the document shows them: `2024-12-26T14:00:00` in UTC; a
time with an offset is converted to UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from api.openapi import refuses_null
from api.shop.listing import PageQuery
from core.dialects.shop import (
    ORDER_STATUS_WORDS,
    ShopOrderStatus,
    as_utc,
    format_datetime,
)
from core.models import DeliveryMethod, IssueType
from core.orders.queries import ITEM_COLUMNS, ORDER_COLUMNS, ListedOrder, OrderDetails
from core.orders.status import OrderStatus
from core.phones import KZ_MOBILE_PATTERN, InvalidPhone, normalize_kz_phone
from core.tenancy import MAX_ID

S = OrderStatus

# The document's flow (the dialect's rule on top of the canonical machine).
DOCUMENTED_FLOW: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.NEW: frozenset({S.PAID}),
    S.PAID: frozenset({S.ASSEMBLED}),
    S.IN_PRODUCTION: frozenset({S.ASSEMBLED}),
    S.ASSEMBLED: frozenset({S.IN_DELIVERY, S.AWAITING_PICKUP}),
    S.IN_DELIVERY: frozenset({S.DELIVERED}),
    S.AWAITING_PICKUP: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
}


def documented_moves(current: OrderStatus, before_issue: OrderStatus | None) -> set[OrderStatus]:
    """The statuses the shop document lets an order in `current` move to."""
    if current is S.ISSUE:
        if before_issue is None:
            return set()
        return {before_issue, *DOCUMENTED_FLOW.get(before_issue, frozenset())}
    return {*DOCUMENTED_FLOW.get(current, frozenset()), S.ISSUE}


DELIVERY_METHOD_WORDS: dict[DeliveryMethod, str] = {
    DeliveryMethod.DELIVERY: "delivery",
    DeliveryMethod.PICKUP: "self_pickup",
}
DELIVERY_METHOD_FROM_WORD = {word: method for method, word in DELIVERY_METHOD_WORDS.items()}
ShopDeliveryMethod = Literal["delivery", "self_pickup"]


def delivery_method_word(method: DeliveryMethod | str) -> ShopDeliveryMethod:
    return DELIVERY_METHOD_WORDS[DeliveryMethod(method)]  # type: ignore[return-value]


def _kz_phone(value: str) -> str:
    try:
        return normalize_kz_phone(value)
    except InvalidPhone as error:
        raise ValueError(f"Invalid phone format: {error}") from None


KzPhone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        json_schema_extra={"pattern": KZ_MOBILE_PATTERN},
        description="A Kazakh number, +7XXXXXXXXXX (other spellings of it are read too)",
    ),
    AfterValidator(_kz_phone),
]
# Whole numbers: a JSON body's integers are strict in one place (api.routing: `"15"` and
# `true` are refused, `15.0` is the integer JSON Schema says it is).
Money = Annotated[int, Field(ge=0, le=10**12)]
MIN_YEAR, MAX_YEAR = 1970, 2999
# `format: date-time` cannot bound the year, and a pattern beside it would starve the
# generator of a JSON Schema: operations with these times list the rule instead.
YEAR_RULE = f"Dates and times are in the years {MIN_YEAR}..{MAX_YEAR}."
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _utc_in_range(moment: datetime) -> datetime:
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"must be between {MIN_YEAR} and {MAX_YEAR}")
    return as_utc(moment)


def _text_only(value: object) -> object:
    """A date-time is written as ISO 8601 text; a number is not read as a timestamp."""
    if isinstance(value, int | float):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-03-08T12:00:00Z")
    return value


UtcDateTime = Annotated[datetime, BeforeValidator(_text_only), AfterValidator(_utc_in_range)]


# --- requests ---------------------------------------------------------------------------


class DeliveryWindowIn(BaseModel):
    """The document writes `from_time`/`to_time`; `from`/`to` (as responses show) work too."""

    model_config = ConfigDict(extra="ignore")

    from_time: UtcDateTime = Field(validation_alias=AliasChoices("from_time", "from"))
    to_time: UtcDateTime = Field(validation_alias=AliasChoices("to_time", "to"))

    @model_validator(mode="after")
    def _ordered(self) -> DeliveryWindowIn:
        if self.to_time <= self.from_time:
            raise ValueError("The window must end after it starts")
        return self


class OrderFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customer_phone: KzPhone
    customer_name: str = Field("", max_length=200)
    recipient_phone: KzPhone | None = None
    recipient_name: str = Field("", max_length=200)
    address: str = Field("", max_length=500)
    delivery_method: ShopDeliveryMethod = "delivery"
    delivery_window: DeliveryWindowIn | None = None
    delivery_fee: Money = 0
    total: Money | None = None
    comment: str | None = Field(None, max_length=2000)
    card_text: str | None = Field(None, max_length=2000)


class OrderCreate(OrderFields):
    flower_sum: Money


class ItemIn(BaseModel):
    """A product and how many; the price is always the catalog's."""

    model_config = ConfigDict(extra="ignore")

    product_id: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(1, ge=1, le=10_000)


class OrderWithItemsCreate(OrderFields):
    items: list[ItemIn] = Field(min_length=1, max_length=100)
    # Optional: when sent it must equal the catalog sum of the items.
    flower_sum: Money | None = None


class OrderUpdate(BaseModel):
    """PUT and PATCH change only the fields they are given."""

    model_config = ConfigDict(extra="ignore")

    customer_phone: KzPhone | None = None
    recipient_phone: KzPhone | None = None
    recipient_name: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=500)
    delivery_method: ShopDeliveryMethod | None = None
    delivery_window: DeliveryWindowIn | None = None
    flower_sum: Money | None = None
    delivery_fee: Money | None = None
    total: Money | None = None
    comment: str | None = Field(None, max_length=2000)
    card_text: str | None = Field(None, max_length=2000)

    @field_validator("customer_phone", "delivery_method", "flower_sum", "delivery_fee")
    @classmethod
    @refuses_null
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null")
        return value


class StatusIn(BaseModel):
    status: ShopOrderStatus


class IssueIn(BaseModel):
    issue_type: Literal[
        "wrong_address",
        "recipient_unavailable",
        "quality_issue",
        "wrong_order",
        "delivery_delay",
        "other",
    ]
    comment: str | None = Field(None, max_length=2000)

    @property
    def canonical_type(self) -> IssueType:
        return IssueType(self.issue_type)


class PaymentWebhookIn(BaseModel):
    payment_method: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")
    payment_id: str = Field(min_length=1, max_length=128)
    amount: Money
    status: Literal["success", "failed", "pending"]


class OrderQuery(PageQuery):
    status: ShopOrderStatus | None = None
    search: str | None = Field(None, max_length=200, description="Search in phones/names/ID")
    date_from: date | datetime | None = Field(
        None, alias="dateFrom", description="Created at or after (ISO 8601 date or date-time)"
    )
    date_to: date | datetime | None = Field(
        None,
        alias="dateTo",
        description="Created at or before (a date includes that whole day, UTC)",
    )

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _written_as_iso(cls, value: object) -> object:
        """A date or date-time as ISO 8601 text, not a number read as a timestamp."""
        if isinstance(value, str) and not ISO_DAY.match(value):
            raise ValueError("must be an ISO 8601 date or date-time, e.g. 2026-03-08")
        return value

    @field_validator("date_from", "date_to")
    @classmethod
    def _plausible(cls, value: date | datetime | None) -> date | datetime | None:
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"must be between {MIN_YEAR} and {MAX_YEAR}")
        return value


# --- responses --------------------------------------------------------------------------


class DeliveryWindowOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


def window_out(start: datetime | None, end: datetime | None) -> DeliveryWindowOut:
    """`{"from": ..., "to": ...}` in the document's UTC form (null ends when unset)."""
    return DeliveryWindowOut.model_validate(
        {"from": format_datetime(start), "to": format_datetime(end)}
    )


class CustomerSummary(BaseModel):
    id: int
    name: str
    phone: str
    orders_count: int
    total_spent: int


class ItemOut(BaseModel):
    product_id: int | None
    product_name: str
    quantity: int
    price: int
    total: int


class OrderOut(BaseModel):
    id: int
    number: int
    created_at: str
    updated_at: str
    status: ShopOrderStatus
    customer_phone: str | None
    recipient_phone: str | None
    recipient_name: str
    address: str
    delivery_method: ShopDeliveryMethod
    delivery_window: DeliveryWindowOut
    flower_sum: int
    delivery_fee: int
    total: int
    tracking_token: str
    comment: str | None
    card_text: str | None
    customer: CustomerSummary | None
    items: list[ItemOut]


class OrderPage(BaseModel):
    items: list[OrderOut]
    total: int


class PaymentAnswer(BaseModel):
    order_id: int
    payment_id: str
    payment_method: str
    amount: int
    payment_status: str
    order_status: ShopOrderStatus


# The wire form of OrderOut, written straight from what was read (the document's schema
# is OrderOut; the answers are plain JSON-ready dicts, serialised once).
OrderJson = dict[str, Any]


def order_json(
    order: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    customer: Mapping[str, Any] | None,
) -> OrderJson:
    """An order as OrderOut writes it, from its columns (core.orders.queries.ORDER_COLUMNS),
    its items (ITEM_COLUMNS) and its customer's summary (CustomerSummary's fields)."""
    return {
        "id": order["id"],
        "number": order["number"],
        "created_at": format_datetime(order["created_at"]),
        "updated_at": format_datetime(order["updated_at"]),
        "status": ORDER_STATUS_WORDS[order["status"]],
        "customer_phone": customer["phone"] if customer else None,
        "recipient_phone": order["recipient_phone"],
        "recipient_name": order["recipient_name"],
        "address": order["address"],
        "delivery_method": DELIVERY_METHOD_WORDS[order["delivery_method"]],
        "delivery_window": {
            "from": format_datetime(order["delivery_from"]),
            "to": format_datetime(order["delivery_to"]),
        },
        "flower_sum": int(order["flower_sum"]),
        "delivery_fee": int(order["delivery_fee"]),
        "total": int(order["total"]),
        "tracking_token": order["tracking_token"],
        "comment": order["comment"],
        "card_text": order["card_text"],
        "customer": {
            "id": customer["id"],
            "name": customer["name"],
            "phone": customer["phone"],
            "orders_count": customer["orders_count"],
            "total_spent": customer["total_spent"],
        }
        if customer
        else None,
        "items": [
            {
                "product_id": item["product_id"],
                "product_name": item["product_name"],
                "quantity": item["quantity"],
                "price": int(item["price"]),
                "total": int(item["total"]),
            }
            for item in items
        ],
    }


def listed_order_json(listed: ListedOrder) -> OrderJson:
    return order_json(listed.order, listed.items, listed.customer)


def order_details_json(details: OrderDetails) -> OrderJson:
    """One order read with its models (core.orders.queries.get_order_details)."""
    order, customer, stats = details.order, details.customer, details.customer_stats
    summary = (
        {
            "id": customer.id,
            "name": customer.name,
            "phone": customer.phone,
            "orders_count": stats.orders_count,
            "total_spent": stats.total_spent,
        }
        if customer
        else None
    )
    columns = {column: getattr(order, column) for column in ORDER_COLUMNS}
    items = [{column: getattr(item, column) for column in ITEM_COLUMNS} for item in details.items]
    return order_json(columns, items, summary)
