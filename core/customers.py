"""Customers: one per shop and person, found by phone."""

from __future__ import annotations

from typing import Any

from core import events
from core.models import Customer
from core.phones import phone_or_422


async def find_or_register_customer(
    *, shop_id: int, phone: str, name: str = "", loc: tuple[str, ...] = ("phone",), **extra: Any
) -> tuple[Customer, bool]:
    """The shop's customer with this phone; registered (and announced) when new."""
    phone = phone_or_422(phone, *loc)
    customer = await Customer.get_or_none(shop_id=shop_id, phone=phone)
    if customer is not None:
        if name and not customer.name:
            customer.name = name
            await customer.save(update_fields=["name", "updated_at"])
        return customer, False
    customer = await Customer.create(shop_id=shop_id, phone=phone, name=name, **extra)
    await announce_registration(customer)
    return customer, True


async def announce_registration(customer: Customer) -> None:
    await events.emit(
        events.DomainEvent(
            name=events.CUSTOMER_REGISTERED,
            shop_id=customer.shop_id,  # type: ignore[attr-defined]
            key=f"customer:{customer.id}",
            payload={
                "customer_id": customer.id,
                "phone": customer.phone,
                "name": customer.name,
            },
        )
    )
