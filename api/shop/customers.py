"""Shop contract: customers and their important dates (`/api/customers/`).

Decisions the document leaves open: a customer reads back with `orders_count` and
`total_spent` (the same summary the order list shows: cancelled orders do not count,
unpaid ones add nothing to the amount spent); one customer (`GET /customers/{id}`) also
carries its `important_dates`. `PUT` changes only the fields it is given. Phones are
stored in E.164 whatever spelling the client sent, and are unique per shop: a second
customer with the same phone is a 409.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.openapi import not_null
from api.shop import contract
from api.shop.listing import PageQuery
from core import customers
from core.auth.tokens import Principal
from core.dialects.shop import format_datetime
from core.models import Customer, DateType, ImportantDate
from core.orders.queries import CustomerStats

PHONE_RULES = ("phone is a real phone number (E.164, e.g. +77011234567).",)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ShopDateType = Literal["birthday", "anniversary", "other"]


def _email(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > 254 or not _EMAIL.match(value.strip()):
        raise ValueError("Invalid email format")
    return value.strip()


class ImportantDateIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    date_type: ShopDateType
    date: dt.date
    description: str = Field("", max_length=300)
    reminder_days: int = Field(3, ge=0, le=customers.MAX_REMINDER_DAYS)


class ImportantDateOut(BaseModel):
    id: int
    customer_id: int
    date_type: ShopDateType
    date: dt.date
    description: str
    reminder_days: int


class ImportantDateList(BaseModel):
    items: list[ImportantDateOut]
    total: int


class CustomerOut(BaseModel):
    id: int
    phone: str
    name: str
    email: str | None
    address: str | None
    birth_date: dt.date | None
    preferences: str | None
    orders_count: int
    total_spent: int
    created_at: str


class CustomerDetails(CustomerOut):
    important_dates: list[ImportantDateOut]


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    total: int


class CustomerQuery(PageQuery):
    search: str | None = Field(None, max_length=200, description="Search by phone/name/email")
    has_orders: bool | None = Field(None, description="Only customers with (or without) orders")
    min_spent: int | None = Field(None, ge=0, le=10**12, description="Minimum total spent")


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone: str = Field(min_length=1, max_length=32)
    name: str = Field("", max_length=200)
    email: str | None = None
    address: str | None = Field(None, max_length=500)
    birth_date: dt.date | None = None
    preferences: str | None = Field(None, max_length=5000)

    _email = field_validator("email")(_email)


class CustomerChanges(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, max_length=200)
    email: str | None = None
    address: str | None = Field(None, max_length=500)
    birth_date: dt.date | None = None
    preferences: str | None = Field(None, max_length=5000)

    _email = field_validator("email")(_email)
    _not_null = field_validator("phone", "name")(not_null)


def date_out(row: ImportantDate) -> ImportantDateOut:
    return ImportantDateOut(
        id=row.id,
        customer_id=row.customer_id,  # type: ignore[attr-defined]
        date_type=DateType(row.date_type).value,  # type: ignore[arg-type]
        date=row.date,
        description=row.description,
        reminder_days=row.reminder_days,
    )


def customer_out(customer: Customer, stats: CustomerStats) -> CustomerOut:
    return CustomerOut(
        id=customer.id,
        phone=customer.phone,
        name=customer.name,
        email=customer.email,
        address=customer.address,
        birth_date=customer.birth_date,
        preferences=customer.preferences,
        orders_count=stats.orders_count,
        total_spent=stats.total_spent,
        created_at=format_datetime(customer.created_at) or "",
    )


async def _details(shop_id: int, customer_id: int) -> CustomerDetails:
    customer, stats = await customers.customer_summary(shop_id=shop_id, customer_id=customer_id)
    dates = await customers.important_dates(shop_id=shop_id, customer_id=customer.id)
    return CustomerDetails(
        **customer_out(customer, stats).model_dump(),
        important_dates=[date_out(d) for d in dates],
    )


@contract.get("/customers/", response=CustomerPage, tags=("customers",))
async def list_customers(
    request: web.Request, *, query: CustomerQuery, principal: Principal
) -> CustomerPage:
    """List customers with search and order-based filters."""
    rows, total = await customers.list_customers(
        shop_id=principal.shop_id,
        spec=customers.CustomerFilter(
            search=query.search, has_orders=query.has_orders, min_spent=query.min_spent
        ),
        offset=query.offset,
        limit=query.limit,
    )
    return CustomerPage(items=[customer_out(c, s) for c, s in rows], total=total)


@contract.post(
    "/customers/",
    response=CustomerDetails,
    status=201,
    tags=("customers",),
    idempotent=True,
    rules=PHONE_RULES,
)
async def create_customer(
    request: web.Request, *, body: CustomerIn, principal: Principal
) -> CustomerDetails:
    """Add a customer (the phone is unique per shop)."""
    customer = await customers.register_customer(
        shop_id=principal.shop_id, values=body.model_dump()
    )
    return await _details(principal.shop_id, customer.id)


@contract.get("/customers/{customer_id}", response=CustomerDetails, tags=("customers",))
async def get_customer(
    request: web.Request, *, customer_id: int, principal: Principal
) -> CustomerDetails:
    """One customer with their order summary and important dates."""
    return await _details(principal.shop_id, customer_id)


@contract.put(
    "/customers/{customer_id}", response=CustomerDetails, tags=("customers",), rules=PHONE_RULES
)
async def update_customer(
    request: web.Request, *, customer_id: int, body: CustomerChanges, principal: Principal
) -> CustomerDetails:
    """Change the given fields of a customer."""
    await customers.update_customer(
        shop_id=principal.shop_id,
        customer_id=customer_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return await _details(principal.shop_id, customer_id)


@contract.delete("/customers/{customer_id}", status=204, tags=("customers",))
async def delete_customer(request: web.Request, *, customer_id: int, principal: Principal) -> None:
    """Remove a customer (their orders stay)."""
    await customers.delete_customer(shop_id=principal.shop_id, customer_id=customer_id)


@contract.post(
    "/customers/{customer_id}/important-dates",
    response=ImportantDateOut,
    status=201,
    tags=("customers",),
)
async def add_important_date(
    request: web.Request, *, customer_id: int, body: ImportantDateIn, principal: Principal
) -> ImportantDateOut:
    """Remember a birthday, an anniversary or another date, with a reminder."""
    row = await customers.add_important_date(
        shop_id=principal.shop_id,
        customer_id=customer_id,
        date_type=DateType(body.date_type),
        date=body.date,
        description=body.description,
        reminder_days=body.reminder_days,
    )
    return date_out(row)


@contract.get(
    "/customers/{customer_id}/important-dates", response=ImportantDateList, tags=("customers",)
)
async def list_important_dates(
    request: web.Request, *, customer_id: int, principal: Principal
) -> ImportantDateList:
    """A customer's important dates."""
    rows = await customers.important_dates(shop_id=principal.shop_id, customer_id=customer_id)
    return ImportantDateList(items=[date_out(r) for r in rows], total=len(rows))


@contract.delete(
    "/customers/{customer_id}/important-dates/{date_id}", status=204, tags=("customers",)
)
async def delete_important_date(
    request: web.Request, *, customer_id: int, date_id: int, principal: Principal
) -> None:
    """Forget one of a customer's dates."""
    await customers.remove_important_date(
        shop_id=principal.shop_id, customer_id=customer_id, date_id=date_id
    )
