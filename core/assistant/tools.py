"""The assistant's tools: what a model (or the offline assistant) may read of a shop.

Every tool runs inside a `Scope`: the shop, and in a customer conversation that
customer. The scope comes from who is asking (the signed-in staff member's project,
the chat the message came from), never from the model's arguments, so a prompt that
talks a model into asking for order 1025 of another customer gets `not found`, the
same answer as for an order that does not exist.

    tool                 arguments               answers
    fetch_order_details  order_id (number/ext.)  status, delivery window, items, total
    track_order          order_id                status and its history (times)
    search_catalog       query                   up to 10 products: name, price, available
    customer_history     -                       the customer's last 5 orders
    shop_info            -                       hours, delivery windows and fee, payment, contacts

Arguments are checked before anything is read: an unknown tool, a missing or
malformed argument answers `{"error": ...}`. Results carry no phone numbers, and the
address only masked (core.tracking.mask_address).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.catalog_texts import item_name, product_text
from core.i18n import gettext_for
from core.models import Order, OrderStatusEvent, Product, Shop
from core.money import json_amount
from core.orders.names import STATUS_NAMES
from core.orders.status import OrderStatus
from core.ports.assistant import ToolCall, ToolSpec
from core.shoptime import format_day, format_window, shop_zone
from core.storefront import delivery_options
from core.tracking import mask_address

ORDER_REF = re.compile(r"^#?\s*([A-Za-z0-9][A-Za-z0-9-]{0,63})$")
MAX_QUERY = 100
NOT_FOUND = {"found": False, "error": "not found"}


@dataclass(frozen=True)
class Scope:
    """Who is asking: staff of `shop` (every order of the shop) or, in a customer
    conversation, the customer `customer_id` (their orders only; None = nobody's)."""

    shop: Shop
    customer_conversation: bool = False
    customer_id: int | None = None
    language: str = "ru"

    @classmethod
    def staff(cls, shop: Shop, language: str | None = None) -> Scope:
        return cls(shop=shop, language=language or shop.locale or "ru")

    @classmethod
    def customer(cls, shop: Shop, customer_id: int | None, language: str | None = None) -> Scope:
        return cls(
            shop=shop,
            customer_conversation=True,
            customer_id=customer_id,
            language=language or shop.locale or "ru",
        )


class ToolError(Exception):
    """A tool call the checks refused; its message goes back to the model."""


def _string(args: Mapping[str, Any], name: str, *, limit: int) -> str:
    value = args.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ToolError(f"{name} is required (a string)")
    if len(value) > limit:
        raise ToolError(f"{name} is longer than {limit} characters")
    return value.strip()


def order_reference(value: str) -> str | None:
    """`#1024`, `1024` or an external id such as `SH-1024`; None when it is not one."""
    match = ORDER_REF.match(value.strip())
    return match.group(1) if match else None


async def find_order(scope: Scope, reference: str) -> Order | None:
    """The order of the scope with this number or external id (None: not found or
    not the asking customer's)."""
    ref = order_reference(reference)
    if ref is None:
        return None
    orders = Order.filter(shop_id=scope.shop.id)
    if scope.customer_conversation:
        if scope.customer_id is None:
            return None
        orders = orders.filter(customer_id=scope.customer_id)
    found = await orders.filter(external_id=ref).first()
    if found is None and ref.isdigit() and int(ref) < 2**31:
        found = await orders.filter(number=int(ref)).first()
    return found


def order_label(order: Order) -> str:
    return str(order.external_id or order.number)


def delivery_window(shop: Shop, order: Order) -> str:
    """`03.12 14:00–16:00` on the shop's clock, the window text, or '' when unset."""
    if order.delivery_from is not None:
        day = format_day(order.delivery_from.astimezone(shop_zone(shop)).date())
        return f"{day} {format_window(shop, order.delivery_from, order.delivery_to)}"
    return order.delivery_time_range or ""


def status_text(status: OrderStatus | str, language: str) -> str:
    return gettext_for("messages", language)(STATUS_NAMES[OrderStatus(status)])


async def order_details(scope: Scope, order: Order) -> dict[str, Any]:
    items = await order.items.all().order_by("id")
    currency = order.currency or scope.shop.currency
    return {
        "found": True,
        "order_number": order_label(order),
        "status": str(order.status),
        "status_text": status_text(order.status, scope.language),
        "delivery_method": str(order.delivery_method),
        "delivery_window": delivery_window(scope.shop, order),
        "address": mask_address(order.address),
        "items": [
            {
                "name": item_name(
                    item.product_name, item.product_names, scope.language, scope.shop.locale
                ),
                "quantity": item.quantity,
            }
            for item in items
        ],
        "total": json_amount(order.total, str(currency)),
        "currency": str(currency),
    }


async def fetch_order_details(scope: Scope, args: Mapping[str, Any]) -> dict[str, Any]:
    reference = _string(args, "order_id", limit=70)
    order = await find_order(scope, reference)
    return NOT_FOUND if order is None else await order_details(scope, order)


def _when(shop: Shop, moment: datetime) -> str:
    return moment.astimezone(shop_zone(shop)).strftime("%d.%m %H:%M")


async def track_order(scope: Scope, args: Mapping[str, Any]) -> dict[str, Any]:
    reference = _string(args, "order_id", limit=70)
    order = await find_order(scope, reference)
    if order is None:
        return NOT_FOUND
    steps = await OrderStatusEvent.filter(order_id=order.id).order_by("created_at", "id")
    return {
        "found": True,
        "order_number": order_label(order),
        "status": str(order.status),
        "status_text": status_text(order.status, scope.language),
        "delivery_window": delivery_window(scope.shop, order),
        "history": [
            {
                "status": str(step.to_status),
                "status_text": status_text(step.to_status, scope.language),
                "at": _when(scope.shop, step.created_at),
            }
            for step in steps
        ],
    }


async def search_catalog(scope: Scope, args: Mapping[str, Any]) -> dict[str, Any]:
    query = _string(args, "query", limit=MAX_QUERY)
    products = Product.filter(shop_id=scope.shop.id, is_active=True)
    words = [w for w in re.split(r"\W+", query.lower()) if len(w) >= 3][:5]
    found: list[Product] = []
    for word in words or [query]:
        for product in await products.filter(name__icontains=word).order_by("id").limit(10):
            if product not in found:
                found.append(product)
    if len(found) < 10:
        # Names in other languages (a Kazakh customer asks for "раушан"): matched here,
        # over a bounded number of the shop's translated products, the way names are.
        translated = await products.exclude(translations={}).order_by("id").limit(500)
        for product in translated:
            texts = " ".join(
                str(t.get("name") or "")
                for t in (product.translations or {}).values()
                if isinstance(t, dict)
            ).lower()
            if product not in found and any(word in texts for word in words or [query.lower()]):
                found.append(product)
    currency = str(scope.shop.currency)
    return {
        "products": [
            {
                "name": product_text(product, scope.language, scope.shop.locale).name,
                "price": json_amount(product.discount_price or product.price, currency),
                "currency": currency,
                "available": bool(product.is_active),
            }
            for product in found[:10]
        ]
    }


async def customer_history(scope: Scope, args: Mapping[str, Any]) -> dict[str, Any]:
    if not scope.customer_conversation:
        return {"error": "customer_history answers in a customer conversation only"}
    if scope.customer_id is None:
        return {"orders": []}
    orders = (
        await Order.filter(shop_id=scope.shop.id, customer_id=scope.customer_id)
        .order_by("-created_at", "-id")
        .limit(5)
    )
    return {
        "orders": [
            {
                "order_number": order_label(order),
                "status": str(order.status),
                "status_text": status_text(order.status, scope.language),
                "placed": _when(scope.shop, order.created_at),
                "total": json_amount(order.total, str(order.currency or scope.shop.currency)),
            }
            for order in orders
        ]
    }


def opening_hours(shop: Shop) -> str:
    settings = shop.settings if isinstance(shop.settings, dict) else {}
    hours = settings.get("hours")
    return hours.strip() if isinstance(hours, str) else ""


async def shop_info(scope: Scope, args: Mapping[str, Any]) -> dict[str, Any]:
    shop = scope.shop
    options = delivery_options(shop)
    return {
        "name": shop.name,
        "hours": opening_hours(shop),
        "timezone": shop.timezone,
        "delivery_windows": [slot.label for slot in options.slots],
        "delivery_fee": json_amount(options.delivery_fee, str(shop.currency)),
        "currency": str(shop.currency),
        "payment": options.payment_info,
        "address": shop.address or "",
        "phone": shop.phone or "",
    }


Tool = Callable[[Scope, Mapping[str, Any]], Awaitable[dict[str, Any]]]

_ORDER_ARG = {
    "type": "object",
    "properties": {
        "order_id": {
            "type": "string",
            "description": "The order number the customer gave, e.g. 1024 or #1024",
        }
    },
    "required": ["order_id"],
}
_NO_ARGS: dict[str, Any] = {"type": "object", "properties": {}}

TOOLS: dict[str, tuple[ToolSpec, Tool]] = {
    spec.name: (spec, tool)
    for spec, tool in (
        (
            ToolSpec(
                "fetch_order_details",
                "An order's status, delivery window, items and total, by its number.",
                _ORDER_ARG,
            ),
            fetch_order_details,
        ),
        (
            ToolSpec(
                "track_order", "An order's status and the history of its statuses.", _ORDER_ARG
            ),
            track_order,
        ),
        (
            ToolSpec(
                "search_catalog",
                "Products of the shop whose name matches: name, price, availability.",
                {
                    "type": "object",
                    "properties": {"query": {"type": "string", "description": "What to find"}},
                    "required": ["query"],
                },
            ),
            search_catalog,
        ),
        (
            ToolSpec(
                "customer_history", "The asking customer's last orders (newest first).", _NO_ARGS
            ),
            customer_history,
        ),
        (
            ToolSpec(
                "shop_info",
                "The shop's opening hours, delivery windows and fee, payment methods, contacts.",
                _NO_ARGS,
            ),
            shop_info,
        ),
    )
}


def specs() -> list[ToolSpec]:
    return [spec for spec, _tool in TOOLS.values()]


async def run_tool(scope: Scope, call: ToolCall) -> dict[str, Any]:
    """Run one tool call in the scope; a refused call answers `{"error": ...}`."""
    entry = TOOLS.get(call.name)
    if entry is None:
        return {"error": f"unknown tool {call.name!r}"}
    args = call.args if isinstance(call.args, Mapping) else {}
    try:
        return await entry[1](scope, args)
    except ToolError as error:
        return {"error": str(error)}
