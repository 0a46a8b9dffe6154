"""Shopify's order JSON (Admin API and webhooks alike) as core's `ExternalOrder`.

Shopify                                        core
id                                             external_id (provider "shopify")
line_items[].title (+ variant_title),          lines: name, quantity, price in the
  quantity, price ("29.99")                      currency's stored unit (2999 cents)
total_price, currency                          total, currency (exact, no float)
cancelled_at set                               cancelled
fulfillment_status "fulfilled"                 delivered (commerce word: fulfilled)
fulfillment_status "partial"                   in_delivery (shipped)
financial_status paid / partially_paid /       paid
  partially_refunded
financial_status refunded / voided             cancelled
anything else (pending, authorized)            new (pending)
customer first/last name, email, phone         the customer (by phone; no phone: the
  (or the order's phone, shipping phone)         order keeps the name only)
shipping_address                               address
created_at                                     placed_at (order_date)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.money import to_minor
from core.orders.imported import ExternalOrder
from core.orders.service import FreeLine
from core.orders.status import OrderStatus

PROVIDER = "shopify"


class UnreadableOrder(ValueError):
    """The JSON is not a Shopify order we can read."""


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _amount(value: Any, currency: str) -> int:
    try:
        return to_minor(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError) as error:
        raise UnreadableOrder(f"not an amount: {value!r}") from error


def status_of(order: dict[str, Any]) -> OrderStatus:
    if order.get("cancelled_at"):
        return OrderStatus.CANCELLED
    fulfillment = order.get("fulfillment_status")
    if fulfillment == "fulfilled":
        return OrderStatus.DELIVERED
    if fulfillment == "partial":
        return OrderStatus.IN_DELIVERY
    financial = order.get("financial_status")
    if financial in ("refunded", "voided"):
        return OrderStatus.CANCELLED
    if financial in ("paid", "partially_paid", "partially_refunded"):
        return OrderStatus.PAID
    return OrderStatus.NEW


def _address(order: dict[str, Any]) -> str:
    shipping = order.get("shipping_address") or {}
    parts = [shipping.get(k) for k in ("address1", "address2", "city", "province", "country")]
    return ", ".join(str(p) for p in parts if p)[:500]


def external_order(order: dict[str, Any]) -> ExternalOrder:
    """Read one Shopify order; UnreadableOrder when it is not one."""
    if not isinstance(order, dict) or order.get("id") in (None, ""):
        raise UnreadableOrder("an order needs an id")
    currency = str(order.get("currency") or "USD").upper()[:3]
    lines = []
    for item in order.get("line_items") or []:
        name = str(item.get("title") or item.get("name") or "Item")
        if item.get("variant_title"):
            name = f"{name} ({item['variant_title']})"
        try:
            quantity = int(item.get("quantity") or 1)
        except (TypeError, ValueError) as error:
            raise UnreadableOrder("a line's quantity is not a number") from error
        lines.append(
            FreeLine(name=name, quantity=quantity, price=_amount(item.get("price", 0), currency))
        )
    customer = order.get("customer") or {}
    name = " ".join(
        str(customer.get(k)) for k in ("first_name", "last_name") if customer.get(k)
    ).strip()
    phone = (
        customer.get("phone")
        or order.get("phone")
        or (order.get("shipping_address") or {}).get("phone")
        or None
    )
    fulfilled_at = None
    if order.get("fulfillment_status") == "fulfilled":
        fulfillments = order.get("fulfillments") or []
        fulfilled_at = _time(fulfillments[-1].get("created_at")) if fulfillments else None
        fulfilled_at = fulfilled_at or _time(order.get("updated_at"))
    return ExternalOrder(
        provider=PROVIDER,
        external_id=str(order["id"]),
        lines=lines,
        total=_amount(order.get("total_price", 0), currency),
        currency=currency,
        status=status_of(order),
        placed_at=_time(order.get("created_at")),
        customer_name=name[:200],
        customer_phone=str(phone) if phone else None,
        customer_email=(customer.get("email") or order.get("email") or None),
        address=_address(order),
        comment=order.get("note") or None,
        fulfilled_at=fulfilled_at,
    )
