"""Commerce orders: list, get, PATCH (status word, fulfilled_date), stats/summary."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.commerce import contract
from api.commerce.common import Paging, actor_of, now_of, project, utc
from core.auth.tokens import Account
from core.commerce import orders as service
from core.models import Shop
from core.money import json_amount, json_decimal


class CustomerOut(BaseModel):
    name: str
    email: str | None
    phone: str | None


class ItemOut(BaseModel):
    name: str
    quantity: int
    price: int | float


class OrderOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    external_id: str
    number: int
    provider: str
    status: str
    customer: CustomerOut
    items: list[ItemOut]
    total: int | float
    currency: str
    order_date: str
    fulfilled_date: str | None


class OrdersQuery(Paging):
    status: str | None = Field(None, max_length=32, json_schema_extra={"enum": list(service.WORDS)})
    provider: str | None = Field(None, max_length=32)
    days: int = Field(30, ge=1, le=service.MAX_DAYS)


class OrderPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(None, max_length=32, examples=["fulfilled"])
    fulfilled_date: AwareDatetime | None = Field(None, examples=["2025-01-12T12:00:00Z"])


class DaysQuery(BaseModel):
    days: int = Field(30, ge=1, le=service.MAX_DAYS)


class OrderStatsOut(BaseModel):
    period_days: int
    total_orders: int
    total_revenue: int | float
    currency: str
    orders_by_status: dict[str, int]
    average_order_value: int | float


def order_out(view: service.OrderView) -> OrderOut:
    order, currency = view.order, view.currency
    customer = view.customer
    return OrderOut(
        id=order.public_id,  # type: ignore[arg-type]
        project_id=view.shop.public_id,  # type: ignore[arg-type]
        external_id=order.external_id or str(order.number),
        number=order.number,
        provider=service.provider_of(order),
        status=service.word_of(order.status),
        customer=CustomerOut(
            name=(customer.name if customer else "") or order.recipient_name,
            email=customer.email if customer else None,
            phone=customer.phone if customer else order.recipient_phone,
        ),
        items=[
            ItemOut(name=i.product_name, quantity=i.quantity, price=json_amount(i.price, currency))
            for i in view.items
        ],
        total=json_amount(order.total, currency),
        currency=currency,
        order_date=utc(order.created_at) or "",
        fulfilled_date=utc(order.fulfilled_at),
    )


async def stats_of(shop: Shop, now: datetime, days: int) -> OrderStatsOut:
    until = now + timedelta(microseconds=1)  # up to and including this moment
    figures = await service.order_figures(shop=shop, start=now - timedelta(days=days), end=until)
    currency = figures.currency
    return OrderStatsOut(
        period_days=days,
        total_orders=figures.total_orders,
        total_revenue=json_decimal(figures.total_revenue, currency),
        currency=currency,
        orders_by_status=figures.orders_by_status,
        average_order_value=json_decimal(figures.average_order_value, currency),
    )


@contract.get("/orders/{project_id}", response=list[OrderOut], tags=("orders",))
async def list_orders(
    request: web.Request, *, account: Account, project_id: uuid.UUID, query: OrdersQuery
) -> list[OrderOut]:
    """The project's orders of the last `days`, newest first."""
    shop = await project(account, project_id)
    if query.status is not None:
        service.statuses_of(query.status, "status")
    views = await service.list_orders(
        shop=shop,
        now=now_of(request),
        days=query.days,
        status=query.status,
        provider=query.provider,
        page=query.page,
        page_size=query.page_size,
    )
    return [order_out(v) for v in views]


@contract.get("/orders/{project_id}/stats/summary", response=OrderStatsOut, tags=("orders",))
async def order_stats(
    request: web.Request, *, account: Account, project_id: uuid.UUID, query: DaysQuery
) -> OrderStatsOut:
    """Orders, revenue and the average order of the last `days`."""
    shop = await project(account, project_id)
    return await stats_of(shop, now_of(request), query.days)


@contract.get("/orders/{project_id}/{order_id}", response=OrderOut, tags=("orders",))
async def get_order(
    request: web.Request, *, account: Account, project_id: uuid.UUID, order_id: uuid.UUID
) -> OrderOut:
    """One order."""
    shop = await project(account, project_id)
    return order_out(await service.order_view(shop=shop, order_id=order_id))


@contract.patch(
    "/orders/{project_id}/{order_id}",
    response=OrderOut,
    tags=("orders",),
    responses={400: "The status machine does not allow this move"},
)
async def update_order(
    request: web.Request,
    *,
    account: Account,
    project_id: uuid.UUID,
    order_id: uuid.UUID,
    body: OrderPatch,
) -> OrderOut:
    """Change the status (in this contract's words) and/or the fulfilment date."""
    shop = await project(account, project_id)
    view = await service.update_order(
        shop=shop,
        order_id=order_id,
        actor=await actor_of(account, shop),
        status=body.status,
        fulfilled_date=body.fulfilled_date,
    )
    return order_out(view)
