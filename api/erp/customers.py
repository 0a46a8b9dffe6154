"""erp customers: /api/customers/customers/ (the shop's customers, core.customers)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from api.erp import contract
from api.erp.common import PageQuery, money, page
from core import customers
from core.auth.tokens import Principal
from core.cashdesk.purchases import purchase_history
from core.models import Customer


class CustomerIn(BaseModel):
    name: str = Field(default="", max_length=200)
    phone: str = Field(min_length=1, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=5000)


class CustomerPatch(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, min_length=1, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=5000)


class CustomerQuery(PageQuery):
    search: str | None = Field(default=None, max_length=200)


def customer_out(customer: Customer, stats: Any = None) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "phone": customer.phone,
        "email": customer.email,
        "address": customer.address,
        "notes": customer.notes,
        "created_at": customer.created_at.isoformat(),
    }


@contract.get("/customers/customers/", tags=("customers",))
async def list_customers(
    request: web.Request, *, query: CustomerQuery, principal: Principal
) -> dict[str, Any]:
    """The store's customers (search by name, phone, email)."""
    rows, total = await customers.list_customers(
        shop_id=principal.shop_id,
        spec=customers.CustomerFilter(search=query.search),
        offset=query.offset,
        limit=query.page_size,
    )
    return page([customer_out(c) for c, _ in rows], total, query, request.path)


@contract.post("/customers/customers/", status=201, tags=("customers",))
async def create_customer(
    request: web.Request, *, body: CustomerIn, principal: Principal
) -> dict[str, Any]:
    """Add a customer (the phone is unique per store)."""
    customer = await customers.register_customer(
        shop_id=principal.shop_id, values=body.model_dump(exclude_none=True)
    )
    return customer_out(customer)


@contract.get("/customers/customers/{customer_id}/", tags=("customers",))
async def get_customer(
    request: web.Request, *, customer_id: int, principal: Principal
) -> dict[str, Any]:
    """One customer."""
    customer, _ = await customers.customer_summary(
        shop_id=principal.shop_id, customer_id=customer_id
    )
    return customer_out(customer)


@contract.patch("/customers/customers/{customer_id}/", tags=("customers",))
async def patch_customer(
    request: web.Request, *, customer_id: int, body: CustomerPatch, principal: Principal
) -> dict[str, Any]:
    """Change the fields sent."""
    customer = await customers.update_customer(
        shop_id=principal.shop_id,
        customer_id=customer_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return customer_out(customer)


@contract.delete("/customers/customers/{customer_id}/", status=204, tags=("customers",))
async def delete_customer(request: web.Request, *, customer_id: int, principal: Principal) -> None:
    """Delete a customer (their sales and orders stay, without the link)."""
    await customers.delete_customer(shop_id=principal.shop_id, customer_id=customer_id)


@contract.get("/customers/customers/{customer_id}/purchase-history/", tags=("customers",))
async def history(
    request: web.Request, *, customer_id: int, principal: Principal
) -> dict[str, Any]:
    """The customer's sales and chat orders, newest first."""
    entries = await purchase_history(shop_id=principal.shop_id, customer_id=customer_id)
    return {
        "customer_id": customer_id,
        "count": len(entries),
        "total_spent": money(sum(e.amount for e in entries)),
        "purchases": [
            {
                "type": e.kind,
                "id": e.id,
                "number": e.number,
                "date": e.at.isoformat(),
                "status": e.status,
                "total_amount": money(e.amount),
                "items": [
                    {"product_name": name, "quantity": qty, "total": money(total)}
                    for name, qty, total in e.items
                ],
            }
            for e in entries
        ],
    }
