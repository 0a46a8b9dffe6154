"""Changing an order's details after it was placed (not its status: see service.py).

Totals follow the same rule as at placement (`compute_totals`): with items the flower
sum is theirs, and a claimed total that disagrees is a 422. A closed order (completed
or cancelled) is history and cannot be edited (409).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from core import events
from core.customers import find_or_register_customer
from core.errors import Conflict, ValidationFailed
from core.models import DeliveryMethod, Order, OrderItem
from core.orders.service import compute_totals
from core.orders.status import CLOSED, OrderStatus
from core.phones import phone_or_422
from core.tenancy import get_owned


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


async def update_order(
    *,
    shop_id: int,
    order_id: int,
    customer_phone: str | None = UNSET,
    recipient_name: str | None = UNSET,
    recipient_phone: str | None = UNSET,
    address: str | None = UNSET,
    delivery_method: DeliveryMethod = UNSET,
    delivery_from: datetime | None = UNSET,
    delivery_to: datetime | None = UNSET,
    flower_sum: int = UNSET,
    delivery_fee: int = UNSET,
    total: int | None = UNSET,
    comment: str | None = UNSET,
    card_text: str | None = UNSET,
) -> Order:
    """Change the given fields (the others stay) and recompute the total.

    Outcomes: the saved order; NotFound for another shop's id; Conflict for a closed
    order; ValidationFailed for a bad phone, window, sum or a claimed total that differs.
    """
    async with in_transaction():
        order = await get_owned(Order, shop_id=shop_id, id=order_id, for_update=True)
        if OrderStatus(order.status) in CLOSED:
            raise Conflict(f"Order {order.id} is {order.status} and can no longer be changed")
        changed: set[str] = set()
        if customer_phone is not UNSET:
            if customer_phone:
                customer, _ = await find_or_register_customer(
                    shop_id=shop_id, phone=customer_phone, loc=("customer_phone",)
                )
                order.customer = customer
            else:
                order.customer = None  # type: ignore[assignment]
            changed.add("customer_id")
        if recipient_phone is not UNSET:
            order.recipient_phone = (
                phone_or_422(recipient_phone, "recipient_phone") if recipient_phone else None
            )
            changed.add("recipient_phone")
        for name, value in (
            ("recipient_name", recipient_name),
            ("address", address),
            ("delivery_method", delivery_method),
            ("comment", comment),
            ("card_text", card_text),
            ("delivery_from", delivery_from),
            ("delivery_to", delivery_to),
        ):
            if value is not UNSET:
                if name in ("recipient_name", "address") and value is None:
                    value = ""
                setattr(order, name, value)
                changed.add(name)
        if order.delivery_from and order.delivery_to and order.delivery_to <= order.delivery_from:
            raise ValidationFailed.field(
                "delivery_window", msg="The window must end after it starts"
            )
        if delivery_fee is not UNSET:
            if delivery_fee < 0:
                raise ValidationFailed.field(
                    "delivery_fee", msg="delivery_fee must not be negative"
                )
            order.delivery_fee = delivery_fee
        items = await OrderItem.filter(order_id=order.id)
        if items:
            computed = sum(int(i.total) for i in items)
            if flower_sum is not UNSET and flower_sum != computed:
                raise ValidationFailed.field(
                    "flower_sum",
                    msg=f"flower_sum must equal the catalog sum of the items ({computed})",
                )
            order.flower_sum = computed
        elif flower_sum is not UNSET:
            if flower_sum < 0:
                raise ValidationFailed.field("flower_sum", msg="flower_sum must not be negative")
            order.flower_sum = flower_sum
        order.total = compute_totals(
            flower_sum=int(order.flower_sum),
            delivery_fee=int(order.delivery_fee),
            discount=int(order.discount),
            claimed_total=None if total is UNSET else total,
        )
        changed |= {"flower_sum", "delivery_fee", "total", "updated_at"}
        await order.save(update_fields=sorted(changed))
        await events.emit(
            events.DomainEvent(
                name=events.ORDER_UPDATED,
                shop_id=shop_id,
                payload={"order_id": order.id, "fields": sorted(changed - {"updated_at"})},
                key=f"order:{order.id}",
            )
        )
    return order
