"""The crm document's shapes, and their translation to and from core's values.

Requests validate here (422 in the document's shape); words and JSON-string lists are
translated with the tables of core.dialects.crm. Responses list every field, nulls
included. Money the document types as `number` is written as it shows it (15000.0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StrictBool,
    WithJsonSchema,
    field_validator,
)

from api.openapi import VISIBLE_TEXT_PATTERN, refuses_null
from api.routing import at_places
from core import models, stats
from core.catalog_texts import (
    TranslationsIn,
    TranslationsOut,
    translations_field,
    translations_out,
)
from core.dialects import crm as dialect
from core.dialects.crm import CrmCategory, CrmClientType, CrmStatus
from core.phones import KZ_MOBILE_PATTERN
from core.tenancy import MAX_ID
from core.urls import JSON_WEB_URL_PATTERN, REFUSAL, WebUrl, is_web_url


def _whole(value: float) -> int:
    if not float(value).is_integer():
        raise ValueError("Prices are whole tenge, without a fractional part")
    return int(value)


def _json_list(value: str | None) -> list[str] | None:
    return None if value is None else dialect.decode_list(value)


def _json_url_list(value: str | None) -> list[str] | None:
    urls = _json_list(value)
    if urls is not None and not all(is_web_url(url) for url in urls):
        raise ValueError(f"every item {REFUSAL}")
    return urls


@refuses_null
def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("must not be null")
    return value


def _sane_year(value: Any) -> Any:
    if value is not None and not 1970 <= value.year <= 2999:
        raise ValueError("must be between 1970 and 2999")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# The document's times are the shop's local times, written without an offset
# (`2025-09-23T13:20:13.745515`): declared as what they are, a string pattern, not an
# RFC 3339 `date-time` (which needs an offset). Years are 1970..2999 (`_sane_year`);
# the calendar (February 29th) is the parser's. A time written may carry an offset,
# converted to the shop's time; a time read back never does.
_YEAR = r"(19[7-9][0-9]|2[0-9]{3})"
_DAYS = r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))"
_CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?"
DAY_PATTERN = rf"^{_YEAR}-{_DAYS}$"
MOMENT_PATTERN = rf"^{_YEAR}-{_DAYS}T{_CLOCK}{_OFFSET}$"
LOCAL_TIME_PATTERN = rf"^{_YEAR}-{_DAYS}T{_CLOCK}$"


def _matching(
    pattern: str, example: str, parse: Callable[[str], date | datetime]
) -> Callable[[Any], Any]:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, date | datetime):
            return value
        if not isinstance(value, str) or compiled.fullmatch(value) is None:
            raise ValueError(f"must be written like {example}")
        # Parsed here: after a before-validator the value meets the type strictly.
        return parse(value.replace("Z", "+00:00"))

    return check


Day = Annotated[
    date,
    BeforeValidator(_matching(DAY_PATTERN, "2026-03-08", date.fromisoformat)),
    AfterValidator(_sane_year),
    WithJsonSchema({"type": "string", "pattern": DAY_PATTERN, "examples": ["2026-03-08"]}),
]
Moment = Annotated[
    datetime,
    BeforeValidator(_matching(MOMENT_PATTERN, "2026-03-08T12:00:00", datetime.fromisoformat)),
    AfterValidator(_sane_year),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MOMENT_PATTERN,
            "description": "The shop's local time (an offset, if given, is converted)",
            "examples": ["2026-03-08T12:00:00"],
        }
    ),
]
# A time read back: the shop's local time, naive.
LocalTime = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LOCAL_TIME_PATTERN,
            "description": "The shop's local time, without an offset",
            "examples": ["2025-09-23T13:20:13.745515"],
        }
    ),
]
# Whole tenge (the document: "целые числа без дробной части"), written as a number.
Price = Annotated[
    float, Field(ge=0, le=10**12, json_schema_extra={"multipleOf": 1}), AfterValidator(_whole)
]


QUANTITY_PLACES = 3


def _json_number(value: Any) -> Any:
    # The document's quantities are numbers: "15" or true is none (as for integers,
    # api.routing's strict numbers; a decimal would read both). Float noise is the
    # decimal it means (api.routing.at_places).
    if isinstance(value, bool | str):
        raise ValueError("Input should be a valid number")
    return at_places(value, QUANTITY_PLACES)


def _number_schema(*, digits: int, places: int, exclusive: bool) -> WithJsonSchema:
    """What a quantity is: a JSON number of at most `digits` digits, `places` of them
    after the point (the validation is Decimal's own max_digits/decimal_places)."""
    largest = float(Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places))
    return WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum" if exclusive else "minimum": 0,
            "maximum": largest,
            "multipleOf": float(Decimal(1).scaleb(-places)),
        }
    )


Quantity = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, max_digits=14, decimal_places=QUANTITY_PLACES),
    _number_schema(digits=14, places=QUANTITY_PLACES, exclusive=False),
]
ComponentQuantity = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(gt=0, max_digits=12, decimal_places=QUANTITY_PLACES),
    _number_schema(digits=12, places=QUANTITY_PLACES, exclusive=True),
]
# JSON written inside a text field: the document declares its grammar as a pattern
# (decode_list is the check; tests/api/crm/test_document_agrees.py holds them together).
JsonList = Annotated[
    Annotated[str, Field(json_schema_extra={"pattern": dialect.JSON_LIST_PATTERN})] | None,
    Field(description='A JSON array of strings, e.g. "[\\"red\\",\\"white\\"]"'),
    AfterValidator(_json_list),
]
JsonUrlList = Annotated[
    Annotated[
        str,
        Field(json_schema_extra={"pattern": dialect.json_array_pattern(JSON_WEB_URL_PATTERN)}),
    ]
    | None,
    Field(description='A JSON array of http(s) URLs, e.g. "[\\"https://example.com/a.jpg\\"]"'),
    AfterValidator(_json_url_list),
]
# Bounded so an offset always fits the database's 64-bit OFFSET (a larger one is a 422).
Skip = Annotated[int, Field(ge=0, le=2**63 - 1, description="Пропустить N записей")]
Limit = Annotated[int, Field(ge=1, le=1000, description="Лимит записей (max: 1000)")]


class Request(BaseModel):
    """A request body or query: PostgreSQL text cannot hold NUL characters (422)."""

    @field_validator("*", mode="after")  # after: a before-validator would make every
    @classmethod  # field's own validation the strict Python one (a JSON string no date)
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


def money(value: int | None) -> float | None:
    return None if value is None else float(value)


def number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class Deleted(BaseModel):
    message: str
    id: int


# --- clients -----------------------------------------------------------------------


class ClientCreate(Request):
    name: str | None = Field(None, max_length=200)
    phone: str = Field(
        max_length=32,
        json_schema_extra={"pattern": KZ_MOBILE_PATTERN},
        description="Normalised to E.164 (+77011234567); other spellings are read too",
    )
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)
    client_type: CrmClientType = "оба"
    notes: str | None = Field(None, max_length=5000)

    def to_core(self, fields: set[str] | None = None) -> dict[str, Any]:
        fields = self.model_fields_set if fields is None else fields
        values = {name: getattr(self, name) for name in fields}
        if "client_type" in values:
            values["client_type"] = dialect.CLIENT_TYPES[values["client_type"]]
        if values.get("name", "") is None:
            values["name"] = ""
        return values


class ClientUpdate(ClientCreate):
    """Every field optional: only the fields sent change."""

    phone: str | None = Field(  # type: ignore[assignment]
        None, max_length=32, json_schema_extra={"pattern": KZ_MOBILE_PATTERN}
    )
    client_type: CrmClientType | None = None  # type: ignore[assignment]

    _checked = field_validator("phone", "client_type")(_not_null)


class ClientQuery(Request):
    skip: Skip = 0
    limit: Limit = 100
    search: str | None = Field(None, max_length=100, description="Поиск по имени/телефону")
    client_type: CrmClientType | None = Field(None, description="Фильтр по типу клиента")


class Client(BaseModel):
    id: int
    name: str | None
    phone: str
    email: str | None
    address: str | None
    client_type: CrmClientType
    notes: str | None
    created_at: LocalTime

    @classmethod
    def of(cls, customer: models.Customer, zone: ZoneInfo) -> Client:
        return cls(
            id=customer.id,
            name=customer.name or None,
            phone=customer.phone,
            email=customer.email,
            address=customer.address,
            client_type=dialect.CLIENT_TYPE_WORDS[customer.client_type],  # type: ignore[arg-type]
            notes=customer.notes,
            created_at=dialect.to_local(customer.created_at, zone),  # type: ignore[arg-type]
        )


# --- products -----------------------------------------------------------------------

# crm field -> core field, for the fields whose names differ.
PRODUCT_FIELDS = {
    "category": "kind",
    "is_available": "is_active",
    "preparation_time": "preparation_minutes",
}


class ProductCreate(Request):
    name: str = Field(
        min_length=1, max_length=300, json_schema_extra={"pattern": VISIBLE_TEXT_PATTERN}
    )
    description: str | None = Field(None, max_length=5000)
    price: Price
    category: CrmCategory
    preparation_time: int | None = Field(None, ge=0, le=100_000, description="В минутах")
    image_url: WebUrl | None = None
    is_available: StrictBool = True
    product_type: Literal["catalog", "custom"] = "catalog"
    images: JsonUrlList = None
    production_time: str | None = Field(None, max_length=100)
    width: str | None = Field(None, max_length=20)
    height: str | None = Field(None, max_length=20)
    colors: JsonList = None
    catalog_width: str | None = Field(None, max_length=20)
    catalog_height: str | None = Field(None, max_length=20)
    ingredients: JsonList = None
    translations: TranslationsIn | None = Field(
        None, description="Extension: name and description by language (ru, kk, uz, en)"
    )

    def to_core(self, fields: set[str] | None = None) -> dict[str, Any]:
        """The fields given (all of them for a create) under core's names and values."""
        if fields is None:
            fields = set(type(self).model_fields)
        values: dict[str, Any] = {}
        for name in fields:
            value = getattr(self, name)
            if name == "category" and value is not None:
                value = dialect.CATEGORIES[value]
            if name == "images" and value is None:
                value = []
            if name == "translations" and value is not None:
                value = value.to_core()
            values[PRODUCT_FIELDS.get(name, name)] = value
        return values


class ProductUpdate(ProductCreate):
    """Every field optional: only the fields sent change (the document's PUT example)."""

    name: str | None = Field(
        None, min_length=1, max_length=300, json_schema_extra={"pattern": VISIBLE_TEXT_PATTERN}
    )  # type: ignore[assignment]
    price: Price | None = None  # type: ignore[assignment]
    category: CrmCategory | None = None  # type: ignore[assignment]
    is_available: StrictBool | None = None  # type: ignore[assignment]
    product_type: Literal["catalog", "custom"] | None = None  # type: ignore[assignment]

    _checked = field_validator("name", "price", "category", "is_available", "product_type")(
        _not_null
    )


def _rounded(rounding: Callable[[float], int]) -> Callable[[Any], int | None]:
    """A price bound written as any number, as the whole tenge it means for a filter.
    Beyond the largest storable price (10^12) a bound means the same as that price plus
    one, so the query stays within the database's numbers (6e68 answered 500)."""

    def parse(value: Any) -> int | None:
        if value is None:
            return None
        try:
            number = float(value)
            bound = min(rounding(number), 10**12 + 1)
        except (TypeError, ValueError, OverflowError):
            raise ValueError("Input should be a valid number") from None
        if number < 0:  # the document's minimum is the number's, not its rounding's
            raise ValueError("Input should be greater than or equal to 0")
        return bound

    return parse


NUMBER = WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}]})


class ProductQuery(Request):
    skip: Skip = 0
    limit: Limit = 100
    category: CrmCategory | None = Field(None, description="Фильтр по категории")
    min_price: Annotated[int | None, BeforeValidator(_rounded(math.ceil)), NUMBER] = Field(
        None, ge=0, description="Минимальная цена"
    )
    max_price: Annotated[int | None, BeforeValidator(_rounded(math.floor)), NUMBER] = Field(
        None, ge=0, description="Максимальная цена"
    )
    search: str | None = Field(None, max_length=100, description="Поиск по названию")


class Product(BaseModel):
    """A product with every field, nulls included (`response_model_exclude_none=False`)."""

    id: int
    name: str
    description: str | None
    price: float
    category: CrmCategory
    preparation_time: int | None
    image_url: str | None
    created_at: LocalTime
    is_available: bool
    product_type: str
    images: str | None
    production_time: str | None
    width: str | None
    height: str | None
    colors: str | None
    catalog_width: str | None
    catalog_height: str | None
    ingredients: str | None
    translations: TranslationsOut | None = translations_field()

    @classmethod
    def of(cls, product: models.Product, zone: ZoneInfo) -> Product:
        return cls(
            id=product.id,
            name=product.name,
            description=product.description,
            price=float(product.price),
            category=dialect.CATEGORY_WORDS[product.kind],  # type: ignore[arg-type]
            preparation_time=product.preparation_minutes,
            image_url=product.image_url,
            created_at=dialect.to_local(product.created_at, zone),  # type: ignore[arg-type]
            is_available=product.is_active,
            product_type=product.product_type,
            images=dialect.encode_list(product.images or []),
            production_time=product.production_time,
            width=product.width,
            height=product.height,
            colors=dialect.encode_list(product.colors),
            catalog_width=product.catalog_width,
            catalog_height=product.catalog_height,
            ingredients=dialect.encode_list(product.ingredients),
            translations=translations_out(product),
        )


class CompositionCreate(Request):
    inventory_id: Id
    quantity: ComponentQuantity
    product_id: Id | None = Field(None, description="The product in the path; optional")


class ProductComposition(BaseModel):
    id: int
    product_id: int
    inventory_id: int
    quantity: float
    inventory_name: str
    unit: str

    @classmethod
    def of(cls, component: models.ProductComponent) -> ProductComposition:
        item: models.StockItem = component.stock_item  # type: ignore[assignment]
        return cls(
            id=component.id,
            product_id=component.product_id,  # type: ignore[attr-defined]
            inventory_id=item.id,
            quantity=float(component.quantity),
            inventory_name=item.name,
            unit=item.unit,
        )


# --- inventory ----------------------------------------------------------------------


class InventoryCreate(Request):
    name: str = Field(min_length=1, max_length=200)
    quantity: Quantity
    unit: str = Field(min_length=1, max_length=16)
    min_quantity: Quantity | None = None
    price_per_unit: Price | None = None


class InventoryUpdate(InventoryCreate):
    """Every field optional: only the fields sent change; a new quantity is a ledger
    adjustment."""

    name: str | None = Field(None, min_length=1, max_length=200)  # type: ignore[assignment]
    quantity: Quantity | None = None  # type: ignore[assignment]
    unit: str | None = Field(None, min_length=1, max_length=16)  # type: ignore[assignment]

    _checked = field_validator("name", "quantity", "unit")(_not_null)


class InventoryQuery(Request):
    skip: Skip = 0
    limit: Limit = 100
    low_stock: bool | None = Field(None, description="Только с низким остатком")
    search: str | None = Field(None, max_length=100, description="Поиск по названию")


class Inventory(BaseModel):
    id: int
    name: str
    quantity: float
    unit: str
    min_quantity: float | None
    price_per_unit: float | None
    created_at: LocalTime

    @classmethod
    def of(cls, item: models.StockItem, zone: ZoneInfo) -> Inventory:
        return cls(
            id=item.id,
            name=item.name,
            quantity=float(item.quantity),
            unit=item.unit,
            min_quantity=number(item.min_quantity),
            price_per_unit=money(item.price_per_unit),
            created_at=dialect.to_local(item.created_at, zone),  # type: ignore[arg-type]
        )


# --- orders -------------------------------------------------------------------------


class OrderItemCreate(Request):
    product_id: Id
    quantity: int = Field(1, ge=1, le=10_000)
    price: Price | None = Field(None, description="The catalog price; a different one is a 422")
    order_id: Id | None = Field(None, description="The order in the path; optional")

    def line(self) -> dialect.ItemLine:
        return dialect.ItemLine(self.product_id, self.quantity, self.price)  # type: ignore[arg-type]


UNIQUE: dict[str, Any] = {"uniqueItems": True}  # the team checks refuse a florist twice


class OrderCreate(Request):
    client_id: Id
    recipient_id: Id
    manager_id: Id | None = None
    florist_ids: Annotated[list[Id], Field(max_length=3)] | None = None
    courier_id: Id | None = None
    executor_id: Id | None = Field(
        None, description="Deprecated: a single florist (florist_ids wins when both are sent)"
    )
    status: CrmStatus = "новый"
    delivery_date: Moment
    delivery_address: str = Field(min_length=1, max_length=500)
    delivery_time_range: str | None = Field(None, max_length=32, examples=["14:00-16:00"])
    total_price: Price | None = None
    comment: str | None = Field(None, max_length=5000)
    items: list[OrderItemCreate] = Field(default_factory=list, max_length=100)

    def team_florists(self) -> list[int] | None:
        if self.florist_ids is not None:
            return self.florist_ids
        return [self.executor_id] if self.executor_id is not None else None


class OrderUpdate(Request):
    """Every field optional: only the fields sent change (PUT and PATCH alike). Items
    change through /items; `id`, `created_at` and `items` sent back are ignored."""

    client_id: Id | None = None
    recipient_id: Id | None = None
    manager_id: Id | None = None
    florist_ids: Annotated[list[Id], Field(max_length=3, json_schema_extra=UNIQUE)] | None = None
    courier_id: Id | None = None
    executor_id: Id | None = None
    status: CrmStatus | None = None
    delivery_date: Moment | None = None
    delivery_address: str | None = Field(None, min_length=1, max_length=500)
    delivery_time_range: str | None = Field(None, max_length=32)
    total_price: Price | None = None
    comment: str | None = Field(None, max_length=5000)

    _checked = field_validator("client_id", "delivery_date", "delivery_address", "status")(
        _not_null
    )

    def to_core(self, zone: ZoneInfo) -> dict[str, Any]:
        sent = self.model_fields_set
        changes: dict[str, Any] = {}
        names = {
            "client_id": "client_id",
            "recipient_id": "recipient_id",
            "manager_id": "manager_id",
            "courier_id": "courier_id",
            "delivery_address": "address",
            "delivery_time_range": "delivery_time_range",
            "comment": "comment",
            "total_price": "total",
            "status": "word",
        }
        for name, core_name in names.items():
            if name in sent:
                changes[core_name] = getattr(self, name)
        if "delivery_date" in sent and self.delivery_date is not None:
            changes["delivery_from"] = dialect.from_local(self.delivery_date, zone)
        if "florist_ids" in sent and self.florist_ids is not None:
            changes["florist_ids"] = self.florist_ids
        elif "executor_id" in sent and self.executor_id is not None:
            changes["florist_ids"] = [self.executor_id]
        return changes


class OrderQuery(Request):
    skip: Skip = 0
    limit: Limit = 100
    status: CrmStatus | None = Field(None, description="Фильтр по статусу")
    client_id: Id | None = Field(None, description="Фильтр по клиенту")
    date_from: Day | None = Field(None, description="Начальная дата (дата доставки)")
    date_to: Day | None = Field(None, description="Конечная дата (дата доставки)")


class OrderItem(BaseModel):
    id: int
    order_id: int
    product_id: int | None
    quantity: int
    price: float
    product_name: str


class Order(BaseModel):
    id: int
    client_id: int | None
    recipient_id: int | None
    manager_id: int | None
    florist_ids: list[int]
    courier_id: int | None
    executor_id: int | None
    status: CrmStatus
    delivery_date: LocalTime | None
    delivery_address: str
    delivery_time_range: str | None
    total_price: float
    comment: str | None
    created_at: LocalTime
    items: list[OrderItem]

    @classmethod
    def of(cls, view: dialect.OrderView, zone: ZoneInfo) -> Order:
        order = view.order
        return cls(
            id=order.id,
            client_id=order.customer_id,  # type: ignore[attr-defined]
            recipient_id=order.recipient_id,  # type: ignore[attr-defined]
            manager_id=order.manager_id,  # type: ignore[attr-defined]
            florist_ids=view.florist_ids,
            courier_id=order.courier_id,  # type: ignore[attr-defined]
            executor_id=view.florist_ids[0] if view.florist_ids else None,
            status=dialect.order_status_word(order),  # type: ignore[arg-type]
            delivery_date=dialect.to_local(order.delivery_from, zone),
            delivery_address=order.address,
            delivery_time_range=order.delivery_time_range,
            total_price=float(order.total),
            comment=order.comment,
            created_at=dialect.to_local(order.created_at, zone),  # type: ignore[arg-type]
            items=[
                OrderItem(
                    id=item.id,
                    order_id=order.id,
                    product_id=item.product_id,  # type: ignore[attr-defined]
                    quantity=item.quantity,
                    price=float(item.price),
                    product_name=item.product_name,
                )
                for item in view.items
            ],
        )


class StatusUpdateRequest(Request):
    new_status: CrmStatus
    comment: str | None = Field(None, max_length=2000)


class ManagerAssignment(Request):
    manager_id: Id | None = Field(description="A manager of the shop; null unassigns")


class FloristsAssignment(Request):
    florist_ids: list[Id] = Field(
        min_length=1,
        max_length=3,
        json_schema_extra=UNIQUE,
        description="1 to 3 distinct florists of the shop",
    )


class CourierAssignment(Request):
    courier_id: Id | None = Field(description="A courier of the shop; null unassigns")


class User(BaseModel):
    """A team member as the document's User: `role` is the part they play in the order."""

    id: int
    name: str
    phone: str | None
    role: Literal["admin", "manager", "florist", "courier"]
    email: str | None
    created_at: LocalTime

    @classmethod
    def of(cls, member: dialect.TeamMember | None, zone: ZoneInfo) -> User | None:
        if member is None:
            return None
        user = member.user
        return cls(
            id=user.id,
            name=user.name,
            phone=user.phone,
            role=member.role.value,  # type: ignore[arg-type]
            email=user.email,
            created_at=dialect.to_local(user.created_at, zone),  # type: ignore[arg-type]
        )


class OrderTeam(BaseModel):
    order_id: int
    manager_id: int | None
    florist_ids: list[int]
    courier_id: int | None
    manager: User | None
    florists: list[User]
    courier: User | None

    @classmethod
    def of(cls, team: dialect.OrderTeam, zone: ZoneInfo) -> OrderTeam:
        florists = [User.of(m, zone) for m in team.florists]
        return cls(
            order_id=team.order.id,
            manager_id=team.manager.user.id if team.manager else None,
            florist_ids=[m.user.id for m in team.florists],
            courier_id=team.courier.user.id if team.courier else None,
            manager=User.of(team.manager, zone),
            florists=[f for f in florists if f is not None],
            courier=User.of(team.courier, zone),
        )


# --- statistics ---------------------------------------------------------------------


class TopProduct(BaseModel):
    product_id: int | None
    name: str
    quantity: int
    revenue: float


class DashboardStats(BaseModel):
    """Today and this month (the shop's days): orders not cancelled and the revenue of
    those paid for; every order by status word; stock items below their minimum; this
    month's best sellers by quantity."""

    today_orders: int
    today_revenue: float
    month_orders: int
    month_revenue: float
    orders_by_status: dict[str, int]
    low_stock_count: int
    top_products: list[TopProduct]

    @classmethod
    def of(cls, board: stats.Dashboard) -> DashboardStats:
        by_status = {word: board.orders_by_status.get(word, 0) for word in dialect.STATUS_WORDS}
        return cls(
            today_orders=board.today.orders,
            today_revenue=float(board.today.revenue),
            month_orders=board.month.orders,
            month_revenue=float(board.month.revenue),
            orders_by_status=by_status,
            low_stock_count=board.low_stock_count,
            top_products=[
                TopProduct(
                    product_id=p.product_id,
                    name=p.name,
                    quantity=p.quantity,
                    revenue=float(p.revenue),
                )
                for p in board.top_products
            ],
        )


class SalesQuery(Request):
    date_from: Day | None = Field(None, description="Начальная дата (default: 29 days back)")
    date_to: Day | None = Field(None, description="Конечная дата (default: today)")


class SalesDay(BaseModel):
    date: date
    orders: int
    revenue: float


class SalesStats(BaseModel):
    """Orders (not cancelled) and revenue (of those paid for) per day, every day of the
    period listed."""

    date_from: date
    date_to: date
    total_orders: int
    total_revenue: float
    days: list[SalesDay]

    @classmethod
    def of(cls, sales: stats.Sales) -> SalesStats:
        return cls(
            date_from=sales.date_from,
            date_to=sales.date_to,
            total_orders=sales.orders,
            total_revenue=float(sales.revenue),
            days=[
                SalesDay(date=d.day, orders=d.orders, revenue=float(d.revenue)) for d in sales.days
            ],
        )


# --- system -------------------------------------------------------------------------


class ApiInfo(BaseModel):
    name: str
    version: str
    description: str
    docs: str
    redoc: str
    openapi: str
    health: str


class HealthStatus(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "down"]
    redis: Literal["ok", "down"]
    redis_mode: Literal["redis", "in-process"]
